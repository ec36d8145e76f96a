/** Stable, readable object names: no hash suffixes, so DNS names and GitOps diffs stay clean. */

export const MONGODB_PORT = 27017;
export const REDIS_PORT = 6379;

export const names = {
  mongodb: 'mongodb',
  mongodbInitJob: 'mongodb-rs-init',
  redis: 'redis',
  redisHeadless: 'redis-headless',
  configMap: (workload: string) => `${workload}-config`,
  volumeClaim: (workload: string, volume: string) => `${workload}-${volume}`,
  tlsSecret: (app: string) => `${app}-tls`,
} as const;

/** "/var/cache/nginx" -> "var-cache-nginx": a volume name for a writable path. */
export function volumeNameForPath(path: string): string {
  const slug = path.replace(/^\/+|\/+$/g, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return `writable-${slug || 'root'}`.slice(0, 63).replace(/-+$/, '');
}

/** Pod DNS names of a StatefulSet behind a headless Service. */
export function statefulSetPodHosts(statefulSet: string, headlessService: string, namespace: string, replicas: number): string[] {
  return Array.from({ length: replicas }, (_, i) => `${statefulSet}-${i}.${headlessService}.${namespace}.svc.cluster.local`);
}
