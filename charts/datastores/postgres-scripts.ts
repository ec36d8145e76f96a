/**
 * The configuration and start script of PostgreSQL that the manifests embed, as plain strings:
 * test/postgres.test.ts runs exactly these bytes against real PostgreSQL servers.
 */

/** Where the ConfigMap with pg_hba.conf is mounted. */
export const POSTGRES_CONFIG_DIR = '/etc/postgresql';

/**
 * Client authentication (https://www.postgresql.org/docs/current/auth-pg-hba-conf.html): over the
 * pod's own Unix socket without a password, as the official image does (the entrypoint's init
 * scripts, `kubectl exec ... psql`); every TCP connection, replication included, with a
 * SCRAM-SHA-256 password.
 */
export const PG_HBA_CONF = `# TYPE  DATABASE     USER  ADDRESS  METHOD
local   all          all            trust
local   replication  all            trust
host    all          all   all      scram-sha-256
host    replication  all   all      scram-sha-256
`;

/**
 * The start of a read replica, run as `bash -c <script> replica <postgres settings...>`. On its
 * first start (no PG_VERSION in $PGDATA) it copies the primary with pg_basebackup into a directory
 * next to $PGDATA and renames it only when complete, so an interrupted copy is started over, never
 * used; standby.signal makes the server a hot standby. primary_conninfo carries no password: the
 * WAL receiver's libpq reads PGPASSWORD from the environment, which comes from the Secret.
 *
 * Environment: PGDATA, PRIMARY_HOST, PRIMARY_PORT, POSTGRES_USER, PGPASSWORD, HOSTNAME.
 */
export const POSTGRES_REPLICA_SCRIPT = `set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  rm -rf "$PGDATA" "$PGDATA.basebackup"
  until pg_isready --quiet --host="$PRIMARY_HOST" --port="$PRIMARY_PORT"; do
    echo "waiting for the primary $PRIMARY_HOST:$PRIMARY_PORT"
    sleep 2
  done
  echo "copying the primary $PRIMARY_HOST:$PRIMARY_PORT with pg_basebackup"
  pg_basebackup --host="$PRIMARY_HOST" --port="$PRIMARY_PORT" --username="$POSTGRES_USER" --no-password \\
    --pgdata="$PGDATA.basebackup" --wal-method=stream --checkpoint=fast
  touch "$PGDATA.basebackup/standby.signal"
  mv "$PGDATA.basebackup" "$PGDATA"
fi
exec postgres "$@" -c "primary_conninfo=host=$PRIMARY_HOST port=$PRIMARY_PORT user=$POSTGRES_USER application_name=$HOSTNAME"
`;
