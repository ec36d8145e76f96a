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
import { MONGODB_PORT, names, REDIS_PORT, statefulSetPodHosts } from './names.js';

export interface ConnectionEnv {
  /** Non-secret settings, for the workload's ConfigMap. */
  readonly plain: Record<string, string>;
  /** Variables read from Secrets, then variables composed from them (order matters). */
  readonly env: k8s.EnvVar[];
}

export type Datastore = 'mongodb' | 'redis';

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
    Object.assign(plain, { REDIS_HOST: host, REDIS_PORT: String(REDIS_PORT) });
    env.push(secretEnv('REDIS_PASSWORD', redis.auth.existingSecret, redis.auth.passwordKey), {
      name: 'REDIS_URL',
      value: `redis://:$(REDIS_PASSWORD)@${host}:${REDIS_PORT}`,
    });
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
