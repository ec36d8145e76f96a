import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { secretEnv } from '../../config/connections.js';
import type { EnvironmentContext } from '../../config/context.js';
import { names, REDIS_PORT, REDIS_SENTINEL_PORT } from '../../config/names.js';
import { redisMemory } from '../../config/quantity.js';
import { PERCENT_OF_LIMIT, type RedisConfig } from '../../config/schema.js';
import { redisDataHosts, redisPrimaryHost, redisSentinelHosts, sentinelQuorum } from '../../config/redis.js';
import { Datastore, datastoreService } from './datastore.js';
import { disruptionBudget } from '../workloads/disruption-budget.js';
import { EnvironmentChart } from '../environment-chart.js';
import { exporterMonitor, REDIS_EXPORTER_PORT, redisExporter } from '../observability/exporters.js';
import { REDIS_REPLICATION_SCRIPT, REDIS_STANDALONE_SCRIPT, SENTINEL_DIR, SENTINEL_START_SCRIPT } from './redis-scripts.js';

/** A probe that asks the server on `port` for PONG (redis-cli reads REDISCLI_AUTH). */
const ping = (port: number) => ({ exec: { command: ['sh', '-c', `redis-cli -p ${port} ping | grep -q PONG`] } });

/**
 * Redis from the official image (docker.io/library/redis), run as its "redis" user (UID 999) on a
 * read-only root filesystem; it writes only /data (the claim) and /tmp.
 *
 * With `replicas`, a second StatefulSet (<name>-read) of replicas that `replicaof` the primary pod
 * by its stable DNS name, and a <name>-read Service that selects them only. With `sentinel`, a
 * StatefulSet of Sentinels that fail over to a replica when the primary is down; every pod then
 * finds the current primary when it starts (charts/datastores/redis-scripts.ts), and clients ask
 * the Sentinels for it (REDIS_SENTINEL_HOSTS, REDIS_SENTINEL_MASTER).
 */
export class RedisChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'redis', env, 20);
    const redis = env.config.redis;
    const replicated = redis.replicas > 0;
    const sentinel = redis.sentinel.enabled;
    const credentials = [
      // The kubelet expands $(REDIS_PASSWORD) when it starts the container, so the password is
      // never in the manifest; redis-cli reads REDISCLI_AUTH, so probes don't pass it either.
      secretEnv('REDIS_PASSWORD', redis.auth.existingSecret, redis.auth.passwordKey),
      secretEnv('REDISCLI_AUTH', redis.auth.existingSecret, redis.auth.passwordKey),
    ];
    const share = PERCENT_OF_LIMIT.exec(redis.maxmemory);
    // biome-ignore format: one option and its value per line
    const settings = [
      '--port', String(REDIS_PORT),
      '--dir', '/data',
      '--appendonly', redis.appendOnly ? 'yes' : 'no',
      '--requirepass', '$(REDIS_PASSWORD)',
      '--maxmemory-policy', redis.maxmemoryPolicy,
      ...(share ? [] : ['--maxmemory', redisMemory(redis.maxmemory)]),
    ];
    const replication = (headless: string) =>
      replicated
        ? [
            { name: 'REDIS_PORT', value: String(REDIS_PORT) },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'ANNOUNCE_HOST', value: `$(POD_NAME).${headless}.${env.namespace}.svc.cluster.local` },
            { name: 'PRIMARY_HOST', value: redisPrimaryHost(env.namespace) },
            { name: 'PRIMARY_PORT', value: String(REDIS_PORT) },
            ...(sentinel ? sentinelDiscovery(redis, env.namespace) : []),
          ]
        : [];
    const dataPod = (name: string, headless: string) => ({
      env,
      component: 'cache',
      image: redis.image,
      resources: redis.resources,
      identity: redis.securityContext,
      storage: redis.storage,
      dataPath: '/data',
      container: {
        command: ['sh', '-c', replicated ? REDIS_REPLICATION_SCRIPT : REDIS_STANDALONE_SCRIPT, 'redis'],
        args: settings,
        ports: [{ name: 'redis', containerPort: REDIS_PORT, protocol: 'TCP' }],
        env: [
          ...credentials,
          ...(share
            ? [
                { name: 'REDIS_MEMORY_LIMIT', valueFrom: { resourceFieldRef: { containerName: name, resource: 'limits.memory' } } },
                { name: 'MAXMEMORY_PERCENT', value: share[1] },
              ]
            : []),
          ...replication(headless),
        ],
        livenessProbe: { ...ping(REDIS_PORT), periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
        readinessProbe: { ...ping(REDIS_PORT), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        // Loading a large AOF (or a replica's first full sync) answers LOADING instead of PONG; give it time.
        startupProbe: { ...ping(REDIS_PORT), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 60 },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
      volumes: [{ name: 'tmp', emptyDir: {} }],
      sidecars: redis.metrics.enabled ? [redisExporter(redis)] : [],
    });

    const store = new Datastore(this, 'redis', { ...dataPod(names.redis, names.redisHeadless), name: names.redis, replicas: 1, serviceName: names.redisHeadless });
    const service = { port: REDIS_PORT, portName: 'redis' };
    // Only the client Service carries the metrics port: the ServiceMonitor matches both Services,
    // and a port on each would scrape every pod twice.
    const metricsPort = redis.metrics.enabled ? REDIS_EXPORTER_PORT : undefined;
    datastoreService(this, 'service', { ...service, labels: store.labels, selector: store.selector, name: names.redis, headless: false, metricsPort });
    datastoreService(this, 'headless-service', { ...service, labels: store.labels, selector: store.selector, name: names.redisHeadless, headless: true });
    if (redis.metrics.enabled) exporterMonitor(this, env, { name: names.redis, labels: store.labels, selector: store.selector });

    if (!replicated) return;
    const replicas = new Datastore(this, 'replicas', {
      ...dataPod(names.redisRead, names.redisReadHeadless),
      name: names.redisRead,
      replicas: redis.replicas,
      serviceName: names.redisReadHeadless,
      topologySpread: true,
    });
    const read = { ...service, labels: replicas.labels, selector: replicas.selector };
    disruptionBudget(this, 'read-disruption-budget', { name: names.redisRead, labels: replicas.labels, selector: replicas.selector, replicas: redis.replicas });
    datastoreService(this, 'read-service', { ...read, name: names.redisRead, headless: false, metricsPort });
    datastoreService(this, 'read-headless-service', { ...read, name: names.redisReadHeadless, headless: true });
    if (redis.metrics.enabled) exporterMonitor(this, env, { name: names.redisRead, labels: replicas.labels, selector: replicas.selector }, 'read-service-monitor');

    if (sentinel) this.sentinels(redis, credentials);
  }

  private sentinels(redis: RedisConfig, credentials: k8s.EnvVar[]): void {
    const { env } = this;
    const s = redis.sentinel;
    const sentinels = new Datastore(this, 'sentinel', {
      name: names.redisSentinel,
      component: 'cache-sentinel',
      env,
      image: redis.image,
      resources: s.resources,
      identity: redis.securityContext,
      replicas: s.replicas,
      serviceName: names.redisSentinelHeadless,
      // No claim: a Sentinel keeps nothing worth one, a restarted one learns the state from the others.
      container: {
        command: ['sh', '-c', SENTINEL_START_SCRIPT, 'sentinel'],
        ports: [{ name: 'sentinel', containerPort: REDIS_SENTINEL_PORT, protocol: 'TCP' }],
        env: [
          ...credentials,
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'ANNOUNCE_HOST', value: `$(POD_NAME).${names.redisSentinelHeadless}.${env.namespace}.svc.cluster.local` },
          { name: 'SENTINEL_PORT', value: String(REDIS_SENTINEL_PORT) },
          { name: 'SENTINEL_DIR', value: SENTINEL_DIR },
          { name: 'QUORUM', value: String(sentinelQuorum(s)) },
          { name: 'DOWN_AFTER_MS', value: String(s.downAfterSeconds * 1000) },
          { name: 'FAILOVER_TIMEOUT_MS', value: String(s.failoverTimeoutSeconds * 1000) },
          { name: 'PRIMARY_HOST', value: redisPrimaryHost(env.namespace) },
          { name: 'PRIMARY_PORT', value: String(REDIS_PORT) },
          { name: 'REDIS_PORT', value: String(REDIS_PORT) },
          ...sentinelDiscovery(redis, env.namespace),
        ],
        livenessProbe: { ...ping(REDIS_SENTINEL_PORT), periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
        readinessProbe: { ...ping(REDIS_SENTINEL_PORT), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        volumeMounts: [{ name: 'sentinel', mountPath: SENTINEL_DIR }],
      },
      // The configuration holds the password: keep it in memory.
      volumes: [{ name: 'sentinel', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString('1Mi') } }],
      topologySpread: true,
    });
    disruptionBudget(this, 'sentinel-disruption-budget', { name: names.redisSentinel, labels: sentinels.labels, selector: sentinels.selector, replicas: s.replicas, quorum: true });
    const service = { port: REDIS_SENTINEL_PORT, portName: 'sentinel', labels: sentinels.labels, selector: sentinels.selector };
    datastoreService(this, 'sentinel-service', { ...service, name: names.redisSentinel, headless: false });
    datastoreService(this, 'sentinel-headless-service', { ...service, name: names.redisSentinelHeadless, headless: true });
  }
}

/** What every Redis pod needs to find the current primary when Sentinel may have moved it. */
function sentinelDiscovery(redis: RedisConfig, namespace: string): k8s.EnvVar[] {
  return [
    { name: 'SENTINEL_MASTER', value: redis.sentinel.masterName },
    { name: 'SENTINEL_HOSTS', value: redisSentinelHosts(redis, namespace).join(' ') },
    { name: 'DATA_HOSTS', value: redisDataHosts(redis, namespace).join(' ') },
  ];
}
