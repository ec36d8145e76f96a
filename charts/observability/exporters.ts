/**
 * Prometheus exporters for the datastores, run as sidecars the way well-kept charts do (one per
 * pod, talking to its own server over localhost), scraped through a `metrics` port of the
 * datastore's Service. Credentials reach them only through secretKeyRef; the MongoDB URI is
 * composed by the kubelet ($(VAR) expansion, as in config/connections.ts).
 */
import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { MongoConfig, PostgresConfig, RedisConfig } from '../../config/schema.js';
import { secretEnv } from '../../config/connections.js';
import type { EnvironmentContext } from '../../config/context.js';
import { MONGODB_PORT, POSTGRES_PORT, REDIS_PORT } from '../../config/names.js';
import type { DatastoreSidecar } from '../datastores/datastore.js';
import { scrapeMonitor } from './monitoring.js';

export const MONGODB_EXPORTER_PORT = 9216;
export const REDIS_EXPORTER_PORT = 9121;
export const POSTGRES_EXPORTER_PORT = 9187;

const METRICS = k8s.IntOrString.fromString('metrics');

function exporterContainer(name: string, port: number, rest: Pick<k8s.Container, 'args' | 'env'>): DatastoreSidecar['container'] {
  return {
    name,
    ...rest,
    ports: [{ name: 'metrics', containerPort: port, protocol: 'TCP' }],
    livenessProbe: { tcpSocket: { port: METRICS }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
    readinessProbe: { httpGet: { path: '/', port: METRICS }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  };
}

/**
 * percona/mongodb_exporter (https://github.com/percona/mongodb_exporter/blob/main/REFERENCE.md).
 * --mongodb.direct-connect makes each sidecar report its own replica-set member instead of
 * following the driver to the primary.
 */
export function mongodbExporter(mongo: MongoConfig): DatastoreSidecar {
  const user = 'MONGODB_EXPORTER_USERNAME';
  const password = 'MONGODB_EXPORTER_PASSWORD';
  return {
    image: mongo.metrics.image,
    resources: mongo.metrics.resources,
    container: exporterContainer('metrics', MONGODB_EXPORTER_PORT, {
      args: ['--mongodb.direct-connect', '--collect-all', `--web.listen-address=:${MONGODB_EXPORTER_PORT}`],
      env: [
        secretEnv(user, mongo.auth.existingSecret, mongo.auth.usernameKey),
        secretEnv(password, mongo.auth.existingSecret, mongo.auth.passwordKey),
        { name: 'MONGODB_URI', value: `mongodb://$(${user}):$(${password})@localhost:${MONGODB_PORT}/admin` },
      ],
    }),
  };
}

/** oliver006/redis_exporter (https://github.com/oliver006/redis_exporter#command-line-flags). */
export function redisExporter(redis: RedisConfig): DatastoreSidecar {
  return {
    image: redis.metrics.image,
    resources: redis.metrics.resources,
    container: exporterContainer('metrics', REDIS_EXPORTER_PORT, {
      env: [
        { name: 'REDIS_ADDR', value: `redis://localhost:${REDIS_PORT}` },
        secretEnv('REDIS_PASSWORD', redis.auth.existingSecret, redis.auth.passwordKey),
        { name: 'REDIS_EXPORTER_WEB_LISTEN_ADDRESS', value: `:${REDIS_EXPORTER_PORT}` },
      ],
    }),
  };
}

/**
 * prometheus-community postgres_exporter (https://github.com/prometheus-community/postgres_exporter#environment-variables),
 * connected to its own server over localhost with the superuser of the Secret.
 */
export function postgresExporter(pg: PostgresConfig): DatastoreSidecar {
  return {
    image: pg.metrics.image,
    resources: pg.metrics.resources,
    container: exporterContainer('metrics', POSTGRES_EXPORTER_PORT, {
      args: [`--web.listen-address=:${POSTGRES_EXPORTER_PORT}`],
      env: [
        { name: 'DATA_SOURCE_URI', value: `localhost:${POSTGRES_PORT}/postgres?sslmode=disable` },
        secretEnv('DATA_SOURCE_USER', pg.auth.existingSecret, pg.auth.usernameKey),
        secretEnv('DATA_SOURCE_PASS', pg.auth.existingSecret, pg.auth.passwordKey),
      ],
    }),
  };
}

/** The ServiceMonitor of a datastore's exporter, when monitoring is on. */
export function exporterMonitor(
  scope: Construct,
  env: EnvironmentContext,
  store: { name: string; labels: Record<string, string>; selector: Record<string, string> },
  id = 'service-monitor',
): void {
  if (!env.config.monitoring.enabled) return;
  scrapeMonitor(scope, id, env, { name: store.name, labels: store.labels, selector: store.selector, port: 'metrics' });
}
