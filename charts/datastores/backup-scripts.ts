/**
 * The backup, verify, upload and restore scripts of the datastores (POSIX sh, run by the datastore's
 * own image, which has its dump and restore tools, or by rclone's), as plain strings:
 * test/backup.test.ts checks them with shellcheck and runs exactly these bytes against real
 * PostgreSQL and Redis servers and a real rclone remote.
 *
 * Every backup writes `<BACKUP_DIR>/<prefix>-<UTC time>.<ext>` through a `.partial` file that is
 * renamed only once the dump is complete and verified, so a file with the final name is always a
 * verified backup, and then deletes the local backups older than RETENTION_DAYS.
 */

import { CURRENT_PRIMARY } from './redis-scripts.js';

/** The start shared by every backup script: the file name, and local retention as a function. */
const BACKUP_START = `set -eu
stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$BACKUP_DIR/$BACKUP_PREFIX-$stamp.$BACKUP_EXT"
partial="$file.partial"
rm -f "$BACKUP_DIR"/*.partial
# A failed run leaves nothing behind (a script may redefine cleanup to also stop what it started).
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  rm -f "$partial"
}
trap cleanup EXIT
started=$(date +%s)
`;

/** Renames the verified dump into place and applies local retention. */
const BACKUP_END = `mv "$partial" "$file"
echo "backup $file: $(wc -c < "$file") bytes in $(($(date +%s) - started)) s, verified"
find "$BACKUP_DIR" -maxdepth 1 -type f -name "$BACKUP_PREFIX-*.$BACKUP_EXT" -mmin +"$((RETENTION_DAYS * 1440))" -print -exec rm -f {} +
`;

/**
 * PostgreSQL: pg_dump in the custom format (compressed, restorable table by table), then a verify
 * that restores it: pg_restore --list reads the whole table of contents, and a restore into a
 * scratch server started in the pod (initdb in /tmp, Unix socket only) proves the data loads,
 * without any load or risk on the production server.
 *
 * Environment: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE, BACKUP_DIR, BACKUP_PREFIX,
 * BACKUP_EXT, RETENTION_DAYS; SCRATCH_DIR (default /tmp).
 */
export const POSTGRES_BACKUP_SCRIPT = `${BACKUP_START}pg_dump --format=custom --no-password --file="$partial"
pg_restore --list "$partial" > /dev/null
scratch=$(mktemp -d "\${SCRATCH_DIR:-/tmp}/verify.XXXXXX")
cleanup() {
  pg_ctl --pgdata="$scratch/data" --silent --mode=immediate stop > /dev/null 2>&1 || true
  rm -rf "$scratch" "$partial"
}
initdb --pgdata="$scratch/data" --username=verify --auth=trust > /dev/null
pg_ctl --pgdata="$scratch/data" --wait --silent --log="$scratch/log" \\
  --options="-c listen_addresses='' -c port=5432 -c unix_socket_directories=$scratch -c shared_buffers=16MB -c fsync=off" start
verify() {
  tool=$1
  shift
  env -u PGHOST -u PGPORT -u PGDATABASE -u PGPASSWORD "$tool" --host="$scratch" --port=5432 --username=verify "$@"
}
verify createdb verify
verify pg_restore --dbname=verify --no-owner --no-privileges --exit-on-error "$partial"
tables=$(verify psql --dbname=verify -Atc "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')")
echo "verify: restored $tables tables into a scratch server"
${BACKUP_END}`;

/**
 * Redis: an RDB snapshot streamed from the server over the replication protocol (redis-cli --rdb,
 * which the server answers like a replica's full sync, with a fork: no BGSAVE file on its volume),
 * verified by redis-check-rdb, which parses every key.
 *
 * Environment: REDIS_HOST, REDIS_PORT, REDISCLI_AUTH, BACKUP_DIR, BACKUP_PREFIX, BACKUP_EXT, RETENTION_DAYS.
 */
export const REDIS_BACKUP_SCRIPT = `${BACKUP_START}redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" --rdb "$partial" > /dev/null
check=$(mktemp)
if ! redis-check-rdb "$partial" > "$check" 2>&1; then
  cat "$check" >&2
  exit 1
fi
cat "$check"
rm -f "$check"
${BACKUP_END}`;

/**
 * MongoDB: mongodump of every database into one gzip-compressed archive (with the oplog of the
 * dump's duration when MONGODB_OPLOG is "true", a replica set: a consistent point in time), verified
 * by gzip -t (the whole compressed stream is intact) and mongorestore --dryRun, which reads the
 * archive through and reports what it would restore, writing nothing. (No pipes: POSIX sh has no
 * pipefail, a failing command before "| tail" would pass.)
 *
 * Environment: MONGODB_URI, MONGODB_OPLOG, BACKUP_DIR, BACKUP_PREFIX, BACKUP_EXT, RETENTION_DAYS.
 */
export const MONGODB_BACKUP_SCRIPT = `${BACKUP_START}oplog=
if [ "\${MONGODB_OPLOG:-false}" = true ]; then oplog=--oplog; fi
mongodump --uri="$MONGODB_URI" --archive="$partial" --gzip $oplog --quiet
gzip -t "$partial"
check=$(mktemp)
if ! mongorestore --uri="$MONGODB_URI" --archive="$partial" --gzip --dryRun --verbose > "$check" 2>&1; then
  cat "$check" >&2
  exit 1
fi
cat "$check"
rm -f "$check"
${BACKUP_END}`;

/**
 * The upload container (rclone's image), after the backup: copies the verified local backups the
 * remote lacks (an upload that failed last time is retried), then deletes remote backups older
 * than REMOTE_RETENTION_DAYS. The remote's credentials are in RCLONE_CONFIG, a file from a Secret.
 *
 * Environment: RCLONE_CONFIG, REMOTE (remote:path), BACKUP_DIR, BACKUP_PREFIX, BACKUP_EXT, REMOTE_RETENTION_DAYS.
 */
export const UPLOAD_SCRIPT = `set -eu
pattern="$BACKUP_PREFIX-*.$BACKUP_EXT"
rclone copy "$BACKUP_DIR" "$REMOTE" --include "$pattern" --no-traverse --stats-one-line --stats-log-level NOTICE
rclone delete "$REMOTE" --include "$pattern" --min-age "\${REMOTE_RETENTION_DAYS}d" --verbose
echo "uploaded to $REMOTE; remote backups older than $REMOTE_RETENTION_DAYS days deleted"
`;

/**
 * The backup a restore reads: BACKUP_FILE (a file name in BACKUP_DIR), or with "latest" (the default)
 * the newest verified one (file names sort by their UTC time; .partial files never match).
 */
const RESTORE_START = `set -eu
file=
if [ "\${BACKUP_FILE:-latest}" = latest ]; then
  for candidate in "$BACKUP_DIR/$BACKUP_PREFIX"-*."$BACKUP_EXT"; do
    [ -f "$candidate" ] && file=$candidate
  done
else
  file="$BACKUP_DIR/$BACKUP_FILE"
fi
if [ -z "$file" ] || [ ! -f "$file" ]; then
  echo "no backup \${BACKUP_FILE:-latest} in $BACKUP_DIR" >&2
  exit 1
fi
echo "restoring $file ($(wc -c < "$file") bytes)"
started=$(date +%s)
`;

const RESTORE_END = `echo "restored $file in $(($(date +%s) - started)) s"
`;

/**
 * PostgreSQL: pg_restore into the primary's database in one transaction (all or nothing), dropping
 * the objects the dump recreates first (--clean --if-exists); objects the dump does not have stay.
 *
 * Environment: as the backup (PG*), BACKUP_FILE.
 */
export const POSTGRES_RESTORE_SCRIPT = `${RESTORE_START}pg_restore --dbname="$PGDATABASE" --clean --if-exists --no-owner --no-privileges --single-transaction --exit-on-error "$file"
${RESTORE_END}`;

/**
 * MongoDB: mongorestore of the archive, dropping each collection before restoring it, and replaying
 * the oplog the dump recorded (replica set) to its consistent point.
 *
 * Environment: as the backup (MONGODB_URI, MONGODB_OPLOG), BACKUP_FILE.
 */
export const MONGODB_RESTORE_SCRIPT = `${RESTORE_START}oplog=
if [ "\${MONGODB_OPLOG:-false}" = true ]; then oplog=--oplogReplay; fi
mongorestore --uri="$MONGODB_URI" --archive="$file" --gzip --drop $oplog
${RESTORE_END}`;

/**
 * Redis: an RDB cannot be loaded into a running server, so the restore starts a scratch server
 * from a copy of the file (loopback, port 6380, no persistence) and copies every key to the current
 * primary with MIGRATE ... COPY REPLACE (values, types and TTLs as they are in the backup; keys the
 * backup does not have stay). The primary is the one the Sentinels name, else REDIS_HOST.
 *
 * Environment: REDIS_HOST, REDIS_PORT, REDISCLI_AUTH, REDIS_PASSWORD, SCRATCH_DIR (default /tmp),
 * BACKUP_FILE; with Sentinel SENTINEL_HOSTS, SENTINEL_MASTER.
 */
export const REDIS_RESTORE_SCRIPT = `${RESTORE_START}${CURRENT_PRIMARY}target=$(current_primary) || target="$REDIS_HOST $REDIS_PORT"
host=\${target% *}
port=\${target#* }
scratch=$(mktemp -d "\${SCRATCH_DIR:-/tmp}/restore.XXXXXX")
local_port=\${SCRATCH_PORT:-6380}
cp "$file" "$scratch/dump.rdb"
redis-server --port "$local_port" --bind 127.0.0.1 --dir "$scratch" --dbfilename dump.rdb --appendonly no --save '' \\
  --daemonize yes --pidfile "$scratch/redis.pid" --logfile "$scratch/redis.log"
scratch_cli() {
  env -u REDISCLI_AUTH redis-cli -p "$local_port" "$@"
}
tries=0
until [ "$(scratch_cli ping 2>/dev/null)" = PONG ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 600 ]; then
    cat "$scratch/redis.log" >&2
    exit 1
  fi
  sleep 1
done
scratch_cli --scan > "$scratch/keys"
# MIGRATE 1000 keys at a time; every reply must be OK (or NOKEY: nothing left to copy).
tr '\\n' '\\0' < "$scratch/keys" | xargs -0 -r -n 1000 env -u REDISCLI_AUTH redis-cli -p "$local_port" \\
  migrate "$host" "$port" "" 0 60000 copy replace auth "$REDIS_PASSWORD" keys > "$scratch/replies"
scratch_cli shutdown nosave > /dev/null 2>&1 || true
if grep -v -x -e OK -e NOKEY "$scratch/replies" >&2; then
  echo "MIGRATE to $host:$port failed" >&2
  exit 1
fi
echo "copied $(wc -l < "$scratch/keys") keys to $host:$port"
rm -rf "$scratch"
${RESTORE_END}`;

/**
 * Before a restore, with BACKUP_SOURCE=remote (rclone's image): fetches BACKUP_FILE, or with
 * "latest" the newest backup on the remote, into BACKUP_DIR, e.g. when the backup claim was lost.
 *
 * Environment: as the upload, BACKUP_SOURCE, BACKUP_FILE.
 */
export const DOWNLOAD_SCRIPT = `set -eu
if [ "\${BACKUP_SOURCE:-local}" != remote ]; then
  echo "restoring from the backup claim (BACKUP_SOURCE=\${BACKUP_SOURCE:-local})"
  exit 0
fi
name=\${BACKUP_FILE:-latest}
if [ "$name" = latest ]; then
  name=$(rclone lsf "$REMOTE" --files-only --include "$BACKUP_PREFIX-*.$BACKUP_EXT" | sort | tail -n 1)
fi
if [ -z "$name" ]; then
  echo "no backup in $REMOTE" >&2
  exit 1
fi
rclone copyto "$REMOTE/$name" "$BACKUP_DIR/$name"
echo "fetched $REMOTE/$name"
`;
