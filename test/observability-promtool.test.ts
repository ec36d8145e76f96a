/**
 * What we emit for Prometheus, checked by Prometheus's own tool: every rule group of every
 * environment and every dashboard query parse (`promtool check rules`, one process for all), and
 * the KPI alerts fire when they should and stay silent when they should not (`promtool test rules`
 * on generated series).
 */
import { describe, expect, it } from 'vitest';
import { loadEnvironment } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { AlertRule } from '../observability/alerts.js';
import { environmentContext } from '../config/context.js';
import { dashboardQueries, interpolateForPrometheus } from '../observability/grafana.js';
import { environmentAlertGroups } from '../observability/alerts.js';
import { loggingAlertGroup } from '../observability/logging-alerts.js';
import { environmentDashboards } from '../observability/dashboards.js';
import { renderEnvironment } from '../charts/render.js';
import { configFromYaml, ENVIRONMENTS, findAll } from './helpers.js';
import { checkRuleFiles, testRules } from './tools.js';

/** The rule groups of every PrometheusRule an environment emits, plus each dashboard query (as Grafana sends it) as a recording rule. */
function rulesToCheck(name: string, config: Config): { name: string; rules: unknown[] }[] {
  const emitted = findAll(renderEnvironment(name, config), 'PrometheusRule').flatMap((rule) => rule.spec.groups);
  const dashboards = environmentDashboards(environmentContext(name, config)).map(({ slug, model }) => ({
    name: `dashboard-${slug}`,
    rules: dashboardQueries(model).map((q) => ({ record: `dashboard:${slug.replaceAll('-', '_')}:panel${q.panelId}_${q.refId}`, expr: interpolateForPrometheus(q.expr) })),
  }));
  return [...emitted, ...dashboards];
}

describe('promtool check rules', () => {
  const environments: [string, Config][] = [
    ...ENVIRONMENTS.map((name): [string, Config] => [name, loadEnvironment(name).config]),
    ['canary', configFromYaml('tier: prod\nservices:\n  backend:\n    canary: { enabled: true, tag: "1.1.0" }\n')],
    ['datastores', configFromYaml('tier: prod\npostgres: { enabled: true, replicas: 2 }\n')],
  ];
  const files = Object.fromEntries(environments.map(([name, config]) => [name, rulesToCheck(name, config)]));
  const result = checkRuleFiles(files);

  it('accepts the alert rules and every dashboard query of every environment (and of a running canary)', () => {
    expect(result.output).not.toMatch(/FAILED/);
    expect(result.code, result.output).toBe(0);
  });

  it.each(Object.keys(files))('%s: checks every rule it was given', (name) => {
    const count = files[name].reduce((n, g) => n + g.rules.length, 0);
    expect(result.output).toContain(`${name}.yaml\n  SUCCESS: ${count} rules found`);
  });

  it('includes the canary rollback rules when a canary runs', () => {
    expect(files.canary.map((g) => g.name)).toContain('backend-canary');
    expect(files.prod.map((g) => g.name)).not.toContain('backend-canary');
  });

  it('checks every dashboard', () => {
    expect(files.prod.map((g) => g.name).filter((n) => n.startsWith('dashboard-'))).toEqual(['dashboard-overview', 'dashboard-canary-backend', 'dashboard-infrastructure']);
  });
});

describe('promtool test rules: the KPI alerts', () => {
  const NS = 'webapp-test';
  const config = configFromYaml('tier: prod\n');
  const groups = environmentAlertGroups(config, NS);
  const rule = (name: string) => groups.flatMap((g) => g.rules).find((r) => r.alert === name)!;
  const backend = { namespace: NS, service: 'backend', pod: 'backend-7d9c-x1', track: 'stable' };
  const labels = (l: Record<string, string>) =>
    `{${Object.entries(l)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;

  /** 600 requests a minute, `errorShare` of them 5xx, latency distributed as `buckets` (cumulative shares). */
  function traffic(errorShare: number, buckets: Record<string, number>, up = true) {
    const perMinute = 600;
    return [
      { series: `http_requests_total${labels({ ...backend, status_code: '200' })}`, values: `0+${perMinute * (1 - errorShare)}x40` },
      { series: `http_requests_total${labels({ ...backend, status_code: '500' })}`, values: `0+${perMinute * errorShare}x40` },
      ...Object.entries(buckets).map(([le, share]) => ({
        series: `http_request_duration_seconds_bucket${labels({ ...backend, le })}`,
        values: `0+${perMinute * share}x40`,
      })),
      ...(up ? [{ series: `up${labels(backend)}`, values: '1x40' }] : []),
    ];
  }
  const FAST = { '0.1': 0.9, '0.25': 0.96, '0.5': 0.99, '1': 1, '+Inf': 1 }; // p95 = 0.225 s
  const SLOW = { '0.1': 0.1, '0.25': 0.3, '0.5': 0.6, '1': 1, '+Inf': 1 }; // p95 = 0.9375 s

  /** The rule's annotations as Prometheus renders them, given how it renders `{{ $value | ... }}`. */
  const rendered = (r: AlertRule, value: Record<string, string>) =>
    Object.fromEntries(Object.entries(r.annotations).map(([k, text]) => [k, Object.entries(value).reduce((t, [template, out]) => t.replaceAll(template, out), text)]));
  const firing = (r: AlertRule, value: Record<string, string>, extraLabels: Record<string, string> = {}) => [
    { exp_labels: { ...r.labels, ...extraLabels }, exp_annotations: rendered(r, value) },
  ];

  const tests = [
    {
      name: 'healthy: 0.05% errors, p95 225 ms',
      interval: '1m',
      input_series: traffic(0.0005, FAST),
      alert_rule_test: ['WebServiceHighErrorRate', 'WebServiceHighLatency', 'WebServiceDown'].map((alertname) => ({ eval_time: '30m', alertname, exp_alerts: [] })),
    },
    {
      name: '1% errors: fires once it has lasted errorRate.for (5m), not before',
      interval: '1m',
      input_series: traffic(0.01, FAST),
      alert_rule_test: [
        { eval_time: '4m', alertname: 'WebServiceHighErrorRate', exp_alerts: [] },
        { eval_time: '20m', alertname: 'WebServiceHighErrorRate', exp_alerts: firing(rule('WebServiceHighErrorRate'), { '{{ $value | humanizePercentage }}': '1%' }) },
        { eval_time: '20m', alertname: 'WebServiceHighLatency', exp_alerts: [] },
      ],
    },
    {
      name: 'p95 937.5 ms: fires once it has lasted latency.for (10m), not before',
      interval: '1m',
      input_series: traffic(0.0005, SLOW),
      alert_rule_test: [
        { eval_time: '8m', alertname: 'WebServiceHighLatency', exp_alerts: [] },
        { eval_time: '20m', alertname: 'WebServiceHighLatency', exp_alerts: firing(rule('WebServiceHighLatency'), { '{{ $value | humanizeDuration }}': '937.5ms' }) },
        { eval_time: '20m', alertname: 'WebServiceHighErrorRate', exp_alerts: [] },
      ],
    },
    {
      name: 'no target up: the service is down',
      interval: '1m',
      input_series: traffic(0, FAST, false),
      alert_rule_test: [{ eval_time: '10m', alertname: 'WebServiceDown', exp_alerts: firing(rule('WebServiceDown'), {}) }],
    },
    {
      name: 'platform alerts: crash loop, HPA at max, full volume, MongoDB down',
      interval: '1m',
      input_series: [
        { series: `kube_pod_container_status_restarts_total${labels({ namespace: NS, pod: 'backend-7d9c-x1', container: 'backend' })}`, values: '0+1x40' },
        { series: `kube_pod_container_status_restarts_total${labels({ namespace: NS, pod: 'frontend-5f6b-y2', container: 'frontend' })}`, values: '0x40' },
        { series: `kube_horizontalpodautoscaler_status_current_replicas${labels({ namespace: NS, horizontalpodautoscaler: 'backend' })}`, values: '10x40' },
        { series: `kube_horizontalpodautoscaler_spec_max_replicas${labels({ namespace: NS, horizontalpodautoscaler: 'backend' })}`, values: '10x40' },
        { series: `kube_horizontalpodautoscaler_status_current_replicas${labels({ namespace: NS, horizontalpodautoscaler: 'frontend' })}`, values: '3x40' },
        { series: `kube_horizontalpodautoscaler_spec_max_replicas${labels({ namespace: NS, horizontalpodautoscaler: 'frontend' })}`, values: '8x40' },
        { series: `kubelet_volume_stats_used_bytes${labels({ namespace: NS, persistentvolumeclaim: 'data-mongodb-0' })}`, values: '85x40' },
        { series: `kubelet_volume_stats_capacity_bytes${labels({ namespace: NS, persistentvolumeclaim: 'data-mongodb-0' })}`, values: '100x40' },
        { series: `kubelet_volume_stats_used_bytes${labels({ namespace: NS, persistentvolumeclaim: 'data-redis-0' })}`, values: '50x40' },
        { series: `kubelet_volume_stats_capacity_bytes${labels({ namespace: NS, persistentvolumeclaim: 'data-redis-0' })}`, values: '100x40' },
        { series: `mongodb_up${labels({ namespace: NS, pod: 'mongodb-0' })}`, values: '0x40' },
      ],
      alert_rule_test: [
        {
          eval_time: '30m',
          alertname: 'PodCrashLooping',
          exp_alerts: firing(
            rule('PodCrashLooping'),
            { '{{ $value | humanize }}': '15', '{{ $labels.pod }}': 'backend-7d9c-x1', '{{ $labels.namespace }}': NS, '{{ $labels.container }}': 'backend' },
            { pod: 'backend-7d9c-x1', container: 'backend' },
          ),
        },
        { eval_time: '10m', alertname: 'HpaMaxedOut', exp_alerts: [] },
        {
          eval_time: '30m',
          alertname: 'HpaMaxedOut',
          exp_alerts: firing(
            rule('HpaMaxedOut'),
            { '{{ $value }}': '10', '{{ $labels.horizontalpodautoscaler }}': 'backend', '{{ $labels.namespace }}': NS },
            { horizontalpodautoscaler: 'backend' },
          ),
        },
        {
          eval_time: '30m',
          alertname: 'PersistentVolumeFillingUp',
          exp_alerts: firing(
            rule('PersistentVolumeFillingUp'),
            { '{{ $value | humanizePercentage }}': '85%', '{{ $labels.persistentvolumeclaim }}': 'data-mongodb-0', '{{ $labels.namespace }}': NS },
            { persistentvolumeclaim: 'data-mongodb-0' },
          ),
        },
        {
          eval_time: '30m',
          alertname: 'MongoDBDown',
          exp_alerts: firing(rule('MongoDBDown'), { '{{ $labels.pod }}': 'mongodb-0', '{{ $labels.namespace }}': NS }, { pod: 'mongodb-0' }),
        },
      ],
    },
  ];

  it('the annotations being checked are templated', () => {
    expect(rule('WebServiceHighErrorRate').annotations.summary).toContain('{{ $value | humanizePercentage }}');
    expect(rule('PodCrashLooping').annotations.description).toContain('{{ $labels.pod }}');
  });

  it('fire when they should and stay silent when they should not', () => {
    const result = testRules(groups, tests);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});

describe('promtool test rules: the logging alerts', () => {
  const NS = 'webapp-test-logging';
  const labels = (l: Record<string, string>) =>
    `{${Object.entries(l)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',')}}`;
  const loki = { namespace: NS, service: 'loki', pod: 'loki-0' };
  const volume = { namespace: NS, persistentvolumeclaim: 'data-loki-0' };

  for (const shipper of ['alloy', 'promtail'] as const) {
    const group = loggingAlertGroup(configFromYaml(`tier: prod\nlogs: { shipper: ${shipper} }\n`), NS);
    const rule = (name: string) => group.rules.find((r) => r.alert === name)!;
    const metrics =
      shipper === 'alloy'
        ? { requests: 'loki_write_request_duration_seconds_count', dropped: 'loki_write_dropped_entries_total' }
        : { requests: 'promtail_request_duration_seconds_count', dropped: 'promtail_dropped_entries_total' };
    const pod = { namespace: NS, service: `${shipper}-metrics`, pod: `${shipper}-x7k2p` };
    /** The rule's annotations with the templates Prometheus fills in replaced by what it renders. */
    const firing = (name: string, value: Record<string, string>, seriesLabels: Record<string, string> = {}) => {
      const r = rule(name);
      const annotations = Object.fromEntries(
        Object.entries(r.annotations).map(([k, text]) => [k, Object.entries(value).reduce((t, [template, out]) => t.replaceAll(template, out), text)]),
      );
      return [{ exp_labels: { ...r.labels, ...seriesLabels }, exp_annotations: annotations }];
    };
    const silent = (eval_time: string, ...names: string[]) => names.map((alertname) => ({ eval_time, alertname, exp_alerts: [] }));
    const ALL = group.rules.map((r) => r.alert);

    /** A healthy stack: every shipper pod ready and scraped, pushes answered 204, nothing dropped or discarded, Loki answers 2xx. */
    const healthy = [
      { series: `kube_daemonset_status_desired_number_scheduled${labels({ namespace: NS, daemonset: shipper })}`, values: '3x60' },
      { series: `kube_daemonset_status_number_ready${labels({ namespace: NS, daemonset: shipper })}`, values: '3x60' },
      { series: `up${labels(pod)}`, values: '1x60' },
      { series: `${metrics.requests}${labels({ ...pod, status_code: '204' })}`, values: '0+100x60' },
      { series: `${metrics.dropped}${labels({ ...pod, reason: 'ingester_error' })}`, values: '0x60' },
      { series: `loki_request_duration_seconds_count${labels({ ...loki, route: 'loki_api_v1_push', status_code: '204' })}`, values: '0+300x60' },
      { series: `loki_discarded_samples_total${labels({ ...loki, reason: 'rate_limited', tenant: 'fake' })}`, values: '0x60' },
      { series: `up${labels(loki)}`, values: '1x60' },
      { series: `loki_distributor_ingester_append_failures_total${labels({ ...loki, ingester: '127.0.0.1:9095' })}`, values: '0x60' },
      { series: `kubelet_volume_stats_used_bytes${labels(volume)}`, values: '200x60' },
      { series: `kubelet_volume_stats_capacity_bytes${labels(volume)}`, values: '1000x60' },
      { series: `kubelet_volume_stats_available_bytes${labels(volume)}`, values: '800x60' },
    ];
    /** `healthy` with the series named by `metric` (and labels) replaced. */
    const withSeries = (...replaced: { series: string; values: string }[]) => [
      ...healthy.filter((h) => !replaced.some((r) => r.series.split('{')[0] === h.series.split('{')[0])),
      ...replaced,
    ];

    const tests = [
      { name: `${shipper}: healthy, nothing fires`, interval: '1m', input_series: healthy, alert_rule_test: silent('50m', ...ALL) },
      {
        name: `${shipper}: one node without a ready shipper pod, once it has lasted shipperDown.for (10m)`,
        interval: '1m',
        input_series: withSeries(
          { series: `kube_daemonset_status_desired_number_scheduled${labels({ namespace: NS, daemonset: shipper })}`, values: '3x60' },
          { series: `kube_daemonset_status_number_ready${labels({ namespace: NS, daemonset: shipper })}`, values: '2x60' },
        ),
        alert_rule_test: [
          ...silent('5m', 'LogShipperNotReady'),
          {
            eval_time: '20m',
            alertname: 'LogShipperNotReady',
            exp_alerts: firing('LogShipperNotReady', { '{{ $value }}': '1', '{{ $labels.daemonset }}': shipper, '{{ $labels.namespace }}': NS }),
          },
        ],
      },
      {
        name: `${shipper}: a shipper pod that cannot be scraped`,
        interval: '1m',
        input_series: withSeries({ series: `up${labels(pod)}`, values: '1x5 0x55' }),
        alert_rule_test: [
          ...silent('10m', 'LogShipperDown'),
          { eval_time: '20m', alertname: 'LogShipperDown', exp_alerts: firing('LogShipperDown', { '{{ $labels.pod }}': pod.pod, '{{ $labels.namespace }}': NS }, pod) },
        ],
      },
      {
        name: `${shipper}: 10 of 110 pushes a minute get no answer (status_code -1): 9.091% failed, above 5%`,
        interval: '1m',
        input_series: [...healthy, { series: `${metrics.requests}${labels({ ...pod, status_code: '-1' })}`, values: '0+10x60' }],
        alert_rule_test: [
          ...silent('10m', 'LogShipperPushFailures'),
          {
            eval_time: '40m',
            alertname: 'LogShipperPushFailures',
            exp_alerts: firing(
              'LogShipperPushFailures',
              { '{{ $value | humanizePercentage }}': '9.091%', '{{ $labels.pod }}': pod.pod, '{{ $labels.namespace }}': NS },
              { namespace: NS, pod: pod.pod },
            ),
          },
          ...silent('40m', 'LogShipperDroppingLogs'),
        ],
      },
      {
        name: `${shipper}: 2 of 102 pushes a minute answered 500: 1.96%, below 5%`,
        interval: '1m',
        input_series: [...healthy, { series: `${metrics.requests}${labels({ ...pod, status_code: '500' })}`, values: '0+2x60' }],
        alert_rule_test: silent('40m', 'LogShipperPushFailures'),
      },
      {
        name: `${shipper}: dropped entries fire at once; a counter that stopped rising does not`,
        interval: '1m',
        input_series: withSeries({ series: `${metrics.dropped}${labels({ ...pod, reason: 'ingester_error' })}`, values: '0+1x20 20x40' }),
        alert_rule_test: [
          {
            eval_time: '15m',
            alertname: 'LogShipperDroppingLogs',
            exp_alerts: firing(
              'LogShipperDroppingLogs',
              { '{{ $value | humanize }}': '10', '{{ $labels.pod }}': pod.pod, '{{ $labels.namespace }}': NS, '{{ $labels.reason }}': 'ingester_error' },
              { namespace: NS, pod: pod.pod, reason: 'ingester_error' },
            ),
          },
          ...silent('45m', 'LogShipperDroppingLogs'),
        ],
      },
      {
        name: `${shipper}: Loki answers 10% of pushes with 500, queries fine`,
        interval: '1m',
        input_series: [
          ...withSeries({ series: `loki_request_duration_seconds_count${labels({ ...loki, route: 'loki_api_v1_push', status_code: '204' })}`, values: '0+90x60' }),
          { series: `loki_request_duration_seconds_count${labels({ ...loki, route: 'loki_api_v1_push', status_code: '500' })}`, values: '0+10x60' },
          { series: `loki_request_duration_seconds_count${labels({ ...loki, route: 'loki_api_v1_query_range', status_code: '200' })}`, values: '0+5x60' },
        ],
        alert_rule_test: [
          ...silent('10m', 'LokiRequestErrors'),
          {
            eval_time: '30m',
            alertname: 'LokiRequestErrors',
            exp_alerts: firing(
              'LokiRequestErrors',
              { '{{ $value | humanizePercentage }}': '10%', '{{ $labels.route }}': 'loki_api_v1_push', '{{ $labels.namespace }}': NS },
              { namespace: NS, route: 'loki_api_v1_push' },
            ),
          },
        ],
      },
      {
        name: `${shipper}: Loki discards entries over its rate limit`,
        interval: '1m',
        input_series: withSeries({ series: `loki_discarded_samples_total${labels({ ...loki, reason: 'rate_limited', tenant: 'fake' })}`, values: '0+1x60' }),
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'LokiDiscardingLogs',
            exp_alerts: firing(
              'LokiDiscardingLogs',
              { '{{ $value | humanize }}': '10', '{{ $labels.reason }}': 'rate_limited', '{{ $labels.namespace }}': NS },
              { namespace: NS, reason: 'rate_limited' },
            ),
          },
        ],
      },
      {
        name: `${shipper}: Loki cannot be scraped, then no target at all: down once it has lasted lokiDown.for (5m)`,
        interval: '1m',
        input_series: withSeries({ series: `up${labels(loki)}`, values: '1x10 0x10' }),
        alert_rule_test: [
          ...silent('12m', 'LokiDown'),
          { eval_time: '20m', alertname: 'LokiDown', exp_alerts: firing('LokiDown', {}, { namespace: NS, service: 'loki' }) },
          // After the last sample the series goes stale: absent() keeps it firing.
          { eval_time: '40m', alertname: 'LokiDown', exp_alerts: firing('LokiDown', {}, { namespace: NS, service: 'loki' }) },
        ],
      },
      {
        name: `${shipper}: the distributor fails appends to the ingester`,
        interval: '1m',
        input_series: withSeries({ series: `loki_distributor_ingester_append_failures_total${labels({ ...loki, ingester: '127.0.0.1:9095' })}`, values: '0+1x60' }),
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'LokiIngesterAppendFailures',
            exp_alerts: firing('LokiIngesterAppendFailures', { '{{ $value | humanize }}': '10', '{{ $labels.namespace }}': NS }, { namespace: NS }),
          },
        ],
      },
      {
        // Samples every 2m: within the 5m lookback, so the condition holds without gaps for its 1h.
        name: `${shipper}: Loki's volume grows 60 units an hour, 82% full after 7h: full within 96h`,
        interval: '2m',
        input_series: withSeries(
          { series: `kubelet_volume_stats_used_bytes${labels(volume)}`, values: '400+2x300' },
          { series: `kubelet_volume_stats_capacity_bytes${labels(volume)}`, values: '1000x300' },
          { series: `kubelet_volume_stats_available_bytes${labels(volume)}`, values: '600-2x300' },
        ),
        alert_rule_test: [
          {
            eval_time: '7h',
            alertname: 'LokiDiskFillingUp',
            exp_alerts: firing(
              'LokiDiskFillingUp',
              { '{{ $value | humanizePercentage }}': '82%', '{{ $labels.persistentvolumeclaim }}': 'data-loki-0', '{{ $labels.namespace }}': NS },
              volume,
            ),
          },
        ],
      },
      {
        name: `${shipper}: a 90% full volume that does not grow does not fire`,
        interval: '2m',
        input_series: withSeries(
          { series: `kubelet_volume_stats_used_bytes${labels(volume)}`, values: '900x300' },
          { series: `kubelet_volume_stats_capacity_bytes${labels(volume)}`, values: '1000x300' },
          { series: `kubelet_volume_stats_available_bytes${labels(volume)}`, values: '100x300' },
        ),
        alert_rule_test: silent('8h', 'LokiDiskFillingUp'),
      },
      {
        name: `${shipper}: a growing volume only 30% full does not fire`,
        interval: '2m',
        input_series: withSeries(
          { series: `kubelet_volume_stats_used_bytes${labels(volume)}`, values: '100+0.4x300' },
          { series: `kubelet_volume_stats_capacity_bytes${labels(volume)}`, values: '1000x300' },
          { series: `kubelet_volume_stats_available_bytes${labels(volume)}`, values: '900-0.4x300' },
        ),
        alert_rule_test: silent('8h', 'LokiDiskFillingUp'),
      },
    ];

    it(`${shipper}: every alert fires when it should and stays silent when it should not`, () => {
      const result = testRules([group], tests);
      expect(result.code, result.output).toBe(0);
      expect(result.output).toContain('SUCCESS');
    });

    it(`${shipper}: reads ${shipper}'s own metric names, and every alert has a test that fires it`, () => {
      const exprs = group.rules.map((r) => r.expr).join('\n');
      expect(exprs).toContain(metrics.requests);
      expect(exprs).toContain(metrics.dropped);
      expect(exprs).not.toContain(shipper === 'alloy' ? 'promtail_' : 'loki_write_');
      const fired = new Set(tests.flatMap((t) => t.alert_rule_test.filter((a) => a.exp_alerts.length > 0).map((a) => a.alertname)));
      expect([...fired].sort()).toEqual([...ALL].sort());
    });
  }
});

describe('the overview dashboard counts the replicas of Argo Rollouts (kube-state-metrics ReplicaSets)', () => {
  const replicasPanel = (yaml: string) => {
    const env = environmentContext('test', configFromYaml(yaml));
    const { model } = environmentDashboards(env).find((d) => d.slug === 'overview')!;
    const panel = model.panels.find((p: any) => p.title === 'Available replicas')!;
    return { env, queries: dashboardQueries(model).filter((q) => q.panelId === panel.id) };
  };

  it('adds a Rollout query next to the Deployment one, which counts the ReplicaSets each Rollout owns', () => {
    const { env, queries } = replicasPanel('delivery: { engine: argo-rollouts }\nservices:\n  frontend:\n    delivery: { engine: cli }\n');
    const NS = env.namespace;
    const rs = (replicaset: string, ready: number, owner: [string, string], namespace = NS) => [
      { series: `kube_replicaset_status_ready_replicas{namespace="${namespace}",replicaset="${replicaset}"}`, values: `${ready}x10` },
      {
        series: `kube_replicaset_owner{namespace="${namespace}",replicaset="${replicaset}",owner_kind="${owner[0]}",owner_name="${owner[1]}",owner_is_controller="true"}`,
        values: '1x10',
      },
    ];
    const [deployments, rollouts] = queries.map((q) => interpolateForPrometheus(q.expr));
    expect(rollouts).toContain('owner_kind="Rollout"');
    const result = testRules(
      [],
      [
        {
          interval: '1m',
          input_series: [
            // During a canary: the stable ReplicaSet (3 ready) and the canary's (1), both the Rollout's.
            ...rs('backend-6f7c9d', 3, ['Rollout', 'backend']),
            ...rs('backend-5d4b8c', 1, ['Rollout', 'backend']),
            // A Deployment's ReplicaSet, and a Rollout of another namespace: not counted here.
            ...rs('frontend-7c8d9e', 2, ['Deployment', 'frontend']),
            ...rs('backend-1a2b3c', 5, ['Rollout', 'backend'], 'elsewhere'),
            { series: `kube_deployment_status_replicas_available{namespace="${NS}",deployment="frontend"}`, values: '2x10' },
          ],
          promql_expr_test: [
            { expr: rollouts, eval_time: '5m', exp_samples: [{ labels: '{rollout="backend"}', value: 4 }] },
            { expr: deployments, eval_time: '5m', exp_samples: [{ labels: '{deployment="frontend"}', value: 2 }] },
          ],
        },
      ],
    );
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  it('stays as it was without Rollouts', () => {
    const { queries } = replicasPanel('tier: prod\n');
    expect(queries.map((q) => q.expr).join('\n')).not.toContain('kube_replicaset');
    expect(queries).toHaveLength(2);
  });
});
