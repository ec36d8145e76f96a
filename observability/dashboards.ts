/**
 * The Grafana dashboards of one environment: application overview (the KPIs and saturation of
 * the web services), one canary vs stable dashboard per measured web service (per track), and
 * infrastructure (namespace resources, volumes, MongoDB, Redis). Every query uses the PromQL of
 * ./promql.ts, so the dashboards show exactly what the alerts evaluate.
 *
 * No dashboard grows with the number of services, so each ConfigMap stays far below the API
 * server's limits (core/validate/limits.ts) at any scale: the overview has one query per panel for
 * all services (per service by `sum by (service)`, one more only for services whose metrics are
 * named differently), and the canary dashboards are one per service, as the Grafana sidecar
 * (kube-prometheus-stack) loads any number of labelled ConfigMaps, one file each, and each
 * service's rollback thresholds and metric names are its own (a `$service` variable could not
 * carry them). Every dashboard links to the others of its environment (by its tags).
 */
import { createHash } from 'node:crypto';
import type { EnvironmentContext } from '../config/context.js';
import {
  buildDashboard,
  exploreTracesUrl,
  grafanaVar,
  logs,
  row,
  stat,
  timeseries,
  type DashboardModel,
  type DataLink,
  type DatasourceRef,
  type PanelSpec,
  type Query,
  type QueryVariable,
} from './grafana.js';
import { lokiDatasourceUid, POD_LOG_LABELS } from './logging.js';
import { measuredServices } from './alerts.js';
import {
  errorRatio,
  latencyQuantile,
  podsOf,
  requestRate,
  selector,
  servicesErrorRatio,
  servicesLatencyQuantile,
  servicesRequestRate,
  sumBy,
  type HttpMetrics,
  type HttpScope,
  type Matcher,
  type ServicesScope,
} from './promql.js';
import { names } from '../config/names.js';
import { serviceDelivery } from '../config/delivery.js';

const W = '$__rate_interval';

export interface EnvironmentDashboard {
  /** Short name, e.g. "overview" or "canary-backend": part of the ConfigMap name and of the uid. */
  readonly slug: string;
  readonly model: DashboardModel;
}

const MAX_UID = 40;

/** `<instance>-<slug>`, or when that is longer than Grafana's 40 characters, its start and a digest of it (unique either way). */
export function dashboardUid(instance: string, slug: string): string {
  const uid = `${instance}-${slug}`;
  return uid.length <= MAX_UID ? uid : `${uid.slice(0, MAX_UID - 9)}-${createHash('sha256').update(uid).digest('hex').slice(0, 8)}`;
}

export function environmentDashboards(env: EnvironmentContext): EnvironmentDashboard[] {
  const tags = [env.config.app.name, env.name, 'cdk8s-platform'];
  const spec = (slug: string, title: string, description: string, panels: PanelSpec[], variables: QueryVariable[] = []): EnvironmentDashboard => ({
    slug,
    model: buildDashboard({
      uid: dashboardUid(env.labels.instance, slug),
      title: `${title} (${env.labels.instance})`,
      description,
      tags,
      links: tags.slice(0, 2),
      panels,
      variables,
    }),
  });
  const podLogs = env.config.logs.enabled ? logPanels(env) : undefined;
  const dashboards = [
    spec(
      'overview',
      'Application overview',
      `Requests, errors, latency and saturation of the web services${podLogs ? ', and their logs' : ''}.`,
      [...applicationOverview(env), ...(podLogs?.panels ?? [])],
      podLogs?.variables,
    ),
    // One per web service that exposes metrics: without one there is no canary to compare.
    ...measuredServices(env.config, env.namespace).map((s) =>
      spec(`canary-${s.service}`, `Canary vs stable: ${s.service}`, `The canary track of ${s.service} against its stable track.`, canaryVsStable(env, s)),
    ),
    spec('infrastructure', 'Infrastructure', 'Namespace resources, volumes and datastores.', infrastructure(env)),
  ];
  return dashboards.filter((d) => d.model.panels.length > 0);
}

/**
 * The measured services grouped by their metric names and status label: one query per group
 * serves all of its services. A group names its services only when another group counts
 * requests in the same metric (its series must not be counted twice).
 */
function metricGroups(namespace: string, services: readonly HttpScope[]): ServicesScope[] {
  const groups = new Map<string, { metrics: HttpMetrics; services: string[] }>();
  for (const s of services) {
    const { requestsMetric, durationMetric, statusLabel } = s.metrics;
    const key = JSON.stringify([requestsMetric, durationMetric, statusLabel]);
    const group = groups.get(key) ?? { metrics: { requestsMetric, durationMetric, statusLabel }, services: [] };
    group.services.push(s.service);
    groups.set(key, group);
  }
  const all = [...groups.values()];
  const shared = (g: { metrics: HttpMetrics }) =>
    all.some((other) => other !== g && (other.metrics.requestsMetric === g.metrics.requestsMetric || other.metrics.durationMetric === g.metrics.durationMetric));
  return all.map((g) => ({ namespace, metrics: g.metrics, ...(shared(g) && { services: g.services }) }));
}

/** One query per group of services, each series labelled with its service (and `legend`'s suffix). */
const perService = (groups: readonly ServicesScope[], expr: (s: ServicesScope) => string): Query[] => groups.map((g) => ({ expr: expr(g), legend: '{{service}}' }));

/**
 * Links from a panel's series to their traces in Tempo, when the environment exports traces and
 * names a Tempo datasource: TraceQL on the resource attributes config/traces.ts sets
 * (service.name, deployment.environment.name, track). `filters` are further conditions, e.g. on
 * `${__field.labels.service}`.
 */
function traceLinks(env: EnvironmentContext, title: string, filters: readonly string[]): DataLink[] | undefined {
  const { traces } = env.config;
  if (!traces.enabled || !traces.tempoDatasourceUid) return undefined;
  const query = `{${[`resource.deployment.environment.name=${JSON.stringify(env.name)}`, ...filters].join(' && ')}}`;
  return [{ title, url: exploreTracesUrl(traces.tempoDatasourceUid, query) }];
}

function applicationOverview(env: EnvironmentContext): PanelSpec[] {
  const { namespace, config } = env;
  const services = metricGroups(namespace, measuredServices(config, namespace));
  const alerts = config.monitoring.alerts;
  const service = grafanaVar('__field.labels.service');
  const serviceTraces = traceLinks(env, `Traces of ${service}`, [`resource.service.name="${service}"`]);
  const failedTraces = traceLinks(env, `Failed traces of ${service}`, [`resource.service.name="${service}"`, 'status=error']);
  const slowTraces = traceLinks(env, `Slowest traces of ${service}`, [`resource.service.name="${service}"`, `duration>${alerts.latency.p95Seconds * 1000}ms`]);
  // The containers of the workloads' pods, however many workloads there are: Deployments own
  // their pods through ReplicaSets; the datastores are StatefulSets, the replica-set init a Job.
  const containers: Matcher[] = [
    ['namespace', '=', namespace],
    ['container', '!=', ''],
    ['container', '!=', 'POD'],
  ];
  const ofWorkloads = (expr: string) =>
    `${expr} * on (namespace, pod) group_left () max by (namespace, pod) (kube_pod_owner${selector([
      ['namespace', '=', namespace],
      ['owner_kind', '=', 'ReplicaSet'],
    ])})`;
  const cpu = sumBy(['pod'], ofWorkloads(`rate(container_cpu_usage_seconds_total${selector(containers)}[${W}])`));
  const memory = sumBy(['pod'], ofWorkloads(`container_memory_working_set_bytes${selector(containers)}`));
  const limit = (resource: string) => sumBy(['pod'], ofWorkloads(`kube_pod_container_resource_limits${selector([...containers, ['resource', '=', resource]])}`));

  const kpis: PanelSpec[] = services.length
    ? [
        row('Traffic and errors'),
        timeseries(
          'Request rate',
          perService(services, (s) => servicesRequestRate(s, W)),
          { unit: 'reqps', min: 0, links: serviceTraces },
        ),
        timeseries(
          'Error rate (5xx)',
          perService(services, (s) => servicesErrorRatio(s, W)),
          {
            unit: 'percentunit',
            min: 0,
            description: `Share of requests answered 5xx; the objective is below ${alerts.errorRate.max * 100}%.`,
            thresholds: [{ value: alerts.errorRate.max, color: 'red' }],
            links: failedTraces,
          },
        ),
        stat(
          'Availability over the time range',
          perService(services, (s) => `1 - (${servicesErrorRatio(s, '$__range')})`),
          {
            unit: 'percentunit',
            baseColor: 'red',
            thresholds: [{ value: 1 - alerts.errorRate.max, color: 'green' }],
          },
        ),
        timeseries(
          'Responses by status',
          services.map((s) => ({ expr: servicesRequestRate(s, W, [s.metrics.statusLabel]), legend: `{{service}} {{${s.metrics.statusLabel}}}` })),
          {
            unit: 'reqps',
            min: 0,
            width: 24,
            stacked: true,
          },
        ),
        row('Latency'),
        timeseries(
          'p50 latency',
          perService(services, (s) => servicesLatencyQuantile(0.5, s, W)),
          { unit: 's', min: 0 },
        ),
        timeseries(
          'p95 latency',
          perService(services, (s) => servicesLatencyQuantile(0.95, s, W)),
          {
            unit: 's',
            min: 0,
            description: `The objective is below ${alerts.latency.p95Seconds * 1000} ms.`,
            thresholds: [{ value: alerts.latency.p95Seconds, color: 'red' }],
            links: slowTraces,
          },
        ),
        timeseries(
          'p99 latency',
          perService(services, (s) => servicesLatencyQuantile(0.99, s, W)),
          { unit: 's', min: 0 },
        ),
      ]
    : [];

  return [
    ...kpis,
    row('Saturation'),
    timeseries('CPU by pod (cores)', [{ expr: cpu, legend: '{{pod}}' }], { unit: 'short', min: 0, width: 12 }),
    usedOfLimit('CPU used of limit', `${cpu} / ${limit('cpu')}`, 'Near 100% the container is throttled.'),
    timeseries('Memory by pod', [{ expr: memory, legend: '{{pod}}' }], { unit: 'bytes', min: 0, width: 12 }),
    usedOfLimit('Memory used of limit', `${memory} / ${limit('memory')}`, 'At 100% the container is OOM-killed.'),
    row('Pods'),
    timeseries(
      'Container restarts (1h)',
      [{ expr: sumBy(['pod'], ofWorkloads(`increase(kube_pod_container_status_restarts_total${selector(containers)}[1h])`)), legend: '{{pod}}' }],
      {
        unit: 'short',
        min: 0,
        width: 12,
      },
    ),
    timeseries(
      'Available replicas',
      [
        { expr: sumBy(['deployment'], `kube_deployment_status_replicas_available${selector([['namespace', '=', namespace]])}`), legend: '{{deployment}}' },
        ...rolloutReplicas(env),
        {
          expr: sumBy(['horizontalpodautoscaler'], `kube_horizontalpodautoscaler_spec_max_replicas${selector([['namespace', '=', namespace]])}`),
          legend: '{{horizontalpodautoscaler}} HPA max',
        },
      ],
      { unit: 'short', min: 0, width: 12 },
    ),
  ];
}

/**
 * The ready replicas of the services released by Argo Rollouts (delivery.engine), which have no
 * Deployment for kube_deployment_* to count: per Rollout, the ready replicas of the ReplicaSets it
 * owns (stable and canary, or active and preview), from kube-state-metrics' ReplicaSet metrics,
 * which it exports by default like the Deployment ones. (The controller's own
 * rollout_info_replicas_available would need its metrics scraped too, and its `namespace` label
 * becomes `exported_namespace` under a scrape that does not honour labels.) Ready equals available:
 * the Rollouts set no minReadySeconds.
 */
function rolloutReplicas(env: EnvironmentContext): Query[] {
  const { config, namespace } = env;
  if (!Object.values(config.services).some((s) => s.enabled && serviceDelivery(config, s).engine === 'argo-rollouts')) return [];
  const owned = `kube_replicaset_status_ready_replicas${selector([['namespace', '=', namespace]])} * on (namespace, replicaset) group_left (owner_name) kube_replicaset_owner${selector(
    [
      ['namespace', '=', namespace],
      ['owner_kind', '=', 'Rollout'],
    ],
  )}`;
  return [{ expr: sumBy(['rollout'], `label_replace(${owned}, "rollout", "$1", "owner_name", "(.+)")`), legend: '{{rollout}} (Rollout)' }];
}

/**
 * The logs of the environment's pods in its Loki, filtered by the `service` and `track`
 * variables (the stream labels `app` and `track` every shipper sets, observability/logging.ts),
 * whose values Loki lists (label_values): line rates per service and track, error lines, and
 * the lines themselves.
 */
function logPanels(env: EnvironmentContext): { panels: PanelSpec[]; variables: QueryVariable[] } {
  const loki: DatasourceRef = { type: 'loki', uid: lokiDatasourceUid(env.labels.instance) };
  const namespace = `namespace=${JSON.stringify(env.namespace)}`;
  const { app, track } = POD_LOG_LABELS;
  const streams = `{${namespace}, ${app}=~"$service", ${track}=~"$track"}`;
  const variables: QueryVariable[] = [
    { name: 'service', label: 'Service', datasource: loki, query: `label_values({${namespace}}, ${app})`, allValue: '.+' },
    // Pods without a track (datastores, jobs) have no track label: "All" matches them too.
    { name: 'track', label: 'Track', datasource: loki, query: `label_values({${namespace}}, ${track})`, allValue: '.*' },
  ];
  const panels: PanelSpec[] = [
    row('Logs'),
    timeseries('Log lines by service and track', [{ expr: `sum by (${app}, ${track}) (count_over_time(${streams} [$__interval]))`, legend: `{{${app}}} {{${track}}}` }], {
      unit: 'short',
      min: 0,
      width: 12,
      stacked: true,
      datasource: loki,
    }),
    timeseries('Error lines', [{ expr: `sum by (${app}) (count_over_time(${streams} |~ "(?i)error|fatal|panic" [$__interval]))`, legend: `{{${app}}}` }], {
      unit: 'short',
      min: 0,
      width: 12,
      description: 'Lines that contain error, fatal or panic (any case).',
      datasource: loki,
    }),
    logs('Logs', [{ expr: streams }], { datasource: loki, width: 24, height: 12, description: 'Newest first; filter with the Service and Track variables above.' }),
  ];
  return { panels, variables };
}

function canaryVsStable(env: EnvironmentContext, s: HttpScope): PanelSpec[] {
  const { namespace, config } = env;
  const a = config.services[s.service].canary.analysis;
  const track = (t: 'stable' | 'canary') => ({ ...s, track: t });
  const byTrack = (expr: string): Query[] => [{ expr, legend: '{{track}}' }];
  const perTrack = (expr: (deployment: string) => string): Query[] => [
    { expr: expr(s.service), legend: 'stable' },
    { expr: expr(names.track(s.service, 'canary')), legend: 'canary' },
  ];
  const ready = (deployment: string) => `sum(kube_pod_status_ready${selector([...podsOf(deployment, namespace), ['condition', '=', 'true']])})`;
  return [
    row(`${s.service}: canary vs stable`),
    timeseries('Canary share of requests', [{ expr: `${requestRate(track('canary'), W)} / ${requestRate(s, W)}`, legend: 'canary' }], { unit: 'percentunit', min: 0, max: 1 }),
    timeseries('Request rate', byTrack(requestRate(s, W, ['track'])), {
      unit: 'reqps',
      min: 0,
      links: traceLinks(env, `Traces of the ${grafanaVar('__field.labels.track')} track`, [
        `resource.service.name=${JSON.stringify(s.service)}`,
        `resource.track="${grafanaVar('__field.labels.track')}"`,
      ]),
    }),
    timeseries('Error rate (5xx)', byTrack(errorRatio(s, W, ['track'])), {
      unit: 'percentunit',
      min: 0,
      description: `Rollback above ${a.maxErrorRate * 100}% for the canary.`,
      thresholds: [{ value: a.maxErrorRate, color: 'red' }],
    }),
    timeseries('Canary error rate above stable', [{ expr: `(${errorRatio(track('canary'), W)}) - (${errorRatio(track('stable'), W)})`, legend: 'canary - stable' }], {
      unit: 'percentunit',
      description: `Rollback above ${a.maxErrorRateIncrease * 100} percentage points.`,
      thresholds: [{ value: a.maxErrorRateIncrease, color: 'red' }],
    }),
    timeseries('p50 latency', byTrack(latencyQuantile(0.5, s, W, ['track'])), { unit: 's', min: 0 }),
    timeseries('p95 latency', byTrack(latencyQuantile(0.95, s, W, ['track'])), {
      unit: 's',
      min: 0,
      thresholds: [{ value: a.maxP95LatencySeconds, color: 'red' }],
    }),
    timeseries('Canary p95 / stable p95', [{ expr: `(${latencyQuantile(0.95, track('canary'), W)}) / (${latencyQuantile(0.95, track('stable'), W)})`, legend: 'ratio' }], {
      unit: 'none',
      min: 0,
      description: `Rollback above ${a.maxLatencyRatio}x.`,
      thresholds: [{ value: a.maxLatencyRatio, color: 'red' }],
    }),
    timeseries(
      'CPU (cores)',
      perTrack((d) => `sum(rate(container_cpu_usage_seconds_total${selector(podsOf(d, namespace, s.service))}[${W}]))`),
      { unit: 'short', min: 0 },
    ),
    timeseries(
      'Memory',
      perTrack((d) => `sum(container_memory_working_set_bytes${selector(podsOf(d, namespace, s.service))})`),
      { unit: 'bytes', min: 0 },
    ),
    timeseries('Ready pods', perTrack(ready), { unit: 'short', min: 0 }),
  ];
}

function infrastructure(env: EnvironmentContext): PanelSpec[] {
  const { namespace, config } = env;
  const ns = selector([['namespace', '=', namespace]]);
  const containers = selector([
    ['namespace', '=', namespace],
    ['container', '!=', ''],
    ['container', '!=', 'POD'],
  ]);
  const resource = (metric: string, name: string) =>
    `sum(${metric}${selector([
      ['namespace', '=', namespace],
      ['resource', '=', name],
    ])})`;
  const usedVsReserved = (used: string, name: string): Query[] => [
    { expr: used, legend: 'used' },
    { expr: resource('kube_pod_container_resource_requests', name), legend: 'requests' },
    { expr: resource('kube_pod_container_resource_limits', name), legend: 'limits' },
  ];
  const mongo = config.mongodb.enabled && config.mongodb.metrics.enabled;
  const redis = config.redis.enabled && config.redis.metrics.enabled;
  const postgres = config.postgres.enabled && config.postgres.metrics.enabled;
  return [
    row('Namespace resources'),
    timeseries('CPU: used, requested, limit (cores)', usedVsReserved(`sum(rate(container_cpu_usage_seconds_total${containers}[${W}]))`, 'cpu'), {
      unit: 'short',
      min: 0,
      width: 12,
    }),
    timeseries('Memory: used, requested, limit', usedVsReserved(`sum(container_memory_working_set_bytes${containers})`, 'memory'), { unit: 'bytes', min: 0, width: 12 }),
    timeseries('CPU by pod, top 10 (cores)', [{ expr: `topk(10, ${sumBy(['pod'], `rate(container_cpu_usage_seconds_total${containers}[${W}])`)})`, legend: '{{pod}}' }], {
      unit: 'short',
      min: 0,
    }),
    timeseries('Memory by pod, top 10', [{ expr: `topk(10, ${sumBy(['pod'], `container_memory_working_set_bytes${containers}`)})`, legend: '{{pod}}' }], { unit: 'bytes', min: 0 }),
    timeseries(
      'Network',
      [
        { expr: `sum(rate(container_network_receive_bytes_total${ns}[${W}]))`, legend: 'received' },
        { expr: `sum(rate(container_network_transmit_bytes_total${ns}[${W}]))`, legend: 'sent' },
      ],
      { unit: 'Bps', min: 0 },
    ),
    timeseries('Volume usage', [{ expr: `kubelet_volume_stats_used_bytes${ns} / kubelet_volume_stats_capacity_bytes${ns}`, legend: '{{persistentvolumeclaim}}' }], {
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 24,
      thresholds: [{ value: config.monitoring.alerts.volumeUsage.max, color: 'orange' }],
    }),
    ...(mongo
      ? [
          row('MongoDB'),
          stat('MongoDB up', [{ expr: `mongodb_up${ns}`, legend: '{{pod}}' }], { unit: 'none', width: 6, baseColor: 'red', thresholds: [{ value: 1, color: 'green' }] }),
          timeseries('Operations by type', [{ expr: sumBy(['legacy_op_type'], `rate(mongodb_ss_opcounters${ns}[${W}])`), legend: '{{legacy_op_type}}' }], {
            unit: 'ops',
            min: 0,
            width: 6,
          }),
          timeseries(
            'Connections',
            [
              {
                expr: sumBy(
                  ['pod'],
                  `mongodb_ss_connections${selector([
                    ['namespace', '=', namespace],
                    ['conn_type', '=', 'current'],
                  ])}`,
                ),
                legend: '{{pod}}',
              },
            ],
            {
              unit: 'short',
              min: 0,
              width: 6,
            },
          ),
          // serverStatus reports resident memory in MiB.
          timeseries('Resident memory', [{ expr: `mongodb_ss_mem_resident${ns} * 1024 * 1024`, legend: '{{pod}}' }], { unit: 'bytes', min: 0, width: 6 }),
        ]
      : []),
    ...(redis
      ? [
          row('Redis'),
          stat('Redis up', [{ expr: `redis_up${ns}`, legend: '{{pod}}' }], { unit: 'none', width: 6, baseColor: 'red', thresholds: [{ value: 1, color: 'green' }] }),
          timeseries('Commands', [{ expr: `sum(rate(redis_commands_processed_total${ns}[${W}]))`, legend: 'commands' }], { unit: 'ops', min: 0, width: 6 }),
          timeseries(
            'Memory',
            [
              { expr: `sum(redis_memory_used_bytes${ns})`, legend: 'used' },
              { expr: `sum(redis_memory_max_bytes${ns}) > 0`, legend: 'maxmemory' },
            ],
            { unit: 'bytes', min: 0, width: 6 },
          ),
          timeseries(
            'Keyspace hit ratio',
            [
              {
                expr: `sum(rate(redis_keyspace_hits_total${ns}[${W}])) / (sum(rate(redis_keyspace_hits_total${ns}[${W}])) + sum(rate(redis_keyspace_misses_total${ns}[${W}])))`,
                legend: 'hits',
              },
            ],
            { unit: 'percentunit', min: 0, max: 1, width: 6 },
          ),
        ]
      : []),
    ...(postgres ? postgresPanels(env) : []),
  ];
}

/** PostgreSQL: the primary and its read replicas (postgres_exporter's default collectors). */
function postgresPanels(env: EnvironmentContext): PanelSpec[] {
  const { namespace, config } = env;
  const ns = selector([['namespace', '=', namespace]]);
  const db = selector([
    ['namespace', '=', namespace],
    ['datname', '=', config.postgres.database],
  ]);
  return [
    row('PostgreSQL'),
    stat('PostgreSQL up', [{ expr: `pg_up${ns}`, legend: '{{pod}}' }], { unit: 'none', width: 6, baseColor: 'red', thresholds: [{ value: 1, color: 'green' }] }),
    timeseries('Connections used of max', [{ expr: `sum by (pod) (pg_stat_activity_count${ns}) / on (pod) max by (pod) (pg_settings_max_connections${ns})`, legend: '{{pod}}' }], {
      unit: 'percentunit',
      min: 0,
      max: 1,
      width: 6,
      thresholds: [{ value: config.monitoring.alerts.postgresConnections.max, color: 'orange' }],
    }),
    timeseries(
      `Transactions (${config.postgres.database})`,
      [
        { expr: sumBy(['pod'], `rate(pg_stat_database_xact_commit${db}[${W}])`), legend: '{{pod}} commits' },
        { expr: sumBy(['pod'], `rate(pg_stat_database_xact_rollback${db}[${W}])`), legend: '{{pod}} rollbacks' },
      ],
      { unit: 'ops', min: 0, width: 6 },
    ),
    timeseries(
      'Replication lag',
      [
        {
          expr: `pg_replication_lag_seconds${selector([
            ['namespace', '=', namespace],
            ['service', '=', names.postgresRead],
          ])}`,
          legend: '{{pod}}',
        },
      ],
      {
        unit: 's',
        min: 0,
        width: 6,
        thresholds: [{ value: config.monitoring.alerts.postgresReplicationLag.maxSeconds, color: 'orange' }],
      },
    ),
  ];
}

/** Per-pod usage as a share of the container limit, orange from 80%. */
function usedOfLimit(title: string, expr: string, description: string) {
  return timeseries(title, [{ expr, legend: '{{pod}}' }], {
    unit: 'percentunit',
    min: 0,
    width: 12,
    description,
    thresholds: [{ value: 0.8, color: 'orange' }],
  });
}
