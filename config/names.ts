/** Stable, readable object names: no hash suffixes, so DNS names and GitOps diffs stay clean. */

export const MONGODB_PORT = 27017;
export const REDIS_PORT = 6379;
export const REDIS_SENTINEL_PORT = 26379;
export const POSTGRES_PORT = 5432;

/** The two colours of a blue-green service (delivery/blue-green.ts switches between them). */
export const COLOURS = ['blue', 'green'] as const;
export type Colour = (typeof COLOURS)[number];
/** What a blue-green service's idle colour runs: a version staged by start, the one before the last switch, or one rolled back. */
export const IDLE_STATES = ['staged', 'previous', 'rolledBack'] as const;
export type IdleState = (typeof IDLE_STATES)[number];

/** The extra Deployments of a web service being released: `<service>-canary`, `<service>-blue`, `<service>-green`. */
export const RELEASE_TRACKS = ['canary', ...COLOURS] as const;
export type ReleaseTrack = (typeof RELEASE_TRACKS)[number];

/** The pod volume of a workload's `files` (its <name>-files ConfigMap). */
export const FILES_VOLUME = 'config-files';

/** volumeClaimTemplate of every datastore StatefulSet (MongoDB, Redis, Loki). */
export const DATA_VOLUME = 'data';

export const names = {
  mongodb: 'mongodb',
  mongodbInitJob: 'mongodb-rs-init',
  redis: 'redis',
  redisHeadless: 'redis-headless',
  /** The Redis replicas (redis.replicas): StatefulSet and the client Service that selects replicas only. */
  redisRead: 'redis-read',
  redisReadHeadless: 'redis-read-headless',
  /** The Redis Sentinels (redis.sentinel): StatefulSet and client Service; the headless one names each. */
  redisSentinel: 'redis-sentinel',
  redisSentinelHeadless: 'redis-sentinel-headless',
  /** The PostgreSQL primary: StatefulSet and client Service. */
  postgres: 'postgres',
  postgresHeadless: 'postgres-headless',
  /** The read replicas: StatefulSet and the client Service that selects replicas only. */
  postgresRead: 'postgres-read',
  postgresReadHeadless: 'postgres-read-headless',
  /** Loki's StatefulSet and client Service in the logging namespace. */
  loki: 'loki',
  /** The headless Service that names the metrics port of a log shipper's pods (its DaemonSet is named after the shipper). */
  logShipperMetrics: (shipper: string) => `${shipper}-metrics`,
  /** The backup of a datastore: CronJob, its claim and its pods' app name. */
  backup: (store: string) => `${store}-backup`,
  /** The Job that mounts the backup claim once, so it binds at sync time (charts/datastores/backup.ts). */
  backupVolumeJob: (store: string) => `${store}-backup-volume`,
  /** The restore Job of a datastore (dist/<env>/restore/, applied by hand). */
  restoreJob: (store: string) => `${store}-restore`,
  configMap: (workload: string) => `${workload}-config`,
  /** The ConfigMap of a workload's `files`. */
  filesConfigMap: (workload: string) => `${workload}-files`,
  /** The headless Service that gives a StatefulSet workload's pods their DNS names. */
  headless: (workload: string) => `${workload}-headless`,
  volumeClaim: (workload: string, volume: string) => `${workload}-${volume}`,
  tlsSecret: (app: string) => `${app}-tls`,
  /** The environment's PrometheusRule (each measured web service has its own, named after it). */
  environmentAlerts: (app: string) => `${app}-alerts`,
  /** The certificate Secret of a further host (ingress.hosts.<key>). */
  hostTlsSecret: (app: string, host: string) => `${app}-${host}-tls`,
  /** The Ingress of a further host's plain routes (config/routes.ts ingressObjects). */
  hostIngress: (app: string, host: string) => `${app}-${host}`,
  /** The Ingress of a service's own settings on one of its `extraHosts` (on its first host it is named like the service). */
  serviceHostIngress: (service: string, host: string) => `${service}-${host}`,
  /** The AnalysisTemplate a blue-green Rollout runs after the switch (its pre-promotion one is named like the service). */
  postPromotionAnalysis: (service: string) => `${service}-post-promotion`,
  /** A release track's Deployment; for the canary also its Service, Ingress and PrometheusRule. */
  track: (service: string, track: ReleaseTrack) => `${service}-${track}`,
  /**
   * The claim the StatefulSet controller creates for one pod from a volumeClaimTemplate
   * (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage).
   */
  statefulSetClaim: (template: string, statefulSet: string, ordinal: number) => `${template}-${statefulSet}-${ordinal}`,
} as const;

/** The settings the web-service chart adds to a service's ConfigMap besides its env: the port to listen on. */
export function webServiceSettings(service: { readonly port: number }): Record<string, string> {
  return { PORT: String(service.port) };
}

/** "/var/cache/nginx" -> "var-cache-nginx": a volume name for a writable path. */
export function volumeNameForPath(path: string): string {
  const slug = path
    .replace(/^\/+|\/+$/g, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase();
  return `writable-${slug || 'root'}`.slice(0, 63).replace(/-+$/, '');
}

/** Pod DNS names of a StatefulSet behind a headless Service. */
export function statefulSetPodHosts(statefulSet: string, headlessService: string, namespace: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `${statefulSet}-${i}.${headlessService}.${namespace}.svc.cluster.local`);
}
