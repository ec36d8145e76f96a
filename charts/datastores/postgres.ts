import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { secretEnv } from '../../config/connections.js';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { names, POSTGRES_PORT, statefulSetPodHosts } from '../../config/names.js';
import { bytesOf } from '../../config/quantity.js';
import { checksum } from '../../core/checksum.js';
import { Datastore, datastoreService } from './datastore.js';
import { disruptionBudget } from '../workloads/disruption-budget.js';
import { EnvironmentChart } from '../environment-chart.js';
import { exporterMonitor, POSTGRES_EXPORTER_PORT, postgresExporter } from '../observability/exporters.js';
import { PG_HBA_CONF, POSTGRES_CONFIG_DIR, POSTGRES_REPLICA_SCRIPT } from './postgres-scripts.js';

/** Where the data claim is mounted; the cluster lives in a subdirectory (the volume's root may hold lost+found). */
const DATA_MOUNT = '/var/lib/postgresql/data';
export const POSTGRES_PGDATA = `${DATA_MOUNT}/pgdata`;
const CONFIG_VOLUME = 'config';

/** The postgres settings the primary and the replicas share, as `-c name=value` arguments. */
function postgresSettings(pg: EnvironmentContext['config']['postgres']): string[] {
  const settings: [string, string][] = [
    ['listen_addresses', '*'],
    ['hba_file', `${POSTGRES_CONFIG_DIR}/pg_hba.conf`],
    ['max_connections', String(pg.maxConnections)],
    // wal_keep_size is in megabytes.
    ['wal_keep_size', `${Math.max(1, Math.floor(bytesOf(pg.walKeepSize) / 1024 ** 2))}MB`],
  ];
  return settings.flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}

/**
 * PostgreSQL from the official image (docker.io/library/postgres), run as its "postgres" user
 * (UID 999) on a read-only root filesystem; it writes only the data claim, its socket directory
 * /var/run/postgresql and /tmp.
 *
 * Replication follows the shape of the Bitnami chart: a primary StatefulSet of one pod and a
 * StatefulSet of read replicas (`postgres.replicas`), each of which copies the primary with
 * pg_basebackup on its first start and then streams its WAL as a hot standby. The `<name>-read`
 * Service selects the replicas only. There is no automatic failover: promoting a replica is a
 * runbook step (docs/datastores.md).
 */
export class PostgresChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'postgres', env, 20);
    const pg = env.config.postgres;
    const version = pg.image.tag;
    const configMap = new k8s.KubeConfigMap(this, 'config', {
      metadata: { name: names.postgres, labels: recommendedLabels(env.labels, { name: names.postgres, component: 'database', version }) },
      data: { 'pg_hba.conf': PG_HBA_CONF },
    });
    const configChecksum = checksum(configMap.toJson().data);
    const credentials = [secretEnv('POSTGRES_USER', pg.auth.existingSecret, pg.auth.usernameKey), secretEnv('POSTGRES_PASSWORD', pg.auth.existingSecret, pg.auth.passwordKey)];
    const isReady = {
      // pg_isready only asks whether the server accepts connections; it sends no password.
      exec: { command: ['sh', '-c', `exec pg_isready --quiet --host=127.0.0.1 --port=${POSTGRES_PORT} --username="$POSTGRES_USER" --dbname=postgres`] },
    };
    const common = {
      env,
      component: 'database',
      image: pg.image,
      resources: pg.resources,
      identity: pg.securityContext,
      storage: pg.storage,
      dataPath: DATA_MOUNT,
      volumes: [
        { name: 'tmp', emptyDir: {} },
        { name: 'run', emptyDir: {} },
        { name: CONFIG_VOLUME, configMap: { name: names.postgres } },
      ],
      sidecars: pg.metrics.enabled ? [postgresExporter(pg)] : [],
      podAnnotations: { 'checksum/config': configChecksum },
    };
    const container = (rest: Pick<k8s.Container, 'command' | 'args' | 'env'>) => ({
      ...rest,
      ports: [{ name: 'postgres', containerPort: POSTGRES_PORT, protocol: 'TCP' }],
      livenessProbe: { ...isReady, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
      readinessProbe: { ...isReady, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
      // Crash recovery, or a replica's first pg_basebackup, can take long; don't let liveness kill it.
      startupProbe: { ...isReady, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 360 },
      volumeMounts: [
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'run', mountPath: '/var/run/postgresql' },
        { name: CONFIG_VOLUME, mountPath: POSTGRES_CONFIG_DIR, readOnly: true },
      ],
    });

    const primary = new Datastore(this, 'primary', {
      ...common,
      name: names.postgres,
      replicas: 1,
      serviceName: names.postgresHeadless,
      container: container({
        // The image's entrypoint initializes $PGDATA on the first start (user, password, database).
        args: ['postgres', ...postgresSettings(pg)],
        env: [...credentials, { name: 'POSTGRES_DB', value: pg.database }, { name: 'PGDATA', value: POSTGRES_PGDATA }],
      }),
    });
    const service = { port: POSTGRES_PORT, portName: 'postgres' };
    // Only the client Services carry the metrics port: the ServiceMonitor matches the headless one
    // too, and a port on both would scrape every pod twice.
    const metricsPort = pg.metrics.enabled ? POSTGRES_EXPORTER_PORT : undefined;
    datastoreService(this, 'service', { ...service, name: names.postgres, labels: primary.labels, selector: primary.selector, headless: false, metricsPort });
    datastoreService(this, 'headless-service', { ...service, name: names.postgresHeadless, labels: primary.labels, selector: primary.selector, headless: true });
    if (pg.metrics.enabled) exporterMonitor(this, env, { name: names.postgres, labels: primary.labels, selector: primary.selector });

    if (pg.replicas === 0) return;
    const [primaryHost] = statefulSetPodHosts(names.postgres, names.postgresHeadless, env.namespace, 1);
    const replicas = new Datastore(this, 'replicas', {
      ...common,
      name: names.postgresRead,
      replicas: pg.replicas,
      serviceName: names.postgresReadHeadless,
      topologySpread: true,
      container: container({
        command: ['bash', '-c', POSTGRES_REPLICA_SCRIPT, 'replica'],
        args: postgresSettings(pg),
        env: [
          credentials[0],
          secretEnv('PGPASSWORD', pg.auth.existingSecret, pg.auth.passwordKey),
          { name: 'PGDATA', value: POSTGRES_PGDATA },
          { name: 'PRIMARY_HOST', value: primaryHost },
          { name: 'PRIMARY_PORT', value: String(POSTGRES_PORT) },
        ],
      }),
    });
    disruptionBudget(this, 'read-disruption-budget', { name: names.postgresRead, labels: replicas.labels, selector: replicas.selector, replicas: pg.replicas });
    datastoreService(this, 'read-service', { ...service, name: names.postgresRead, labels: replicas.labels, selector: replicas.selector, headless: false, metricsPort });
    datastoreService(this, 'read-headless-service', {
      ...service,
      name: names.postgresReadHeadless,
      labels: replicas.labels,
      selector: replicas.selector,
      headless: true,
    });
    if (pg.metrics.enabled) exporterMonitor(this, env, { name: names.postgresRead, labels: replicas.labels, selector: replicas.selector }, 'read-service-monitor');
  }
}
