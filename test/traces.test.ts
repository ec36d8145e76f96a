/**
 * Traces (optional, off by default): the OpenTelemetry settings injected into the workloads, the
 * NetworkPolicy egress to the collector they name, and the links from dashboards and log lines to
 * the traces in Tempo. TraceQL in the links is parsed with Grafana's own TraceQL grammar.
 */
import { parser as traceqlParser } from '@grafana/lezer-traceql';
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { environmentContext } from '../config/context.js';
import { collectorEndpoint, traceEnv } from '../config/traces.js';
import { environmentDashboards } from '../observability/dashboards.js';
import { grafanaVar } from '../observability/grafana.js';
import { isAllowed, type PodEndpoint } from '../policy/network/evaluate.js';
import { validateManifests } from '../core/validate/index.js';
import { buildHelmChart } from '../helm/chart.js';
import { renderEnvironment } from '../charts/render.js';
import { ENVIRONMENTS_DIR, loadEnvironment } from '../config/load.js';
import { helmRows, helmTemplate } from './helm/render.js';
import { chartDifferences } from './helm/compare.js';
import { configFromYaml, find, findAll, objectsOf, podTemplates, problemsOf, renderYaml } from './helpers.js';

const COLLECTOR = 'traces: { enabled: true, collector: { service: otel-collector, namespace: observability }, samplerRatio: 0.25 }\n';

/** The OTEL_* variables of a workload's main container, by name. */
function otelEnv(env: ReturnType<typeof renderYaml>, kind: string, name: string): Record<string, unknown> {
  const container = find(env, kind, name).spec.template.spec.containers[0];
  return Object.fromEntries((container.env ?? []).filter((e: any) => e.name.startsWith('OTEL_')).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

describe('traces: configuration', () => {
  it('are off by default: no workload gets OpenTelemetry settings', () => {
    const env = renderYaml('tier: prod\n');
    for (const t of podTemplates(env))
      for (const c of t.spec.containers)
        expect(
          (c.env ?? []).map((e: any) => e.name).filter((n: string) => n.startsWith('OTEL_')),
          t.owner,
        ).toEqual([]);
  });

  it('name their collector: a Service with its namespace, or a host, one clear line each', () => {
    expect(problemsOf('traces: { enabled: true }')).toEqual([expect.stringMatching(/^traces\.collector.*traces\.enabled needs a collector/)]);
    expect(problemsOf('traces: { enabled: true, collector: { service: otel } }')).toEqual([
      expect.stringMatching(/^traces\.collector\.namespace.*needs both service and namespace/),
    ]);
    expect(problemsOf('traces: { enabled: true, collector: { host: otlp.example.com, service: otel, namespace: o } }')).toEqual([
      expect.stringMatching(/^traces\.collector\.host.*either by service and namespace or by host/),
    ]);
    expect(problemsOf('traces: { enabled: true, collector: { host: "not a host" } }')).toEqual([expect.stringMatching(/^traces\.collector\.host.*must be a host name/)]);
    expect(problemsOf('traces: { samplerRatio: 2 }')).toEqual([expect.stringMatching(/^traces\.samplerRatio/)]);
    expect(problemsOf(`${COLLECTOR}`)).toEqual([]);
  });

  it('build the endpoint from the collector, its protocol and port', () => {
    const t = (yaml: string) => configFromYaml(yaml).traces;
    expect(collectorEndpoint(t(COLLECTOR))).toBe('http://otel-collector.observability.svc.cluster.local:4317');
    expect(collectorEndpoint(t('traces: { enabled: true, protocol: http/protobuf, collector: { service: alloy, namespace: monitoring } }'))).toBe(
      'http://alloy.monitoring.svc.cluster.local:4318',
    );
    expect(collectorEndpoint(t('traces: { enabled: true, collector: { host: otlp.example.com } }'))).toBe('https://otlp.example.com:4317');
    expect(collectorEndpoint(t('traces: { enabled: true, collector: { host: otlp.example.com, port: 443, tls: true } }'))).toBe('https://otlp.example.com:443');
  });

  it('give the standard SDK variables, with the resource attributes of the environment and of the very pod', () => {
    const vars = traceEnv(configFromYaml(COLLECTOR).traces, { workload: 'backend', environment: 'prod', namespace: 'webapp-prod', app: 'webapp' });
    expect(Object.fromEntries(vars.map((v) => [v.name, 'value' in v ? v.value : v.valueFrom.fieldRef.fieldPath]))).toEqual({
      OTEL_POD_VERSION: "metadata.labels['app.kubernetes.io/version']",
      OTEL_POD_TRACK: "metadata.labels['track']",
      OTEL_POD_NAME: 'metadata.name',
      OTEL_SERVICE_NAME: 'backend',
      OTEL_RESOURCE_ATTRIBUTES:
        'deployment.environment.name=prod,deployment.environment=prod,service.namespace=webapp,service.version=$(OTEL_POD_VERSION),track=$(OTEL_POD_TRACK),k8s.namespace.name=webapp-prod,k8s.pod.name=$(OTEL_POD_NAME)',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability.svc.cluster.local:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    // $(VAR) expands only variables defined before it in the container.
    const names = vars.map((v) => v.name);
    expect(names.indexOf('OTEL_RESOURCE_ATTRIBUTES')).toBeGreaterThan(Math.max(...['OTEL_POD_VERSION', 'OTEL_POD_TRACK', 'OTEL_POD_NAME'].map((n) => names.indexOf(n))));
  });
});

describe('traces: workloads', () => {
  const yaml = `${COLLECTOR}services:\n  frontend: { traces: false }\n  backend: { canary: { enabled: true, tag: "1.1.0" } }\nworkers:\n  mailer: { image: { repository: example/mailer, tag: "2.0.0" } }\n`;
  const env = renderYaml(yaml);

  it('inject them into every enabled service and worker that does not opt out, every track alike', () => {
    for (const [kind, name] of [
      ['Deployment', 'backend'],
      ['Deployment', 'backend-canary'],
      ['Deployment', 'mailer'],
    ]) {
      const vars = otelEnv(env, kind, name);
      expect(vars.OTEL_SERVICE_NAME, name).toBe(name === 'mailer' ? 'mailer' : 'backend');
      expect(vars.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.observability.svc.cluster.local:4317');
    }
    expect(otelEnv(env, 'Deployment', 'frontend')).toEqual({});
    // Datastores and the logging stack are not the user's code: nothing injected.
    expect(otelEnv(env, 'StatefulSet', 'mongodb')).toEqual({});
  });

  it('read the version and track from pod labels that the pods carry', () => {
    for (const name of ['backend', 'backend-canary']) {
      const labels = find(env, 'Deployment', name).spec.template.metadata.labels;
      expect(labels['app.kubernetes.io/version'], name).toBe(name === 'backend' ? '1.0.0' : '1.1.0');
      expect(labels.track).toBe(name === 'backend' ? 'stable' : 'canary');
    }
  });

  it('pass the Kubernetes schema validation', () => {
    expect(validateManifests(objectsOf(env))).toEqual([]);
  });

  it('may reach the collector in its namespace on its port, and nothing else there', () => {
    const policies = findAll(env, 'NetworkPolicy');
    const pod = (name: string): PodEndpoint => ({ namespace: 'webapp-test', labels: find(env, 'Deployment', name).spec.template.metadata.labels });
    const collector: PodEndpoint = { namespace: 'observability', labels: { app: 'otel-collector' } };
    expect(isAllowed(policies, { from: pod('backend'), to: collector, port: 4317 })).toBe(true);
    expect(isAllowed(policies, { from: pod('backend-canary'), to: collector, port: 4317 })).toBe(true);
    expect(isAllowed(policies, { from: pod('mailer'), to: collector, port: 4317 })).toBe(true);
    expect(isAllowed(policies, { from: pod('backend'), to: collector, port: 4318 })).toBe(false);
    expect(isAllowed(policies, { from: pod('backend'), to: { ...collector, namespace: 'elsewhere' }, port: 4317 })).toBe(false);
    expect(isAllowed(policies, { from: pod('frontend'), to: collector, port: 4317 })).toBe(false);
  });

  it('narrow the egress to the collector pods, or reach a host outside the cluster on public addresses only', () => {
    const narrowed = renderYaml('traces: { enabled: true, collector: { service: otel, namespace: observability, podSelector: { app: otel } } }\n');
    const policies = findAll(narrowed, 'NetworkPolicy');
    const backend: PodEndpoint = { namespace: 'webapp-test', labels: find(narrowed, 'Deployment', 'backend').spec.template.metadata.labels };
    expect(isAllowed(policies, { from: backend, to: { namespace: 'observability', labels: { app: 'otel' } }, port: 4317 })).toBe(true);
    expect(isAllowed(policies, { from: backend, to: { namespace: 'observability', labels: { app: 'grafana' } }, port: 4317 })).toBe(false);

    const outside = renderYaml('traces: { enabled: true, protocol: http/protobuf, collector: { host: otlp.example.com } }\n');
    const external = findAll(outside, 'NetworkPolicy');
    const from: PodEndpoint = { namespace: 'webapp-test', labels: find(outside, 'Deployment', 'backend').spec.template.metadata.labels };
    expect(isAllowed(external, { from, to: { ip: '203.0.113.7' }, port: 4318 })).toBe(true);
    expect(isAllowed(external, { from, to: { ip: '10.1.2.3' }, port: 4318 })).toBe(false);
    expect(isAllowed(external, { from, to: { ip: '203.0.113.7' }, port: 443 })).toBe(false);
  });
});

/** Where Grafana's TraceQL grammar finds a syntax error in `query` (none: it parses). */
function traceqlErrors(query: string): number[] {
  const errors: number[] = [];
  traceqlParser.parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}

describe('traces: links to Tempo', () => {
  const yaml = `${COLLECTOR.replace('samplerRatio: 0.25', 'samplerRatio: 0.25, tempoDatasourceUid: tempo')}services:\n  backend: { canary: { enabled: true, tag: "1.1.0" } }\n`;
  const ctx = environmentContext('prod', configFromYaml(yaml));
  const dashboards = environmentDashboards(ctx);
  const links = dashboards.flatMap((d) =>
    d.model.panels.flatMap((p) => ((p.fieldConfig as any)?.defaults?.links ?? []).map((l: any) => ({ dashboard: d.slug, panel: p.title, ...l }))),
  );
  /** The Explore state a link opens, with Grafana's ${...} variables filled in. */
  const opened = (url: string, vars: Record<string, string>) => {
    const filled = Object.entries(vars).reduce((u, [k, v]) => u.replaceAll(grafanaVar(k), v), url);
    return JSON.parse(new URL(filled, 'https://grafana.example').searchParams.get('panes')!).t;
  };

  it('link the request panels of the overview and of the canary dashboard to the traces of the service (and track)', () => {
    expect(links.map((l) => [l.dashboard, l.panel, l.title])).toEqual([
      ['overview', 'Request rate', `Traces of ${grafanaVar('__field.labels.service')}`],
      ['overview', 'Error rate (5xx)', `Failed traces of ${grafanaVar('__field.labels.service')}`],
      ['overview', 'p95 latency', `Slowest traces of ${grafanaVar('__field.labels.service')}`],
      ['canary-backend', 'Request rate', `Traces of the ${grafanaVar('__field.labels.track')} track`],
    ]);
    const failed = opened(links[1].url, { '__field.labels.service': 'backend', __from: '1700000000000', __to: '1700003600000' });
    expect(failed).toEqual({
      datasource: 'tempo',
      queries: [
        {
          refId: 'A',
          datasource: { type: 'tempo', uid: 'tempo' },
          queryType: 'traceql',
          query: '{resource.deployment.environment.name="prod" && resource.service.name="backend" && status=error}',
          limit: 20,
        },
      ],
      range: { from: '1700000000000', to: '1700003600000' },
    });
    expect(opened(links[2].url, { '__field.labels.service': 'backend', __from: '0', __to: '1' }).queries[0].query).toContain('duration>500ms');
    expect(opened(links[3].url, { '__field.labels.track': 'canary', __from: '0', __to: '1' }).queries[0].query).toBe(
      '{resource.deployment.environment.name="prod" && resource.service.name="backend" && resource.track="canary"}',
    );
  });

  it("every TraceQL query parses with Grafana's TraceQL grammar (@grafana/lezer-traceql); broken ones do not", () => {
    for (const l of links) {
      const query = opened(l.url, { '__field.labels.service': 'backend', '__field.labels.track': 'stable', __from: '0', __to: '1' }).queries[0].query;
      expect(traceqlErrors(query), query).toEqual([]);
    }
    expect(traceqlErrors('{resource.service.name="backend" &&}')).not.toEqual([]);
    expect(traceqlErrors('{resource.service.name="backend"')).not.toEqual([]);
  });

  it('leave the dashboards without links when no Tempo datasource is named, or traces are off', () => {
    for (const text of [COLLECTOR, 'traces: { tempoDatasourceUid: tempo }\n']) {
      const plain = environmentDashboards(environmentContext('prod', configFromYaml(text)));
      expect(plain.flatMap((d) => d.model.panels.filter((p) => (p.fieldConfig as any)?.defaults?.links))).toEqual([]);
    }
  });

  it("turn a trace id in a log line into a link to the trace: Loki's datasource gets a derived field", () => {
    const datasource = (text: string) => parse(find(renderYaml(text), 'ConfigMap', 'grafana-datasource-loki').data['loki-datasource.yaml']).datasources[0].jsonData;
    const { derivedFields } = datasource(yaml);
    expect(derivedFields).toEqual([expect.objectContaining({ name: 'TraceID', datasourceUid: 'tempo', url: `$${grafanaVar('__value.raw')}` })]);
    const regex = new RegExp(derivedFields[0].matcherRegex);
    for (const line of ['level=info trace_id=4bf92f3577b34da6a3ce929d0e0e4736 msg=ok', '{"traceId": "4bf92f3577b34da6a3ce929d0e0e4736"}', 'traceID=00f067aa0ba902b7']) {
      expect(regex.exec(line)?.[1], line).toMatch(/^[0-9a-f]{16,32}$/);
    }
    expect(regex.exec('user_id=12345')).toBeNull();
    expect(datasource(COLLECTOR).derivedFields).toBeUndefined();
  });
});

describe('traces: the Helm chart', () => {
  it('stays equivalent when one environment exports traces and the others do not', () => {
    const traced = configFromYaml(`${COLLECTOR}services:\n  frontend: { traces: false }\n`).traces;
    const environments = ['dev', 'staging', 'prod'].map((name) => {
      const { config } = loadEnvironment(name, ENVIRONMENTS_DIR);
      return {
        name,
        config: name === 'staging' ? { ...config, traces: traced, services: { ...config.services, frontend: { ...config.services.frontend, traces: false } } } : config,
      };
    });
    const chart = buildHelmChart(environments);
    const dir = mkdtempSync(join(tmpdir(), 'traces-chart-'));
    try {
      for (const [path, text] of chart.files) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const [, helm] = helmRows()[0];
      for (const { name, config } of environments) {
        const objects = helmTemplate(
          dir,
          { release: `webapp-${name}`, namespace: `webapp-${name}`, valuesFiles: [join(dir, `values-${name}.yaml`)], set: ['createNamespace=true'] },
          helm,
        ).objects;
        const plain = renderEnvironment(name, config).files.flatMap((f) => f.objects as Record<string, any>[]);
        expect(chartDifferences(objects, plain), name).toEqual([]);
        const backend = objects.find((o: any) => o.kind === 'Deployment' && o.metadata.name === 'backend') as any;
        expect(
          backend.spec.template.spec.containers[0].env.some((e: any) => e.name === 'OTEL_SERVICE_NAME'),
          name,
        ).toBe(name === 'staging');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
