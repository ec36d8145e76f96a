import type { Construct } from 'constructs';
import { secretEnv } from '../../config/connections.js';
import type { EnvironmentContext } from '../../config/context.js';
import { names, REDIS_PORT } from '../../config/names.js';
import { redisMemory } from '../../config/quantity.js';
import { Datastore, datastoreService } from './datastore.js';
import { EnvironmentChart } from '../environment-chart.js';
import { exporterMonitor, REDIS_EXPORTER_PORT, redisExporter } from '../observability/exporters.js';

/**
 * Redis from the official image (docker.io/library/redis), run as its "redis" user (UID 999) on a
 * read-only root filesystem; it writes only /data (the claim) and /tmp.
 */
export class RedisChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'redis', env, 20);
    const redis = env.config.redis;
    // The kubelet expands $(REDIS_PASSWORD) when it starts the container, so the password is
    // never in the manifest; redis-cli reads REDISCLI_AUTH, so probes don't pass it either.
    const ping = { exec: { command: ['sh', '-c', 'redis-cli -p 6379 ping | grep -q PONG'] } };

    const store = new Datastore(this, 'redis', {
      name: names.redis,
      component: 'cache',
      env,
      image: redis.image,
      resources: redis.resources,
      identity: redis.securityContext,
      replicas: 1,
      serviceName: names.redisHeadless,
      storage: redis.storage,
      dataPath: '/data',
      container: {
        // biome-ignore format: one option and its value per line
        args: [
          'redis-server',
          '--port', String(REDIS_PORT),
          '--dir', '/data',
          '--appendonly', redis.appendOnly ? 'yes' : 'no',
          '--requirepass', '$(REDIS_PASSWORD)',
          ...(redis.maxmemory ? ['--maxmemory', redisMemory(redis.maxmemory)] : []),
        ],
        ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
        env: [secretEnv('REDIS_PASSWORD', redis.auth.existingSecret, redis.auth.passwordKey), secretEnv('REDISCLI_AUTH', redis.auth.existingSecret, redis.auth.passwordKey)],
        livenessProbe: { ...ping, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
        readinessProbe: { ...ping, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        // Loading a large AOF at start answers LOADING instead of PONG; give it time.
        startupProbe: { ...ping, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
      volumes: [{ name: 'tmp', emptyDir: {} }],
      sidecars: redis.metrics.enabled ? [redisExporter(redis)] : [],
    });

    const service = { labels: store.labels, selector: store.selector, port: REDIS_PORT, portName: 'redis' };
    // Only the client Service carries the metrics port: the ServiceMonitor matches both Services,
    // and a port on each would scrape every pod twice.
    const metricsPort = redis.metrics.enabled ? REDIS_EXPORTER_PORT : undefined;
    datastoreService(this, 'service', { ...service, name: names.redis, headless: false, metricsPort });
    datastoreService(this, 'headless-service', { ...service, name: names.redisHeadless, headless: true });
    if (redis.metrics.enabled) exporterMonitor(this, env, { name: names.redis, labels: store.labels, selector: store.selector });
  }
}
