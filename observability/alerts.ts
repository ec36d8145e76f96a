/**
 * The alert rules of one environment as plain data (what promtool and the PrometheusRule CRD
 * read): the KPIs of every web service that exposes metrics, the health of the namespace's pods,
 * autoscalers and volumes, and the datastore exporters. `{{ $labels.x }}` and `{{ $value }}` are
 * Prometheus alert templating, rendered by Prometheus when the alert fires.
 */
import type { Config } from '../config/schema.js';
import { names } from '../config/names.js';
import { backedUpStores, backupMaxAgeSeconds } from '../config/backup.js';
import { errorRatio, latencyQuantile, selector, serviceUp, type HttpScope } from './promql.js';

/** A Prometheus alerting rule as promtool and the PrometheusRule CRD spell it. */
export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The runbook of an alert: the configured base URL plus #<alert name in lowercase>. */
export function runbookUrl(baseUrl: string, alert: string): string {
  return `${baseUrl}#${alert.toLowerCase()}`;
}

export interface RuleGroup {
  readonly name: string;
  readonly rules: AlertRule[];
}

export type Severity = 'critical' | 'warning';

/** The web services whose requests are measured: enabled, with metrics. */
export function measuredServices(config: Config, namespace: string): HttpScope[] {
  return Object.entries(config.services)
    .filter(([, s]) => s.enabled && s.metrics.enabled)
    .map(([service, s]) => ({ namespace, service, metrics: s.canary.analysis }));
}

export const percent = (share: number) => `${+(share * 100).toFixed(4)}%`;

export type Alerts = Config['monitoring']['alerts'];

/** An alert of `namespace`, with its severity and namespace labels and its runbook. */
export const alertOf =
  (a: Alerts, namespace: string) =>
  (name: string, severity: Severity, expr: string, holdFor: string, labels: Record<string, string>, summary: string, description: string): AlertRule => ({
    alert: name,
    expr,
    for: holdFor,
    labels: { severity, namespace, ...labels },
    annotations: { summary, description, runbook_url: runbookUrl(a.runbookBaseUrl, name) },
  });

/**
 * Every alert group of an environment: one per measured web service (webServiceAlertGroup), then
 * those of the namespace (namespaceAlertGroups).
 */
export function environmentAlertGroups(config: Config, namespace: string): RuleGroup[] {
  return [...measuredServices(config, namespace).map((s) => webServiceAlertGroup(config, s)), ...namespaceAlertGroups(config, namespace)];
}

/**
 * The KPI alerts of one web service, `<namespace>.web-services.<service>`: a group (and a
 * PrometheusRule) per service, so that no object grows with the number of services.
 */
export function webServiceAlertGroup(config: Config, s: HttpScope): RuleGroup {
  const a = config.monitoring.alerts;
  const alert = alertOf(a, s.namespace);
  const namespace = s.namespace;
  const rules = [
    alert(
      'WebServiceHighErrorRate',
      'critical',
      `(${errorRatio(s, a.errorRate.window)}) > ${a.errorRate.max}`,
      a.errorRate.for,
      { service: s.service },
      `${s.service} fails {{ $value | humanizePercentage }} of requests`,
      `${s.service} in ${namespace} answered {{ $value | humanizePercentage }} of requests with 5xx over the last ${a.errorRate.window}; the objective is below ${percent(a.errorRate.max)}.`,
    ),
    alert(
      'WebServiceHighLatency',
      'warning',
      `(${latencyQuantile(0.95, s, a.latency.window)}) > ${a.latency.p95Seconds}`,
      a.latency.for,
      { service: s.service },
      `${s.service} p95 latency is {{ $value | humanizeDuration }}`,
      `95% of requests to ${s.service} in ${namespace} took up to {{ $value | humanizeDuration }} over the last ${a.latency.window}; the objective is ${a.latency.p95Seconds * 1000} ms.`,
    ),
    alert(
      'WebServiceDown',
      'critical',
      `absent(${serviceUp(s)})`,
      a.serviceDown.for,
      { service: s.service },
      `${s.service} has no running target`,
      `Prometheus has not scraped any pod of ${s.service} in ${namespace} successfully for ${a.serviceDown.for}: the service is down, or its ServiceMonitor is not selected.`,
    ),
  ];
  return { name: `${namespace}.web-services.${s.service}`, rules };
}

/** The alerts of the namespace as a whole: its pods, autoscalers and volumes, and the datastore exporters. */
export function namespaceAlertGroups(config: Config, namespace: string): RuleGroup[] {
  const a = config.monitoring.alerts;
  const alert = alertOf(a, namespace);
  const ns = selector([['namespace', '=', namespace]]);

  const workloads = [
    alert(
      'PodCrashLooping',
      'warning',
      `increase(kube_pod_container_status_restarts_total${ns}[${a.crashLooping.window}]) > ${a.crashLooping.restarts}`,
      a.crashLooping.for,
      {},
      'Pod {{ $labels.pod }} is crash-looping',
      `Container {{ $labels.container }} of {{ $labels.namespace }}/{{ $labels.pod }} restarted {{ $value | humanize }} times in the last ${a.crashLooping.window}.`,
    ),
    alert(
      'PodNotReady',
      'warning',
      // Pending/Unknown pods may have no Ready condition at all; completed Job pods are not ready by design.
      `sum by (namespace, pod) (kube_pod_status_phase{namespace="${namespace}",phase=~"Pending|Unknown"}) > 0` +
        ` or (sum by (namespace, pod) (kube_pod_status_ready{namespace="${namespace}",condition="false"}) > 0` +
        ` unless on (namespace, pod) kube_pod_status_phase{namespace="${namespace}",phase="Succeeded"} == 1)`,
      a.podNotReady.for,
      {},
      'Pod {{ $labels.pod }} is not ready',
      `{{ $labels.namespace }}/{{ $labels.pod }} has not been ready for more than ${a.podNotReady.for}.`,
    ),
    alert(
      'HpaMaxedOut',
      'warning',
      `kube_horizontalpodautoscaler_status_current_replicas${ns} >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas${ns}`,
      a.hpaMaxedOut.for,
      {},
      'HPA {{ $labels.horizontalpodautoscaler }} is at its maximum',
      `{{ $labels.horizontalpodautoscaler }} in {{ $labels.namespace }} has run at its maximum of {{ $value }} replicas for ${a.hpaMaxedOut.for}: it cannot absorb more load.`,
    ),
    alert(
      'PersistentVolumeFillingUp',
      'warning',
      `kubelet_volume_stats_used_bytes${ns} / kubelet_volume_stats_capacity_bytes${ns} > ${a.volumeUsage.max}`,
      a.volumeUsage.for,
      {},
      'Volume {{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full',
      `PersistentVolumeClaim {{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full (alert above ${percent(a.volumeUsage.max)}).`,
    ),
  ];

  const pg = config.postgres;
  const exporters = (
    [
      ['MongoDB', names.mongodb, [names.mongodb], 'mongodb_up', config.mongodb.enabled && config.mongodb.metrics.enabled],
      ['Redis', names.redis, config.redis.replicas > 0 ? [names.redis, names.redisRead] : [names.redis], 'redis_up', config.redis.enabled && config.redis.metrics.enabled],
      ['Postgres', names.postgres, pg.replicas > 0 ? [names.postgres, names.postgresRead] : [names.postgres], 'pg_up', pg.enabled && pg.metrics.enabled],
    ] as const
  )
    .filter(([, , , , enabled]) => enabled)
    .flatMap(([product, service, services, upMetric]) => {
      const scrape = selector([
        ['namespace', '=', namespace],
        services.length > 1 ? ['service', '=~', services.join('|')] : ['service', '=', service],
        ['endpoint', '=', 'metrics'],
      ]);
      return [
        alert(
          `${product}ExporterDown`,
          'warning',
          `up${scrape} == 0`,
          a.exporterDown.for,
          { service },
          `${product} exporter in {{ $labels.pod }} cannot be scraped`,
          `Prometheus cannot scrape the ${product} exporter of {{ $labels.namespace }}/{{ $labels.pod }}: ${product} metrics and alerts are blind.`,
        ),
        alert(
          `${product}Down`,
          'critical',
          `${upMetric}${ns} == 0`,
          a.exporterDown.for,
          { service },
          `${product} in {{ $labels.pod }} is down`,
          `The ${product} exporter of {{ $labels.namespace }}/{{ $labels.pod }} cannot reach ${product}.`,
        ),
      ];
    });

  const postgres =
    pg.enabled && pg.metrics.enabled
      ? [
          alert(
            'PostgresTooManyConnections',
            'warning',
            `sum by (namespace, pod) (pg_stat_activity_count${ns}) / on (namespace, pod) max by (namespace, pod) (pg_settings_max_connections${ns}) > ${a.postgresConnections.max}`,
            a.postgresConnections.for,
            { service: names.postgres },
            'PostgreSQL in {{ $labels.pod }} uses {{ $value | humanizePercentage }} of its connections',
            `{{ $labels.namespace }}/{{ $labels.pod }} has used more than ${percent(a.postgresConnections.max)} of max_connections for ${a.postgresConnections.for}: new clients will soon be refused.`,
          ),
          ...(pg.replicas > 0
            ? [
                alert(
                  'PostgresReplicationLag',
                  'warning',
                  `pg_replication_lag_seconds${selector([
                    ['namespace', '=', namespace],
                    ['service', '=', names.postgresRead],
                  ])} > ${a.postgresReplicationLag.maxSeconds}`,
                  a.postgresReplicationLag.for,
                  { service: names.postgresRead },
                  'Replica {{ $labels.pod }} is {{ $value | humanizeDuration }} behind the primary',
                  `The read replica {{ $labels.namespace }}/{{ $labels.pod }} has replayed no WAL for {{ $value | humanizeDuration }} although the primary wrote more: reads from ${names.postgresRead} are stale.`,
                ),
              ]
            : []),
        ]
      : [];

  const backups = backedUpStores(config);
  const maxAge = backups.length > 0 ? backupMaxAgeSeconds(config.backup) : 0;
  const cronJobs = selector([
    ['namespace', '=', namespace],
    backups.length > 1 ? ['cronjob', '=~', backups.map(names.backup).join('|')] : ['cronjob', '=', names.backup(backups[0] ?? '')],
  ]);
  const backup =
    backups.length > 0
      ? [
          alert(
            'BackupTooOld',
            'critical',
            // The last success is too old, or a CronJob older than that never succeeded (kube-state-metrics).
            `time() - max by (namespace, cronjob) (kube_cronjob_status_last_successful_time${cronJobs}) > ${maxAge}\nor\n` +
              `(time() - max by (namespace, cronjob) (kube_cronjob_created${cronJobs}) > ${maxAge}) unless on (namespace, cronjob) kube_cronjob_status_last_successful_time${cronJobs}`,
            '5m',
            {},
            'No successful backup by {{ $labels.cronjob }} for {{ $value | humanizeDuration }}',
            `The CronJob {{ $labels.namespace }}/{{ $labels.cronjob }} has not completed a backup for {{ $value | humanizeDuration }}, longer than its schedule (${config.backup.schedule}) and deadlines allow (${maxAge} s): the recovery point is falling behind.`,
          ),
        ]
      : [];

  return [
    { name: `${namespace}.workloads`, rules: workloads },
    { name: `${namespace}.datastores`, rules: [...exporters, ...postgres, ...backup] },
  ].filter((group) => group.rules.length > 0);
}
