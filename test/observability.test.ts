import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { environmentContext } from '../config/context.js';
import { buildDashboard, dashboardJson, dashboardQueries, interpolateForPrometheus, refId, row, stat, timeseries } from '../observability/grafana.js';
import { parser as logqlParser } from '@grafana/lezer-logql';
import { podLogLabelRules } from '../observability/logging.js';
import { alertmanagerConfigSpec } from '../observability/alertmanager.js';
import { environmentAlertGroups } from '../observability/alerts.js';
import { loggingAlertGroup } from '../observability/logging-alerts.js';
import { dashboardUid, environmentDashboards } from '../observability/dashboards.js';
import { errorRatio, latencyQuantile, podsOf, selector } from '../observability/promql.js';
import { validateManifests } from '../core/validate/index.js';
import { configFromYaml, find, findAll, objectsOf, podTemplates, problemsOf as problemsOfText, renderYaml } from './helpers.js';
import { renderReference } from './setup/reference.js';

const prod = renderReference('prod');
/** The problems of an environment file; its tier goes last so that lines and columns are those of `text`. */
const problemsOf = (text: string) => problemsOfText(`${text}\ntier: prod\n`);
const dev = renderReference('dev');

describe('datastore exporters', () => {
  const mongo = find(prod, 'StatefulSet', 'mongodb').spec.template.spec;
  const redis = find(prod, 'StatefulSet', 'redis').spec.template.spec;
  const exporter = (pod: any) => pod.containers.find((c: any) => c.name === 'metrics');

  it('run percona/mongodb_exporter in every member, on its own member, credentials by secretKeyRef', () => {
    const c = exporter(mongo);
    expect(c.image).toBe('docker.io/percona/mongodb_exporter:0.43.1');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9216, protocol: 'TCP' }]);
    expect(c.args).toContain('--mongodb.direct-connect');
    expect(c.env).toEqual([
      { name: 'MONGODB_EXPORTER_USERNAME', valueFrom: { secretKeyRef: { name: 'mongodb-auth', key: 'username' } } },
      { name: 'MONGODB_EXPORTER_PASSWORD', valueFrom: { secretKeyRef: { name: 'mongodb-auth', key: 'password' } } },
      { name: 'MONGODB_URI', value: 'mongodb://$(MONGODB_EXPORTER_USERNAME):$(MONGODB_EXPORTER_PASSWORD)@localhost:27017/admin' },
    ]);
  });

  it('run oliver006/redis_exporter with REDIS_PASSWORD from the Secret', () => {
    const c = exporter(redis);
    expect(c.image).toBe('docker.io/oliver006/redis_exporter:v1.67.0');
    expect(c.ports).toEqual([{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }]);
    expect(c.env).toContainEqual({ name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'redis-auth', key: 'password' } } });
  });

  it('are secured and sized like the datastore containers', () => {
    for (const c of [exporter(mongo), exporter(redis)]) {
      expect(c.securityContext).toEqual(mongo.containers[0].securityContext);
      expect(c.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } });
    }
  });

  it('are scraped through a metrics port on one Service each, by a ServiceMonitor Prometheus selects', () => {
    expect(find(prod, 'Service', 'mongodb').spec.ports).toContainEqual({ name: 'metrics', port: 9216, targetPort: 'metrics', protocol: 'TCP' });
    expect(find(prod, 'Service', 'redis').spec.ports).toContainEqual({ name: 'metrics', port: 9121, targetPort: 'metrics', protocol: 'TCP' });
    // The ServiceMonitor matches both Redis Services: a metrics port on each would scrape twice.
    expect(find(prod, 'Service', 'redis-headless').spec.ports.map((p: any) => p.name)).toEqual(['redis']);
    for (const name of ['mongodb', 'redis']) {
      const monitor = find(prod, 'ServiceMonitor', name);
      expect(monitor.metadata.labels.release).toBe('kube-prometheus-stack');
      expect(monitor.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': 'webapp-prod' });
      expect(monitor.spec.endpoints).toEqual([{ port: 'metrics', interval: '15s' }]);
    }
  });

  it('can be switched off per environment; without monitoring only the ServiceMonitors go', () => {
    const off = renderYaml('tier: prod\nmongodb: { metrics: { enabled: false } }\nredis: { metrics: { enabled: false } }');
    expect(find(off, 'StatefulSet', 'mongodb').spec.template.spec.containers.map((c: any) => c.name)).toEqual(['mongodb']);
    expect(find(off, 'Service', 'redis').spec.ports.map((p: any) => p.name)).toEqual(['redis']);
    expect(find(off, 'ServiceMonitor', 'mongodb')).toBeUndefined();
    const unmonitored = renderYaml('tier: prod\nmonitoring: { enabled: false }');
    expect(find(unmonitored, 'StatefulSet', 'redis').spec.template.spec.containers).toHaveLength(2);
    expect(findAll(unmonitored, 'ServiceMonitor')).toEqual([]);
    expect(findAll(unmonitored, 'PrometheusRule')).toEqual([]);
    expect(unmonitored.files.map((f) => f.name)).not.toContain('50-monitoring.yaml');
  });

  it('keep namespace, service, pod (Prometheus Operator) and track/version (relabelled) on web-service metrics', () => {
    const relabelings = find(prod, 'ServiceMonitor', 'backend').spec.endpoints[0].relabelings;
    expect(relabelings.map((r: any) => [r.sourceLabels[0], r.targetLabel])).toEqual([
      ['__meta_kubernetes_pod_label_track', 'track'],
      ['__meta_kubernetes_pod_label_app_kubernetes_io_version', 'version'],
    ]);
  });
});

describe('PromQL helpers', () => {
  const scope = { namespace: 'ns', service: 'backend', metrics: { requestsMetric: 'reqs', durationMetric: 'dur', statusLabel: 'code' } };

  it('select both tracks of a service, or one, and group when asked', () => {
    expect(errorRatio(scope, '5m')).toBe(
      'sum(rate(reqs{namespace="ns",service=~"backend|backend-canary",code=~"5.."}[5m])) / sum(rate(reqs{namespace="ns",service=~"backend|backend-canary"}[5m]))',
    );
    expect(latencyQuantile(0.99, { ...scope, track: 'canary' }, '1m', ['pod'])).toBe(
      'histogram_quantile(0.99, sum by (le, pod) (rate(dur_bucket{namespace="ns",service=~"backend|backend-canary",track="canary"}[1m])))',
    );
    expect(selector([['a', '=~', 'x\\.y"z']])).toBe('{a=~"x\\\\.y\\"z"}');
  });

  it('tell stable pods from canary pods by name (Prometheus regexes are anchored)', () => {
    const regex = (deployment: string) => new RegExp(`^(?:${podsOf(deployment, 'ns').find(([l]) => l === 'pod')![2]})$`);
    expect(regex('backend').test('backend-7d9c5b-x1b2c')).toBe(true);
    expect(regex('backend').test('backend-canary-7d9c5b-x1b2c')).toBe(false);
    expect(regex('backend-canary').test('backend-canary-7d9c5b-x1b2c')).toBe(true);
  });
});

describe('alert rules', () => {
  const config = configFromYaml('tier: prod\n');
  const groups = environmentAlertGroups(config, 'webapp-prod');
  const rules = groups.flatMap((g) => g.rules);

  it('cover the KPIs, pods, autoscalers, volumes, exporters and backups', () => {
    expect(groups.map((g) => g.name)).toEqual(['webapp-prod.web-services.backend', 'webapp-prod.workloads', 'webapp-prod.datastores']);
    expect(rules.map((r) => r.alert)).toEqual([
      'WebServiceHighErrorRate',
      'WebServiceHighLatency',
      'WebServiceDown',
      'PodCrashLooping',
      'PodNotReady',
      'HpaMaxedOut',
      'PersistentVolumeFillingUp',
      'MongoDBExporterDown',
      'MongoDBDown',
      'RedisExporterDown',
      'RedisDown',
      'BackupTooOld',
    ]);
  });

  it('each have a severity and templated summary, description and runbook link', () => {
    for (const r of rules) {
      expect(['critical', 'warning']).toContain(r.labels.severity);
      expect(Object.keys(r.annotations).sort(), r.alert).toEqual(['description', 'runbook_url', 'summary']);
      // absent() returns a sample without labels or a meaningful value: nothing to template.
      if (!r.expr.startsWith('absent(')) expect(`${r.annotations.summary} ${r.annotations.description}`, r.alert).toMatch(/\{\{ \$(value|labels\.\w+)( \| \w+)? \}\}/);
      expect(r.annotations.runbook_url).toBe(`https://github.com/example/cdk8s-platform/blob/main/docs/runbooks.md#${r.alert.toLowerCase()}`);
    }
  });

  it('measure only web services that expose metrics (not the nginx frontend)', () => {
    expect(rules.filter((r) => r.labels.service === 'frontend')).toEqual([]);
    expect(rules.find((r) => r.alert === 'WebServiceHighErrorRate')!.expr).toBe(
      '(sum(rate(http_requests_total{namespace="webapp-prod",service=~"backend|backend-canary",status_code=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="webapp-prod",service=~"backend|backend-canary"}[5m]))) > 0.001',
    );
  });

  it('take their thresholds from monitoring.alerts', () => {
    const custom = configFromYaml(
      'tier: prod\nmonitoring:\n  alerts:\n    errorRate: { max: 0.01, for: 10m }\n    latency: { p95Seconds: 1.5 }\n    volumeUsage: { max: 0.9 }\n    hpaMaxedOut: { for: 30m }\n',
    );
    const byName = Object.fromEntries(
      environmentAlertGroups(custom, 'ns')
        .flatMap((g) => g.rules)
        .map((r) => [r.alert, r]),
    );
    expect(byName.WebServiceHighErrorRate.expr).toMatch(/ > 0\.01$/);
    expect(byName.WebServiceHighErrorRate.for).toBe('10m');
    expect(byName.WebServiceHighLatency.expr).toMatch(/^\(histogram_quantile\(0\.95, .*\) > 1\.5$/);
    expect(byName.PersistentVolumeFillingUp.expr).toMatch(/ > 0\.9$/);
    expect(byName.HpaMaxedOut.for).toBe('30m');
  });

  it('use kube-state-metrics v2 and kubelet metric names', () => {
    const expr = (alert: string) => rules.find((r) => r.alert === alert)!.expr;
    expect(expr('PodCrashLooping')).toContain('kube_pod_container_status_restarts_total{namespace="webapp-prod"}');
    expect(expr('HpaMaxedOut')).toBe(
      'kube_horizontalpodautoscaler_status_current_replicas{namespace="webapp-prod"} >= on (namespace, horizontalpodautoscaler) kube_horizontalpodautoscaler_spec_max_replicas{namespace="webapp-prod"}',
    );
    expect(expr('PersistentVolumeFillingUp')).toContain('kubelet_volume_stats_used_bytes{namespace="webapp-prod"} / kubelet_volume_stats_capacity_bytes{namespace="webapp-prod"}');
  });

  it('leave out the exporters of disabled datastores or exporters', () => {
    const names = environmentAlertGroups(configFromYaml('tier: prod\nredis: { metrics: { enabled: false } }'), 'ns').flatMap((g) => g.rules.map((r) => r.alert));
    expect(names).toContain('MongoDBDown');
    expect(names).not.toContain('RedisDown');
  });

  it('ship as one PrometheusRule for the namespace and one beside each measured web service, selected by the Prometheus release label', () => {
    for (const env of [prod, dev]) {
      const file = env.files.find((f) => f.name === '50-monitoring.yaml')!;
      const rule = file.objects.filter((o) => o.kind === 'PrometheusRule') as any[];
      expect(rule).toHaveLength(1);
      expect(rule[0].metadata).toMatchObject({ name: 'webapp-alerts', labels: { release: 'kube-prometheus-stack' } });
      const ns = rule[0].metadata.namespace;
      expect(rule[0].spec.groups.map((g: any) => g.name)).toEqual([`${ns}.workloads`, `${ns}.datastores`]);
      const backend = env.files.find((f) => f.name === '30-backend.yaml')!.objects.filter((o) => o.kind === 'PrometheusRule') as any[];
      expect(backend.map((r) => r.metadata.name)).toEqual(['backend']);
      expect(backend[0].metadata.labels).toMatchObject({ release: 'kube-prometheus-stack', 'app.kubernetes.io/name': 'backend' });
      expect(backend[0].spec.groups.map((g: any) => g.name)).toEqual([`${ns}.web-services.backend`]);
      expect(env.files.find((f) => f.name === '30-frontend.yaml')!.objects.filter((o) => o.kind === 'PrometheusRule')).toEqual([]);
    }
    const off = renderYaml('tier: prod\nmonitoring: { alerts: { enabled: false } }');
    expect(findAll(off, 'PrometheusRule')).toEqual([]);
  });

  it('ship the logging alerts in the logging namespace, for the shipper that runs, with thresholds from monitoring.alerts.logs', () => {
    const rule = findAll(prod, 'PrometheusRule').find((r) => r.metadata.name === 'logging-alerts')!;
    expect(prod.files.find((f) => f.name === '60-logging.yaml')!.objects).toContain(rule);
    expect(rule.metadata).toMatchObject({ namespace: 'webapp-prod-logging', labels: { release: 'kube-prometheus-stack' } });
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['webapp-prod-logging.logging']);
    const alerts = rule.spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts).toEqual([
      'LogShipperNotReady',
      'LogShipperDown',
      'LogShipperPushFailures',
      'LogShipperDroppingLogs',
      'LokiDown',
      'LokiRequestErrors',
      'LokiDiscardingLogs',
      'LokiIngesterAppendFailures',
      'LokiDiskFillingUp',
    ]);
    expect(findAll(dev, 'PrometheusRule').map((r) => r.metadata.name)).not.toContain('logging-alerts');

    const group = loggingAlertGroup(
      configFromYaml('tier: prod\nlogs: { shipper: promtail }\nmonitoring:\n  alerts:\n    logs: { pushFailures: { max: 0.2 }, lokiDiskFull: { withinHours: 24 } }\n'),
      'ns-logging',
    );
    const expr = (name: string) => group.rules.find((r) => r.alert === name)!.expr;
    expect(expr('LogShipperDown')).toBe('up{namespace="ns-logging",service="promtail-metrics"} == 0');
    expect(expr('LogShipperPushFailures')).toMatch(/promtail_request_duration_seconds_count\{[^}]*status_code!~"2\.\."\}.* > 0\.2$/);
    expect(expr('LogShipperDroppingLogs')).toContain('increase(promtail_dropped_entries_total{namespace="ns-logging",service="promtail-metrics"}[10m])');
    expect(expr('LokiDiskFillingUp')).toContain('predict_linear(kubelet_volume_stats_available_bytes{namespace="ns-logging",persistentvolumeclaim="data-loki-0"}[6h], 86400) < 0');
    for (const off of ['monitoring: { alerts: { enabled: false } }', 'monitoring: { enabled: false }']) {
      expect(findAll(renderYaml(`tier: prod\n${off}`), 'PrometheusRule').map((r) => r.metadata.name)).not.toContain('logging-alerts');
    }
  });

  it('no PrometheusRule grows with the number of services', () => {
    const sizes = (count: number) => {
      const services = Array.from({ length: count }, (_, i) => `  svc-${i}: { image: { repository: example/svc, tag: "1.0.0" }, port: 8080 }`).join('\n');
      const env = renderYaml(`tier: prod\nservices:\n  backend: { enabled: false }\n  frontend: { enabled: false }\n${services}\n`);
      return findAll(env, 'PrometheusRule').map((r) => JSON.stringify(r).length);
    };
    const [one, many] = [sizes(1), sizes(30)];
    expect(many).toHaveLength(one.length + 29);
    expect(Math.max(...many)).toBe(Math.max(...one));
  });
});

describe('Alertmanager receivers', () => {
  const receivers = `
tier: prod
monitoring:
  receivers:
    oncall:
      severities: [critical]
      pagerduty: { routingKey: { secretName: alerting, key: pagerduty-routing-key } }
    team:
      slack: { apiUrl: { secretName: alerting, key: slack-webhook-url }, channel: "#webapp" }
      email:
        to: team@example.com
        from: alerts@example.com
        smarthost: smtp.example.com:587
        authUsername: alerts
        authPassword: { secretName: alerting, key: smtp-password }
    audit:
      severities: [critical, warning, info]
      webhook: { url: { secretName: alerting, key: webhook-url } }
`;
  const env = renderYaml(receivers);
  const amc = find(env, 'AlertmanagerConfig', 'webapp');

  it('are optional', () => {
    expect(findAll(prod, 'AlertmanagerConfig')).toEqual([]);
    expect(alertmanagerConfigSpec(configFromYaml('tier: prod\n').monitoring)).toBeUndefined();
  });

  it('become an AlertmanagerConfig valid against its CRD', () => {
    expect(amc.apiVersion).toBe('monitoring.coreos.com/v1alpha1');
    expect(amc.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(validateManifests(objectsOf(env))).toEqual([]);
  });

  it('route each severity to the receivers that want it', () => {
    expect(amc.spec.route).toMatchObject({ receiver: 'null', groupBy: ['alertname', 'namespace', 'service'], groupWait: '30s', repeatInterval: '4h' });
    expect(amc.spec.route.routes).toEqual([
      { receiver: 'audit', matchers: [{ name: 'severity', matchType: '=~', value: 'critical|warning|info' }], continue: true },
      { receiver: 'oncall', matchers: [{ name: 'severity', matchType: '=~', value: 'critical' }], continue: true },
      { receiver: 'team', matchers: [{ name: 'severity', matchType: '=~', value: 'critical|warning' }], continue: true },
    ]);
  });

  it('reference every URL and key as a Secret key, never a value', () => {
    const byName = Object.fromEntries(amc.spec.receivers.map((r: any) => [r.name, r]));
    expect(byName.null).toEqual({ name: 'null' });
    expect(byName.oncall.pagerdutyConfigs[0].routingKey).toEqual({ name: 'alerting', key: 'pagerduty-routing-key' });
    expect(byName.team.slackConfigs[0]).toMatchObject({ apiURL: { name: 'alerting', key: 'slack-webhook-url' }, channel: '#webapp', sendResolved: true });
    expect(byName.team.emailConfigs[0]).toMatchObject({ smarthost: 'smtp.example.com:587', authPassword: { name: 'alerting', key: 'smtp-password' } });
    expect(byName.audit.webhookConfigs[0]).toEqual({ urlSecret: { name: 'alerting', key: 'webhook-url' }, sendResolved: true });
    expect(JSON.stringify(amc)).not.toMatch(/https?:\/\//);
  });

  it('are validated', () => {
    expect(problemsOf('monitoring: { receivers: { team: { severities: [critical] } } }')).toEqual([
      'monitoring.receivers.team (line 1, column 28): a receiver needs at least one of slack, email, pagerduty or webhook',
    ]);
    expect(problemsOf('monitoring: { receivers: { "null": { webhook: { url: { secretName: s, key: k } } } } }')[0]).toContain('reserved');
    expect(problemsOf('monitoring: { receivers: { x: { email: { to: a@b, from: c@d, smarthost: "smtp:25", authUsername: u } } } }')[0]).toContain(
      'set authUsername and authPassword together',
    );
    expect(problemsOf('monitoring: { receivers: { x: { slack: { apiUrl: "https://hooks.slack.com/x" } } } }')[0]).toMatch(/^monitoring\.receivers\.x\.slack\.apiUrl/);
  });
});

/** Where Grafana's LogQL grammar finds a syntax error in `expr` (none: it parses). */
function logqlErrors(expr: string): number[] {
  const errors: number[] = [];
  logqlParser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

describe('Grafana dashboards', () => {
  const ctx = environmentContext('prod', configFromYaml('tier: prod\nnamespace: webapp-prod'));
  const dashboards = Object.fromEntries(environmentDashboards(ctx).map((d) => [d.slug, d.model]));
  const panels = (slug: string) => dashboards[slug].panels.filter((p) => p.type !== 'row');

  it('ship as ConfigMaps carrying the Grafana sidecar label', () => {
    const maps = findAll(prod, 'ConfigMap').filter((c) => c.metadata.labels.grafana_dashboard === '1');
    expect(maps.map((c) => c.metadata.name)).toEqual(['grafana-dashboard-overview', 'grafana-dashboard-canary-backend', 'grafana-dashboard-infrastructure']);
    expect(Object.keys(maps[0].data)).toEqual(['webapp-prod-overview.json']);
    expect(JSON.parse(maps[0].data['webapp-prod-overview.json']).uid).toBe('webapp-prod-overview');
  });

  it('use the configured sidecar label, or none', () => {
    const custom = renderYaml('tier: prod\nmonitoring: { grafana: { dashboards: { label: grafana/dashboard, labelValue: webapp } } }');
    expect(find(custom, 'ConfigMap', 'grafana-dashboard-overview').metadata.labels).toMatchObject({ 'grafana/dashboard': 'webapp' });
    expect(
      findAll(renderYaml('tier: prod\nmonitoring: { grafana: { dashboards: { enabled: false } } }'), 'ConfigMap').filter((c) => c.metadata.name.startsWith('grafana-dashboard-')),
    ).toHaveLength(0);
  });

  it('have the panels the issue asks for', () => {
    expect(panels('overview').map((p) => p.title)).toEqual([
      'Request rate',
      'Error rate (5xx)',
      'Availability over the time range',
      'Responses by status',
      'p50 latency',
      'p95 latency',
      'p99 latency',
      'CPU by pod (cores)',
      'CPU used of limit',
      'Memory by pod',
      'Memory used of limit',
      'Container restarts (1h)',
      'Available replicas',
      'Log lines by service and track',
      'Error lines',
      'Logs',
    ]);
    expect(panels('canary-backend')).toHaveLength(10);
    expect(panels('infrastructure').length).toBeGreaterThanOrEqual(8);
    expect(panels('infrastructure').map((p) => p.title)).toEqual(expect.arrayContaining(['Volume usage', 'MongoDB up', 'Redis up']));
  });

  it('number panels in order and lay them out on the 24-column grid without overlaps', () => {
    for (const model of Object.values(dashboards)) {
      expect(model.panels.map((p) => p.id)).toEqual(model.panels.map((_, i) => i + 1));
      const cells = new Set<string>();
      for (const p of model.panels) {
        const { x, y, w, h } = p.gridPos as Record<string, number>;
        expect(x + w, p.title).toBeLessThanOrEqual(24);
        for (let i = x; i < x + w; i++) {
          for (let j = y; j < y + h; j++) {
            expect(cells.has(`${i},${j}`), `${model.uid} ${p.title}`).toBe(false);
            cells.add(`${i},${j}`);
          }
        }
      }
    }
  });

  it('legends are literal Grafana templates and queries stay within the environment namespace', () => {
    const targets = panels('overview').flatMap((p) => p.targets!) as any[];
    expect(targets.map((t) => t.legendFormat)).toContain('{{pod}}');
    for (const model of Object.values(dashboards)) {
      for (const t of model.panels.flatMap((p) => p.targets ?? []) as any[]) expect(t.expr, t.expr).toContain('namespace="webapp-prod"');
    }
  });

  it('show canary and stable per track, against the canary analysis thresholds', () => {
    const byTitle = Object.fromEntries(panels('canary-backend').map((p) => [p.title, p as any]));
    expect(byTitle['Request rate'].targets[0]).toMatchObject({ legendFormat: '{{track}}', expr: expect.stringContaining('sum by (track)') });
    expect(byTitle['Error rate (5xx)'].fieldConfig.defaults.thresholds.steps).toContainEqual({ color: 'red', value: 0.05 });
    expect(byTitle['CPU (cores)'].targets.map((t: any) => t.legendFormat)).toEqual(['stable', 'canary']);
  });

  it("show the environment's pod logs in a Logs row of the overview, from its Loki, filtered by the service and track variables", () => {
    const overview = dashboards.overview;
    const loki = { type: 'loki', uid: 'loki-webapp-prod' };
    const rows = overview.panels.filter((p) => p.type === 'row').map((p) => p.title);
    expect(rows.at(-1)).toBe('Logs');
    const logPanels = overview.panels.slice(overview.panels.findIndex((p) => p.title === 'Logs' && p.type === 'row') + 1);
    expect(logPanels.map((p) => [p.type, p.title])).toEqual([
      ['timeseries', 'Log lines by service and track'],
      ['timeseries', 'Error lines'],
      ['logs', 'Logs'],
    ]);
    for (const p of logPanels) {
      expect(p.datasource).toEqual(loki);
      for (const t of p.targets!) {
        expect(t.datasource).toEqual(loki);
        expect(t.expr).toContain('{namespace="webapp-prod", app=~"$service", track=~"$track"}');
      }
    }
    // The uid is the one of the datasource the logging chart provisions.
    const provisioned = findAll(prod, 'ConfigMap').find((c) => c.metadata.name === 'grafana-datasource-loki')!;
    expect(provisioned.data['loki-datasource.yaml']).toContain('uid: loki-webapp-prod');
    const variables = (overview.templating as any).list;
    expect(variables.map((v: any) => v.name)).toEqual(['datasource', 'service', 'track']);
    expect(variables[1]).toMatchObject({ type: 'query', datasource: loki, query: 'label_values({namespace="webapp-prod"}, app)', includeAll: true, allValue: '.+', multi: true });
    expect(variables[2]).toMatchObject({ type: 'query', datasource: loki, query: 'label_values({namespace="webapp-prod"}, track)', includeAll: true, allValue: '.*' });
    // The labels filtered on are the ones every shipper sets.
    expect(podLogLabelRules().map((r) => r.target_label)).toEqual(expect.arrayContaining(['namespace', 'app', 'track']));
    // Without logs there is no Loki to query: no row, no variables.
    const devOverview = environmentDashboards(environmentContext('dev', configFromYaml('tier: dev\nnamespace: webapp-dev\nlogs: { enabled: false }')))[0].model;
    expect(devOverview.panels.map((p) => p.title)).not.toContain('Logs');
    expect((devOverview.templating as any).list.map((v: any) => v.name)).toEqual(['datasource']);
  });

  it("every Loki query parses with Grafana's LogQL grammar (@grafana/lezer-logql), as Grafana interpolates it; broken ones do not", () => {
    const queries = Object.values(dashboards).flatMap((model) => dashboardQueries(model, 'loki'));
    expect(queries.length).toBeGreaterThanOrEqual(3);
    const interpolated = (expr: string) => interpolateForPrometheus(expr).replaceAll('$service', '.+').replaceAll('$track', '.*');
    for (const q of queries) expect(logqlErrors(interpolated(q.expr)), q.expr).toEqual([]);
    expect(logqlErrors('sum by (app (count_over_time({namespace="x"}[1m]))')).not.toEqual([]);
    expect(logqlErrors('{namespace="x" |= "error"')).not.toEqual([]);
  });

  it('do not grow with the number of services: one query per panel for all services, one canary dashboard per service', () => {
    const services = (count: number) =>
      Array.from({ length: count }, (_, i) => `  svc-${String(i).padStart(3, '0')}: { image: { repository: example/svc, tag: "1.0.0" }, port: 8080 }`).join('\n');
    const models = (count: number) =>
      environmentDashboards(
        environmentContext(
          'prod',
          configFromYaml(`tier: prod\nnamespace: webapp-prod\nservices:\n  backend: { enabled: false }\n  frontend: { enabled: false }\n${services(count)}\n`),
        ),
      );
    const [one, many] = [models(1), models(200)];
    expect(many.map((d) => d.slug)).toEqual(['overview', ...Array.from({ length: 200 }, (_, i) => `canary-svc-${String(i).padStart(3, '0')}`), 'infrastructure']);
    const size = (ds: typeof one, slug: string) => dashboardJson(ds.find((d) => d.slug === slug)!.model).length;
    expect(size(many, 'overview')).toBe(size(one, 'overview'));
    expect(size(many, 'canary-svc-199')).toBe(size(one, 'canary-svc-000'));
    const overview = many[0].model.panels.find((p) => p.title === 'Request rate')!;
    expect(overview.targets).toEqual([
      expect.objectContaining({
        legendFormat: '{{service}}',
        expr: 'sum by (service) (label_replace(rate(http_requests_total{namespace="webapp-prod"}[$__rate_interval]), "service", "$1", "service", "(.+)-canary"))',
      }),
    ]);
  });

  it('query each group of services whose metrics are named alike once, naming the services only where another group shares a metric', () => {
    const ctx2 = environmentContext(
      'prod',
      configFromYaml(
        'tier: prod\nnamespace: ns\nservices:\n  frontend: { enabled: false }\n' +
          '  api: { image: { repository: example/api, tag: "1.0.0" }, port: 8080 }\n' +
          '  legacy: { image: { repository: example/legacy, tag: "1.0.0" }, port: 8080, canary: { analysis: { statusLabel: code } } }\n' +
          '  other: { image: { repository: example/other, tag: "1.0.0" }, port: 8080, canary: { analysis: { requestsMetric: requests_total, durationMetric: request_seconds } } }\n',
      ),
    );
    const errors = environmentDashboards(ctx2)[0]
      .model.panels.find((p) => p.title === 'Error rate (5xx)')!
      .targets!.map((t) => t.expr);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toContain('service=~"(backend|api)(-canary)?"');
    expect(errors[0]).toContain('status_code=~"5.."');
    expect(errors[1]).toContain('service=~"(legacy)(-canary)?"');
    expect(errors[1]).toContain('code=~"5.."');
    expect(errors[2]).toContain('rate(requests_total{namespace="ns",status_code=~"5.."}');
  });

  it('link to the other dashboards of the environment, with uids unique within 40 characters', () => {
    for (const model of Object.values(dashboards)) expect(model.links).toEqual([expect.objectContaining({ type: 'dashboards', tags: ['webapp', 'prod'], asDropdown: true })]);
    const long = 'a'.repeat(30);
    const [a, b] = [dashboardUid(long, `canary-${'x'.repeat(20)}1`), dashboardUid(long, `canary-${'x'.repeat(20)}2`)];
    expect(a).toHaveLength(40);
    expect(b).toHaveLength(40);
    expect(a).not.toBe(b);
    expect(dashboardUid('webapp-prod', 'overview')).toBe('webapp-prod-overview');
  });

  it('are deterministic JSON with sorted keys', () => {
    const again = Object.fromEntries(environmentDashboards(ctx).map((d) => [d.slug, d.model]));
    for (const slug of Object.keys(dashboards)) {
      const json = dashboardJson(dashboards[slug]);
      expect(dashboardJson(again[slug])).toBe(json);
      const keysSorted = (v: unknown): boolean =>
        Array.isArray(v) ? v.every(keysSorted) : v && typeof v === 'object' ? Object.keys(v).join() === Object.keys(v).sort().join() && Object.values(v).every(keysSorted) : true;
      expect(keysSorted(JSON.parse(json))).toBe(true);
    }
  });
});

describe('dashboard builder', () => {
  it('flows panels left to right, wraps at 24 columns and starts a new line at each row', () => {
    const model = buildDashboard({
      uid: 'test',
      title: 'Test',
      tags: [],
      panels: [
        timeseries('a', [{ expr: 'up' }], { unit: 'short', width: 12 }),
        stat('b', [{ expr: 'up' }], { unit: 'short', width: 12, height: 4 }),
        timeseries('c', [{ expr: 'up' }], { unit: 'short', width: 8 }),
        row('r'),
        timeseries('d', [{ expr: 'up' }, { expr: 'up', legend: '{{pod}}' }], { unit: 's' }),
      ],
    });
    expect(model.panels.map((p) => [p.id, p.title, p.gridPos])).toEqual([
      [1, 'a', { h: 8, w: 12, x: 0, y: 0 }],
      [2, 'b', { h: 4, w: 12, x: 12, y: 0 }],
      [3, 'c', { h: 8, w: 8, x: 0, y: 8 }],
      [4, 'r', { h: 1, w: 24, x: 0, y: 16 }],
      [5, 'd', { h: 8, w: 8, x: 0, y: 17 }],
    ]);
    expect(model.panels[4].targets!.map((t: any) => [t.refId, t.legendFormat])).toEqual([
      ['A', '__auto'],
      ['B', '{{pod}}'],
    ]);
  });

  it('names queries A..Z, AA..', () => {
    expect([0, 25, 26, 27, 51, 52].map(refId)).toEqual(['A', 'Z', 'AA', 'AB', 'AZ', 'BA']);
  });

  it('rejects a uid Grafana would not accept', () => {
    expect(() => buildDashboard({ uid: 'x'.repeat(41), title: 't', tags: [], panels: [] })).toThrow(/longer than 40/);
  });
});

describe('logs', () => {
  const logging = prod.files.find((f) => f.name === '60-logging.yaml')!;
  const inLogging = (kind: string, name: string) => logging.objects.find((o: any) => o.kind === kind && o.metadata.name === name) as any;
  const lokiConfig = parse(inLogging('ConfigMap', 'loki-config').data['loki.yaml']);
  /** The reference prod with another shipper or Alloy mode. */
  const withLogs = (logs: string) => renderYaml(`tier: prod\nlogs: ${logs}\n`);
  const filePaths = (spec: any) => spec.volumes.filter((v: any) => v.hostPath).map((v: any) => v.hostPath.path);

  it('run in their own namespace, which stays restricted with Alloy tailing through the API (the default)', () => {
    const [app, logs] = findAll(prod, 'Namespace');
    expect(logs.metadata.name).toBe('webapp-prod-logging');
    expect(logs.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
    expect(app.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(podTemplates(prod).filter((p) => p.spec.securityContext.runAsNonRoot !== true)).toEqual([]);
  });

  it('admit privileged pods to the logging namespace only for a shipper that reads host paths', () => {
    for (const [logs, shipper] of [
      ['{ alloy: { mode: file } }', 'alloy'],
      ['{ shipper: promtail }', 'promtail'],
    ]) {
      const env = withLogs(logs);
      expect(find(env, 'Namespace', 'webapp-test-logging').metadata.labels['pod-security.kubernetes.io/enforce'], logs).toBe('privileged');
      expect(find(env, 'Namespace', 'webapp-test-logging').metadata.labels['pod-security.kubernetes.io/warn'], logs).toBeUndefined();
      expect(
        podTemplates(env)
          .filter((p) => p.spec.securityContext.runAsNonRoot !== true)
          .map((p) => p.owner),
        logs,
      ).toEqual([`DaemonSet/${shipper}`]);
      expect(filePaths(find(env, 'DaemonSet', shipper).spec.template.spec), logs).toEqual([`/var/lib/${shipper}/webapp-test-logging`, '/var/log/pods']);
      expect(validateManifests(objectsOf(env)), logs).toEqual([]);
    }
  });

  it('keep Loki 3 on a volume with 30 days of retention enforced by the compactor, schema v13 from its day on', () => {
    const sts = inLogging('StatefulSet', 'loki');
    expect(sts.spec.template.spec.containers[0].image).toBe('docker.io/grafana/loki:3.7.6');
    expect(sts.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe('10Gi');
    expect(sts.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(lokiConfig.compactor).toMatchObject({ retention_enabled: true, delete_request_store: 'filesystem', working_directory: '/var/loki/compactor' });
    expect(lokiConfig.limits_config).toMatchObject({ retention_period: '720h', ingestion_rate_mb: 8, ingestion_burst_size_mb: 16, max_global_streams_per_user: 10000 });
    expect(lokiConfig.schema_config.configs).toEqual([
      { from: '2024-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v12', index: { prefix: 'index_', period: '24h' } },
      { from: '2026-12-14', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } },
    ]);
    expect(lokiConfig.common.storage.filesystem.chunks_directory).toBe('/var/loki/chunks');
    expect(inLogging('Service', 'loki').spec.ports).toEqual([{ name: 'http', port: 3100, targetPort: 'http', protocol: 'TCP' }]);
    expect(sts.spec.template.metadata.annotations['checksum/config']).toMatch(/^[0-9a-f]{64}$/);
  });

  it("start Loki's v13 period on the configured day, and keep structured metadata off while a v12 period can be active (Loki refuses to start otherwise)", () => {
    const config = parse(find(withLogs('{ loki: { schemaV13From: "2027-01-05" } }'), 'ConfigMap', 'loki-config').data['loki.yaml']);
    expect(config.schema_config.configs.map((c: any) => [c.from, c.schema])).toEqual([
      ['2024-01-01', 'v12'],
      ['2027-01-05', 'v13'],
    ]);
    expect(config.limits_config.allow_structured_metadata).toBe(false);
    expect(problemsOf('logs: { loki: { schemaV13From: "2027-02-30" } }')[0]).toMatch(/^logs\.loki\.schemaV13From.*calendar day/);
    expect(problemsOf('logs: { loki: { schemaV13From: "14.12.2026" } }')[0]).toMatch(/^logs\.loki\.schemaV13From.*YYYY-MM-DD/);
  });

  it('give the shipper read access to pods (and their logs, tailing through the API) in the namespaces it ships from only', () => {
    const roles = (env: any) => findAll(env, 'Role').map((r: any) => [r.metadata.namespace, r.metadata.name, r.rules]);
    const pods = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] };
    const podLogs = { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] };
    expect(roles(prod)).toEqual([
      ['webapp-prod', 'log-shipper', [pods, podLogs]],
      ['webapp-prod-logging', 'log-shipper', [pods, podLogs]],
    ]);
    expect(roles(withLogs('{ alloy: { mode: file } }')).map((r) => r[2])).toEqual([[pods], [pods]]);
    expect(roles(withLogs('{ shipper: promtail }')).map((r) => r[2])).toEqual([[pods], [pods]]);
    for (const binding of findAll(prod, 'RoleBinding')) {
      expect(binding).toMatchObject({ roleRef: { kind: 'Role', name: 'log-shipper' }, subjects: [{ kind: 'ServiceAccount', name: 'alloy', namespace: 'webapp-prod-logging' }] });
    }
    expect(findAll(prod, 'ClusterRole')).toEqual([]);
    expect(findAll(prod, 'ClusterRoleBinding')).toEqual([]);
  });

  it("run Alloy on every node, tailing the environment's pod logs through the API without host access by default", () => {
    const ds = inLogging('DaemonSet', 'alloy').spec.template.spec;
    expect(ds.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.containers[0].image).toBe('docker.io/grafana/alloy:v1.18.1');
    expect(ds.containers[0].args).toEqual([
      'run',
      '/etc/alloy/config.alloy',
      '--storage.path=/var/lib/alloy/data',
      '--server.http.listen-addr=0.0.0.0:12345',
      '--disable-reporting',
      '--stability.level=generally-available',
    ]);
    expect(ds.containers[0].env).toEqual([{ name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    expect(ds.containers[0].ports).toEqual([{ name: 'http-metrics', containerPort: 12345, protocol: 'TCP' }]);
    expect(ds.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 473, runAsGroup: 473 });
    expect(filePaths(ds)).toEqual([]);
    expect(ds.volumes.map((v: any) => v.name)).toEqual(['config', 'storage', 'tmp']);
    const text = inLogging('ConfigMap', 'alloy-config').data['config.alloy'];
    expect(text).toContain('loki.source.kubernetes "pods" {');
    expect(text).not.toContain('loki.source.file');
    expect(text).toContain('url = "http://loki.webapp-prod-logging.svc.cluster.local:3100/loki/api/v1/push"');
    expect(text).toContain('names = ["webapp-prod", "webapp-prod-logging"]');
    expect(text).toContain('field = string.format("spec.nodeName=%s", sys.env("HOSTNAME"))');
  });

  it('read the node log files with Alloy in file mode, parsing the CRI format as Promtail does', () => {
    const env = withLogs('{ alloy: { mode: file } }');
    const ds = find(env, 'DaemonSet', 'alloy').spec.template.spec;
    expect(ds.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false });
    expect(ds.containers[0].volumeMounts).toContainEqual({ name: 'pod-logs', mountPath: '/var/log/pods', readOnly: true });
    expect(ds.volumes).toContainEqual({ name: 'storage', hostPath: { path: '/var/lib/alloy/webapp-test-logging', type: 'DirectoryOrCreate' } });
    const text = find(env, 'ConfigMap', 'alloy-config').data['config.alloy'];
    expect(text).toContain('local.file_match "pods" {');
    expect(text).toContain('loki.source.file "pods" {');
    expect(text).toContain('stage.cri { }');
    expect(text).toContain('replacement = "/var/log/pods/*$1/*.log"');
    expect(text).not.toContain('loki.source.kubernetes');
  });

  it('ship with Promtail 3.6.11, its last release, when chosen', () => {
    const env = withLogs('{ shipper: promtail }');
    const ds = find(env, 'DaemonSet', 'promtail').spec.template.spec;
    const promtailConfig = parse(find(env, 'ConfigMap', 'promtail-config').data['promtail.yaml']);
    expect(ds.tolerations).toEqual([{ operator: 'Exists' }]);
    expect(ds.containers[0].image).toBe('docker.io/grafana/promtail:3.6.11');
    expect(ds.containers[0].env).toEqual([{ name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }]);
    expect(promtailConfig.clients).toEqual([{ url: 'http://loki.webapp-test-logging.svc.cluster.local:3100/loki/api/v1/push' }]);
    expect(promtailConfig.positions.filename).toBe('/run/promtail/positions.yaml');
    expect(ds.volumes).toContainEqual({ name: 'positions', hostPath: { path: '/var/lib/promtail/webapp-test-logging', type: 'DirectoryOrCreate' } });
    const scrape = promtailConfig.scrape_configs[0];
    expect(scrape.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['webapp-test', 'webapp-test-logging'] } }]);
    const targets = Object.fromEntries(scrape.relabel_configs.map((r: any) => [r.target_label, r.source_labels]));
    expect(targets).toMatchObject({
      __host__: ['__meta_kubernetes_pod_node_name'],
      namespace: ['__meta_kubernetes_namespace'],
      pod: ['__meta_kubernetes_pod_name'],
      container: ['__meta_kubernetes_pod_container_name'],
      app: ['__meta_kubernetes_pod_label_app_kubernetes_io_name', '__meta_kubernetes_pod_label_app', '__meta_kubernetes_pod_name'],
      track: ['__meta_kubernetes_pod_label_track'],
      __path__: ['__meta_kubernetes_pod_uid', '__meta_kubernetes_pod_container_name'],
    });
    expect(scrape.relabel_configs.find((r: any) => r.target_label === '__path__').replacement).toBe('/var/log/pods/*$1/*.log');
  });

  it('give Alloy and Promtail the same stream labels, from one list of rules', () => {
    const promtailRules = parse(find(withLogs('{ shipper: promtail }'), 'ConfigMap', 'promtail-config').data['promtail.yaml']).scrape_configs[0].relabel_configs;
    const labels = promtailRules.map((r: any) => r.target_label).filter((l: string) => !l.startsWith('__'));
    expect(labels).toEqual(['node', 'namespace', 'pod', 'container', 'app', 'track']);
    for (const mode of ['api', 'file']) {
      const text = find(withLogs(`{ alloy: { mode: ${mode} } }`), 'ConfigMap', 'alloy-config').data['config.alloy'];
      expect(
        [...text.matchAll(/target_label = "([^"]+)"/g)].map((m) => m[1]).filter((l) => !l.startsWith('__')),
        mode,
      ).toEqual(labels);
    }
  });

  it('let Prometheus scrape Loki (once, through its main Service) and the shipper', () => {
    const monitors = Object.fromEntries(findAll(prod, 'ServiceMonitor').map((m: any) => [m.metadata.name, m]));
    expect(monitors.loki.metadata.namespace).toBe('webapp-prod-logging');
    expect(monitors.loki.spec.endpoints).toEqual([
      { port: 'http', interval: '15s', relabelings: [{ sourceLabels: ['__meta_kubernetes_service_name'], regex: 'loki', action: 'keep' }] },
    ]);
    expect(monitors.alloy.spec.endpoints).toEqual([{ port: 'http-metrics', interval: '15s' }]);
    expect(find(prod, 'Service', 'alloy-metrics').spec).toMatchObject({
      clusterIP: 'None',
      ports: [{ name: 'http-metrics', port: 12345, targetPort: 'http-metrics', protocol: 'TCP' }],
    });
    expect(findAll(withLogs('{ shipper: promtail }'), 'ServiceMonitor').map((m: any) => m.metadata.name)).toContain('promtail');
  });

  it('add a Loki datasource for the Grafana sidecar', () => {
    const cm = inLogging('ConfigMap', 'grafana-datasource-loki');
    expect(cm.metadata.labels.grafana_datasource).toBe('1');
    expect(parse(cm.data['loki-datasource.yaml']).datasources).toEqual([
      {
        name: 'Loki (webapp-prod)',
        uid: 'loki-webapp-prod',
        type: 'loki',
        access: 'proxy',
        url: 'http://loki.webapp-prod-logging.svc.cluster.local:3100',
        jsonData: { maxLines: 1000 },
      },
    ]);
  });

  it('are off in dev and configurable elsewhere', () => {
    expect(dev.files.map((f) => f.name)).not.toContain('60-logging.yaml');
    expect(findAll(dev, 'Namespace')).toHaveLength(1);
    const custom = renderYaml('tier: prod\nlogs: { namespace: observability, loki: { retentionPeriod: 14d, image: { tag: "3.7.5" } } }');
    expect(find(custom, 'StatefulSet', 'loki').metadata.namespace).toBe('observability');
    expect(parse(find(custom, 'ConfigMap', 'loki-config').data['loki.yaml']).limits_config.retention_period).toBe('14d');
    expect(validateManifests(objectsOf(custom))).toEqual([]);
  });

  it('reject a retention Loki cannot apply, and shippers or modes that do not exist', () => {
    expect(problemsOf('logs: { loki: { retentionPeriod: 36h } }')[0]).toContain('whole days');
    expect(problemsOf('logs: { shipper: fluentbit }')[0]).toMatch(/^logs\.shipper/);
    expect(problemsOf('logs: { alloy: { mode: journal } }')[0]).toMatch(/^logs\.alloy\.mode/);
  });
});
