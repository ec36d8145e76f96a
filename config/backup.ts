/**
 * Which datastores an environment backs up, and what each backup connects to: facts the backup
 * chart, its NetworkPolicies and its alert share.
 */
import type { k8s } from 'cdk8s-plus-27';
import { secretEnv } from './connections.js';
import { serviceHost } from './context.js';
import { MONGODB_PORT, names, POSTGRES_PORT, REDIS_PORT, statefulSetPodHosts } from './names.js';
import type { Config, ImageConfig } from './schema.js';
import { longestGapMinutes } from './cron.js';
import { redisEndpoints, redisSentinelHosts } from './redis.js';

const BACKUP_STORES = ['mongodb', 'postgres', 'redis'] as const;
export type BackupStore = (typeof BACKUP_STORES)[number];

/** The datastores backed up: every enabled one, when backups are on. */
export function backedUpStores(config: Config): BackupStore[] {
  return config.backup.enabled ? BACKUP_STORES.filter((store) => config[store].enabled) : [];
}

export interface BackupTarget {
  readonly store: BackupStore;
  /** The CronJob, its claim and its pods' app name: `<store>-backup`. */
  readonly name: string;
  /** Backup files are `<prefix>-<UTC time>.<extension>`. */
  readonly prefix: string;
  readonly extension: string;
  /** The datastore's own image: it has the dump and restore tools. */
  readonly image: ImageConfig;
  readonly identity: Config['mongodb']['securityContext'];
  /** The datastore's ServiceAccount (no token). */
  readonly serviceAccount: string;
  /** What the backup and the restore connect to: the datastore's pods (app names) and ports. */
  readonly reaches: readonly { readonly name: string; readonly port: number }[];
  /** Connection variables of the backup, credentials from the datastore's Secret. */
  readonly env: k8s.EnvVar[];
  /** Those of the restore, which writes to the primary. */
  readonly restoreEnv: k8s.EnvVar[];
}

export function backupTargets(config: Config, namespace: string): BackupTarget[] {
  return backedUpStores(config).map((store): BackupTarget => {
    const common = { store, name: names.backup(store), image: config[store].image, identity: config[store].securityContext, serviceAccount: names[store] };
    if (store === 'postgres') {
      const pg = config.postgres;
      const pgEnv = [
        { name: 'PGHOST', value: serviceHost(names.postgres, namespace) },
        { name: 'PGPORT', value: String(POSTGRES_PORT) },
        { name: 'PGDATABASE', value: pg.database },
        secretEnv('PGUSER', pg.auth.existingSecret, pg.auth.usernameKey),
        secretEnv('PGPASSWORD', pg.auth.existingSecret, pg.auth.passwordKey),
      ];
      return {
        ...common,
        prefix: pg.database,
        extension: 'dump',
        reaches: [{ name: names.postgres, port: POSTGRES_PORT }],
        env: pgEnv,
        restoreEnv: pgEnv,
      };
    }
    if (store === 'redis') {
      const redis = config.redis;
      // A replica serves the snapshot when there is one: the primary keeps its memory for writes.
      const from = redis.replicas > 0 ? names.redisRead : names.redis;
      const port = [{ name: 'REDIS_PORT', value: String(REDIS_PORT) }];
      const auth = secretEnv('REDISCLI_AUTH', redis.auth.existingSecret, redis.auth.passwordKey);
      return {
        ...common,
        prefix: 'redis',
        extension: 'rdb',
        // The restore writes to the primary, which after a Sentinel failover may be any data pod.
        reaches: redisEndpoints(config),
        env: [{ name: 'REDIS_HOST', value: serviceHost(from, namespace) }, ...port, auth],
        restoreEnv: [
          { name: 'REDIS_HOST', value: serviceHost(names.redis, namespace) },
          ...port,
          auth,
          secretEnv('REDIS_PASSWORD', redis.auth.existingSecret, redis.auth.passwordKey),
          ...(redis.replicas > 0 && redis.sentinel.enabled
            ? [
                { name: 'SENTINEL_HOSTS', value: redisSentinelHosts(redis, namespace).join(' ') },
                { name: 'SENTINEL_MASTER', value: redis.sentinel.masterName },
              ]
            : []),
        ],
      };
    }
    const mongo = config.mongodb;
    const rs = mongo.replicaSet;
    const hosts = statefulSetPodHosts(names.mongodb, names.mongodb, namespace, rs.enabled ? rs.members : 1).map((h) => `${h}:${MONGODB_PORT}`);
    // Every database (no database in the path: --oplog needs a full dump), from a secondary when there is one.
    const query = rs.enabled ? `authSource=admin&replicaSet=${rs.name}&readPreference=secondaryPreferred` : 'authSource=admin';
    const mongoEnv = [
      secretEnv('MONGODB_USERNAME', mongo.auth.existingSecret, mongo.auth.usernameKey),
      secretEnv('MONGODB_PASSWORD', mongo.auth.existingSecret, mongo.auth.passwordKey),
      { name: 'MONGODB_URI', value: `mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@${hosts.join(',')}/?${query}` },
      { name: 'MONGODB_OPLOG', value: String(rs.enabled) },
    ];
    return {
      ...common,
      prefix: 'mongodb',
      extension: 'archive.gz',
      reaches: [{ name: names.mongodb, port: MONGODB_PORT }],
      env: mongoEnv,
      restoreEnv: mongoEnv,
    };
  });
}

/**
 * How old the last successful backup may get before the RPO alert fires, in seconds: the longest
 * wait between two runs of the schedule, plus the time a run may wait to start and take.
 */
export function backupMaxAgeSeconds(backup: Config['backup']): number {
  return longestGapMinutes(backup.schedule) * 60 + backup.startingDeadlineSeconds + backup.activeDeadlineSeconds;
}
