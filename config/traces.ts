/**
 * The `traces` section: OpenTelemetry settings injected into the workloads so that their SDKs
 * export traces to a collector the user runs (an OpenTelemetry Collector, Grafana Alloy, Tempo's
 * distributor, ...), in the cluster (a Service) or outside it (a host). Off by default.
 *
 * The variables are the SDKs' standard ones (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/
 * and https://opentelemetry.io/docs/specs/otel/protocol/exporter/): the endpoint and protocol of
 * the OTLP exporter, the service name, a parent-based trace-id-ratio sampler, and resource
 * attributes: the environment (deployment.environment.name, and deployment.environment, its
 * older name many backends still read), the namespace, and the version and track of the very
 * pod, read from its labels (fieldRef), so a canary's spans say "canary" and its version.
 *
 * Like config/network.ts this module must not import schema.ts (which imports it).
 */
import { z } from 'zod';
import { matchLabels } from './network.js';

const WORKLOAD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

const OTLP_PROTOCOLS = ['grpc', 'http/protobuf'] as const;
type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
/** The ports OTLP receivers listen on by default (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc-default-port). */
const DEFAULT_PORTS: Record<OtlpProtocol, number> = { grpc: 4317, 'http/protobuf': 4318 };

export const tracesSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Inject OpenTelemetry settings into every service and worker (each may opt out with traces: false).'),
    collector: z
      .strictObject({
        service: z
          .string()
          .max(63)
          .regex(WORKLOAD_NAME, { error: 'must be a Service name such as "otel-collector"' })
          .optional()
          .describe('Service of the collector in the cluster (with `namespace`), e.g. "otel-collector" or "alloy".'),
        namespace: z
          .string()
          .max(63)
          .regex(WORKLOAD_NAME, { error: 'must be a namespace name such as "observability"' })
          .optional()
          .describe("Namespace of the collector's Service; egress is allowed to its pods on `port`."),
        podSelector: matchLabels.optional().describe("Only these pods of the collector's namespace may be reached; omitted: any pod of it on `port`."),
        host: z
          .string()
          .regex(HOST_NAME, { error: 'must be a host name such as "otlp.example.com"' })
          .optional()
          .describe('A collector outside the cluster instead: its host name (egress to any public address on `port`, as NetworkPolicies cannot name hosts).'),
        port: z.number().int().min(1).max(65535).optional().describe('Its OTLP port; default 4317 for grpc, 4318 for http/protobuf.'),
        tls: z.boolean().optional().describe('https instead of http; default: on for a host outside the cluster, off for a Service.'),
      })
      .prefault({})
      .describe('Where the workloads send their spans: a Service in the cluster (service + namespace) or a host outside it.'),
    protocol: z.enum(OTLP_PROTOCOLS).default('grpc').describe('OTEL_EXPORTER_OTLP_PROTOCOL: grpc or http/protobuf.'),
    samplerRatio: z
      .number()
      .min(0)
      .max(1)
      .default(1)
      .describe("Share of new traces sampled (parentbased_traceidratio: a span follows its parent's decision, so a trace is kept or dropped whole)."),
    tempoDatasourceUid: z
      .string()
      .min(1)
      .max(40)
      .optional()
      .describe(
        "uid of a Grafana datasource of Tempo holding these traces: the dashboards' request panels link to the service's traces, and Loki's lines with a trace id link to the trace.",
      ),
  })
  .superRefine((t, ctx) => {
    const { service, namespace, host } = t.collector;
    if (host && (service || namespace))
      ctx.addIssue({ code: 'custom', path: ['collector', 'host'], message: 'name the collector either by service and namespace or by host, not both' });
    if (!host && !!service !== !!namespace) {
      ctx.addIssue({ code: 'custom', path: ['collector', service ? 'namespace' : 'service'], message: 'a collector in the cluster needs both service and namespace' });
    }
    if (t.enabled && !host && !service) {
      ctx.addIssue({ code: 'custom', path: ['collector'], message: 'traces.enabled needs a collector: service and namespace (in the cluster) or host (outside it)' });
    }
  })
  .prefault({})
  .describe('OpenTelemetry traces (optional, off by default): the workloads export their spans to a collector you run.');
export type TracesConfig = z.infer<typeof tracesSchema>;

/** The collector as NetworkPolicies see it: pods in a namespace, or a host outside the cluster, and its port. */
export type CollectorPeer =
  | { readonly kind: 'service'; readonly namespace: string; readonly podSelector?: Readonly<Record<string, string>>; readonly port: number }
  | { readonly kind: 'host'; readonly host: string; readonly port: number };

export function collectorPeer(t: TracesConfig): CollectorPeer | undefined {
  const port = t.collector.port ?? DEFAULT_PORTS[t.protocol];
  if (t.collector.host) return { kind: 'host', host: t.collector.host, port };
  if (t.collector.service && t.collector.namespace)
    return { kind: 'service', namespace: t.collector.namespace, port, ...(t.collector.podSelector ? { podSelector: t.collector.podSelector } : {}) };
  return undefined;
}

/** OTEL_EXPORTER_OTLP_ENDPOINT: the collector's base URL (the SDKs add /v1/traces for http/protobuf). */
export function collectorEndpoint(t: TracesConfig): string | undefined {
  const peer = collectorPeer(t);
  if (!peer) return undefined;
  const tls = t.collector.tls ?? peer.kind === 'host';
  const host = peer.kind === 'host' ? peer.host : `${t.collector.service}.${peer.namespace}.svc.cluster.local`;
  return `${tls ? 'https' : 'http'}://${host}:${peer.port}`;
}

/** Whether a workload exports traces: traces.enabled and it did not opt out. */
export function traced(t: TracesConfig, workload: { readonly enabled: boolean; readonly traces: boolean }): boolean {
  return t.enabled && workload.enabled && workload.traces;
}

/** An environment variable of a container: a value, or a field of its pod. */
export type TraceEnvVar = { readonly name: string; readonly value: string } | { readonly name: string; readonly valueFrom: { readonly fieldRef: { readonly fieldPath: string } } };

/** Helper variables the resource attributes read from the pod ($(NAME) expansion needs them first). */
const POD_FIELDS = {
  OTEL_POD_VERSION: "metadata.labels['app.kubernetes.io/version']",
  OTEL_POD_TRACK: "metadata.labels['track']",
  OTEL_POD_NAME: 'metadata.name',
} as const;

/**
 * The variables of one workload's containers. `environment` is the environment's name, `namespace`
 * its namespace, `app` the application (service.namespace); the version and track come from the
 * pod's own labels.
 */
export function traceEnv(t: TracesConfig, opts: { workload: string; environment: string; namespace: string; app: string }): TraceEnvVar[] {
  const endpoint = collectorEndpoint(t);
  if (!t.enabled || !endpoint) return [];
  const attributes = [
    ['deployment.environment.name', opts.environment],
    ['deployment.environment', opts.environment],
    ['service.namespace', opts.app],
    ['service.version', '$(OTEL_POD_VERSION)'],
    ['track', '$(OTEL_POD_TRACK)'],
    ['k8s.namespace.name', opts.namespace],
    ['k8s.pod.name', '$(OTEL_POD_NAME)'],
  ];
  return [
    ...Object.entries(POD_FIELDS).map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
    { name: 'OTEL_SERVICE_NAME', value: opts.workload },
    { name: 'OTEL_RESOURCE_ATTRIBUTES', value: attributes.map(([k, v]) => `${k}=${v}`).join(',') },
    { name: 'OTEL_TRACES_EXPORTER', value: 'otlp' },
    { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint },
    { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: t.protocol },
    { name: 'OTEL_TRACES_SAMPLER', value: 'parentbased_traceidratio' },
    { name: 'OTEL_TRACES_SAMPLER_ARG', value: String(t.samplerRatio) },
  ];
}
