/**
 * Facts about the Redis of an environment that the charts, the connection settings and the
 * NetworkPolicies share: the pods' DNS names and the Sentinel quorum.
 */
import { names, REDIS_PORT, REDIS_SENTINEL_PORT, statefulSetPodHosts } from './names.js';
import type { RedisConfig } from './schema.js';

/** The first primary: pod 0 of the primary StatefulSet (after a Sentinel failover, any data pod). */
export function redisPrimaryHost(namespace: string): string {
  return statefulSetPodHosts(names.redis, names.redisHeadless, namespace, 1)[0];
}

/** host:port of every data pod, the primary first. */
export function redisDataHosts(redis: Pick<RedisConfig, 'replicas'>, namespace: string): string[] {
  return [...statefulSetPodHosts(names.redis, names.redisHeadless, namespace, 1), ...statefulSetPodHosts(names.redisRead, names.redisReadHeadless, namespace, redis.replicas)].map(
    (host) => `${host}:${REDIS_PORT}`,
  );
}

/** host:port of every Sentinel pod: what Sentinel clients are configured with. */
export function redisSentinelHosts(redis: Pick<RedisConfig, 'sentinel'>, namespace: string): string[] {
  return statefulSetPodHosts(names.redisSentinel, names.redisSentinelHeadless, namespace, redis.sentinel.replicas).map((host) => `${host}:${REDIS_SENTINEL_PORT}`);
}

/** Sentinels that must agree the primary is down: sentinel.quorum, else a majority. */
export function sentinelQuorum(sentinel: Pick<RedisConfig['sentinel'], 'quorum' | 'replicas'>): number {
  return sentinel.quorum ?? Math.floor(sentinel.replicas / 2) + 1;
}

/** The Redis pods a workload that `uses` redis reaches: the primary, the replicas, the Sentinels. */
export function redisEndpoints(config: { readonly redis: Pick<RedisConfig, 'replicas' | 'sentinel'> }): { name: string; port: number }[] {
  const { redis } = config;
  return [
    { name: names.redis, port: REDIS_PORT },
    ...(redis.replicas > 0 ? [{ name: names.redisRead, port: REDIS_PORT }] : []),
    ...(redis.replicas > 0 && redis.sentinel.enabled ? [{ name: names.redisSentinel, port: REDIS_SENTINEL_PORT }] : []),
  ];
}
