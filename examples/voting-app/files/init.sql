-- The votes table of the voting app (seed 003, "Database Schema"), created by
-- PostgreSQL's entrypoint on the first start of an empty data directory.
CREATE TABLE IF NOT EXISTS votes (
    id VARCHAR(255) NOT NULL UNIQUE,  -- voter id (cookie-based)
    vote VARCHAR(255) NOT NULL        -- vote choice ('a' or 'b')
);

CREATE INDEX IF NOT EXISTS idx_votes_vote ON votes (vote);
