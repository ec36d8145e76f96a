/**
 * Connection settings a workload gets for the datastores it `uses`.
 * Credentials only ever come from secretKeyRef; the URIs are composed by the kubelet with
 * dependent environment variables ($(VAR) expansion, which sees envFrom and earlier env entries:
 * https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/),
 * so no secret value is ever written into a manifest. Passwords must be URL-safe for the URIs to parse.
 */
import type { k8s } from 'cdk8s-plus-27';
import type { Config, WorkloadConfig } from './schema.js';
import type { EnvironmentContext } from './context.js';
import { serviceHost } from './context.js';
import { MONGODB_PORT, names, POSTGRES_PORT, REDIS_PORT, REDIS_SENTINEL_PORT, statefulSetPodHosts } from './names.js';
import { redisSentinelHosts } from './redis.js';

export interface ConnectionEnv {
  /** Non-secret settings, for the workload's ConfigMap. */
  readonly plain: Record<string, string>;
  /** Variables read from Secrets, then variables composed from them (order matters). */
  readonly env: k8s.EnvVar[];
}

export type Datastore = WorkloadConfig['uses'][number];

/**
 * The Service a workload reaches for `postgres-read`: the replicas' `-read` Service, or the primary
 * when there are no replicas (so the same workload config runs against 0 or N replicas).
 */
export function postgresReadService(config: Config): string {
  return config.postgres.replicas > 0 ? names.postgresRead : names.postgres;
}

export function connectionEnv(uses: readonly Datastore[], config: Config, namespace: string): ConnectionEnv {
  const plain: Record<string, string> = {};
  const env: k8s.EnvVar[] = [];
  if (uses.includes('mongodb')) {
    const mongo = config.mongodb;
    const members = mongo.replicaSet.enabled ? mongo.replicaSet.members : 1;
    const hosts = statefulSetPodHosts(names.mongodb, names.mongodb, namespace, members).map((h) => `${h}:${MONGODB_PORT}`);
    const query = mongo.replicaSet.enabled ? `authSource=admin&replicaSet=${mongo.replicaSet.name}` : 'authSource=admin';
    Object.assign(plain, {
      MONGODB_HOSTS: hosts.join(','),
      MONGODB_DATABASE: mongo.database,
      ...(mongo.replicaSet.enabled ? { MONGODB_REPLICA_SET: mongo.replicaSet.name } : {}),
    });
    env.push(secretEnv('MONGODB_USERNAME', mongo.auth.existingSecret, mongo.auth.usernameKey), secretEnv('MONGODB_PASSWORD', mongo.auth.existingSecret, mongo.auth.passwordKey), {
      name: 'MONGODB_URI',
      value: `mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@${hosts.join(',')}/${mongo.database}?${query}`,
    });
  }
  if (uses.includes('redis')) {
    const redis = config.redis;
    const host = serviceHost(names.redis, namespace);
    Object.assign(plain, {
      REDIS_HOST: host,
      REDIS_PORT: String(REDIS_PORT),
      // Reads may go to the replicas; with Sentinel, writers ask it for the primary, which moves on failover.
      ...(redis.replicas > 0 ? { REDIS_READ_HOST: serviceHost(names.redisRead, namespace) } : {}),
      ...(redis.sentinel.enabled
        ? {
            REDIS_SENTINEL_HOST: serviceHost(names.redisSentinel, namespace),
            REDIS_SENTINEL_PORT: String(REDIS_SENTINEL_PORT),
            REDIS_SENTINEL_HOSTS: redisSentinelHosts(redis, namespace).join(','),
            REDIS_SENTINEL_MASTER: redis.sentinel.masterName,
          }
        : {}),
    });
    env.push(secretEnv('REDIS_PASSWORD', redis.auth.existingSecret, redis.auth.passwordKey), {
      name: 'REDIS_URL',
      value: `redis://:$(REDIS_PASSWORD)@${host}:${REDIS_PORT}`,
    });
  }
  if (uses.includes('postgres') || uses.includes('postgres-read')) {
    const pg = config.postgres;
    const primary = serviceHost(names.postgres, namespace);
    const read = serviceHost(postgresReadService(config), namespace);
    const url = (host: string) => `postgresql://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@${host}:${POSTGRES_PORT}/${pg.database}`;
    Object.assign(plain, {
      POSTGRES_PORT: String(POSTGRES_PORT),
      POSTGRES_DATABASE: pg.database,
      ...(uses.includes('postgres') ? { POSTGRES_HOST: primary } : {}),
      ...(uses.includes('postgres-read') ? { POSTGRES_READ_HOST: read } : {}),
    });
    env.push(secretEnv('POSTGRES_USER', pg.auth.existingSecret, pg.auth.usernameKey), secretEnv('POSTGRES_PASSWORD', pg.auth.existingSecret, pg.auth.passwordKey));
    if (uses.includes('postgres')) env.push({ name: 'POSTGRES_URL', value: url(primary) });
    if (uses.includes('postgres-read')) env.push({ name: 'POSTGRES_READ_URL', value: url(read) });
  }
  return { plain, env };
}

export function secretEnv(name: string, secretName: string, key: string): k8s.EnvVar {
  return { name, valueFrom: { secretKeyRef: { name: secretName, key } } };
}

/** The non-secret settings of a workload, sorted by key: what goes into its ConfigMap (`extra`: e.g. PORT, under the workload's own env). */
export function workloadSettings(workload: WorkloadConfig, env: EnvironmentContext, extra: Record<string, string> = {}): Record<string, string> {
  const { plain } = connectionEnv(workload.uses, env.config, env.namespace);
  const settings = { ...plain, ...extra, ...workload.env };
  return Object.fromEntries(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
