/**
 * The start scripts of the Redis pods (POSIX sh: the official image's Debian and Alpine variants
 * both have it), as plain strings: test/redis.test.ts checks them with shellcheck and runs exactly
 * these bytes against real redis-server processes (primary, replica, Sentinels, a failover).
 */

/** Where a Sentinel writes its configuration (it rewrites the file as it learns; an emptyDir). */
export const SENTINEL_DIR = '/sentinel';

/**
 * `current_primary` prints "<host> <port>" of the primary the Sentinels (SENTINEL_HOSTS, a
 * space-separated list of host:port) agree on, else of a data pod (DATA_HOSTS) that says it is a
 * primary, and fails when none answers: after a failover the primary is no longer the first pod,
 * and a pod that starts must follow it instead of starting as a second primary. redis-cli reads the
 * password from REDISCLI_AUTH.
 */
export const CURRENT_PRIMARY = `current_primary() {
  for peer in \${SENTINEL_HOSTS:-}; do
    addr=$(redis-cli -h "\${peer%:*}" -p "\${peer##*:}" --raw sentinel get-master-addr-by-name "$SENTINEL_MASTER" 2>/dev/null | tr '\\n' ' ') || continue
    # shellcheck disable=SC2086 # split "host port" into words
    set -- $addr
    if [ "$#" -eq 2 ] && [ "$2" -gt 0 ] 2>/dev/null; then
      echo "$1 $2"
      return 0
    fi
  done
  for peer in \${DATA_HOSTS:-}; do
    [ "$peer" = "$ANNOUNCE_HOST:$REDIS_PORT" ] && continue
    if redis-cli -h "\${peer%:*}" -p "\${peer##*:}" info replication 2>/dev/null | grep -q '^role:master'; then
      echo "\${peer%:*} \${peer##*:}"
      return 0
    fi
  done
  return 1
}
`;

/** With MAXMEMORY_PERCENT, maxmemory is that share of REDIS_MEMORY_LIMIT (the container's memory limit in bytes, from the downward API). */
const MAXMEMORY = `set -eu
if [ -n "\${MAXMEMORY_PERCENT:-}" ]; then
  set -- "$@" --maxmemory "$((REDIS_MEMORY_LIMIT * MAXMEMORY_PERCENT / 100))"
fi
`;

/**
 * A standalone Redis, run as `sh -c <script> redis <redis-server settings...>`.
 *
 * Environment: REDIS_MEMORY_LIMIT and MAXMEMORY_PERCENT (both or neither).
 */
export const REDIS_STANDALONE_SCRIPT = `${MAXMEMORY}exec redis-server "$@"
`;

/**
 * A Redis data pod with replication (primary or replica), run like the standalone one. It
 * announces ANNOUNCE_HOST:REDIS_PORT (its stable DNS name, which Sentinel hands to clients) and
 * starts as the primary when the current primary (current_primary, else PRIMARY_HOST:PRIMARY_PORT)
 * is itself, as a replica of it otherwise. masterauth is set on every pod: Sentinel may turn a
 * primary into a replica.
 *
 * Environment: as the standalone one, and REDIS_PORT, REDIS_PASSWORD, REDISCLI_AUTH, PRIMARY_HOST,
 * PRIMARY_PORT, ANNOUNCE_HOST; with Sentinel also SENTINEL_HOSTS, SENTINEL_MASTER, DATA_HOSTS.
 */
export const REDIS_REPLICATION_SCRIPT = `${MAXMEMORY}${CURRENT_PRIMARY}primary=$(current_primary) || primary="$PRIMARY_HOST $PRIMARY_PORT"
host=\${primary% *}
port=\${primary#* }
set -- "$@" --replica-announce-ip "$ANNOUNCE_HOST" --replica-announce-port "$REDIS_PORT" --masterauth "$REDIS_PASSWORD"
if [ "$host" = "$ANNOUNCE_HOST" ] && [ "$port" = "$REDIS_PORT" ]; then
  echo "starting as the primary $ANNOUNCE_HOST:$REDIS_PORT"
  exec redis-server "$@"
fi
echo "starting as a replica of $host:$port"
exec redis-server "$@" --replicaof "$host" "$port"
`;

/**
 * A Sentinel, run as `sh -c <script> sentinel [redis-server options...]`: it monitors the current primary (as the other
 * Sentinels or the data pods know it, else PRIMARY_HOST:PRIMARY_PORT), announces its own DNS name,
 * resolves host names (pod IPs change, names do not) and asks for the Redis password, which it also
 * uses towards the data pods and the other Sentinels. The configuration is written at start into
 * SENTINEL_DIR, never into the manifest.
 *
 * Environment: SENTINEL_PORT, SENTINEL_MASTER, QUORUM, DOWN_AFTER_MS, FAILOVER_TIMEOUT_MS,
 * PRIMARY_HOST, PRIMARY_PORT, ANNOUNCE_HOST, SENTINEL_HOSTS, DATA_HOSTS, REDIS_PORT, REDIS_PASSWORD,
 * REDISCLI_AUTH, SENTINEL_DIR.
 */
export const SENTINEL_START_SCRIPT = `set -eu
${CURRENT_PRIMARY}primary=$(current_primary) || primary="$PRIMARY_HOST $PRIMARY_PORT"
echo "monitoring the primary \${primary% *}:\${primary#* } as $SENTINEL_MASTER"
conf="$SENTINEL_DIR/sentinel.conf"
umask 077
cat > "$conf" <<EOF
port $SENTINEL_PORT
dir $SENTINEL_DIR
requirepass $REDIS_PASSWORD
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $ANNOUNCE_HOST
sentinel announce-port $SENTINEL_PORT
sentinel sentinel-pass $REDIS_PASSWORD
sentinel monitor $SENTINEL_MASTER \${primary% *} \${primary#* } $QUORUM
sentinel auth-pass $SENTINEL_MASTER $REDIS_PASSWORD
sentinel down-after-milliseconds $SENTINEL_MASTER $DOWN_AFTER_MS
sentinel failover-timeout $SENTINEL_MASTER $FAILOVER_TIMEOUT_MS
sentinel parallel-syncs $SENTINEL_MASTER 1
EOF
exec redis-server "$conf" --sentinel "$@"
`;
