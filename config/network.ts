/**
 * The `network` section of an environment: which NetworkPolicies charts/security/network-policies.ts emits.
 * Kept out of config/schema.ts (which imports it) so the network rules read in one place; it must
 * not import schema.ts, not even its types (the modules would import each other).
 */
import { z } from 'zod';
import { cidrContains, parseCidr } from './cidr.js';

/** NetworkPolicy names the chart uses itself; a workload's policy is named like the workload. */
export const NAMESPACE_POLICY_NAMES = { defaultDeny: 'default-deny', dns: 'allow-dns' } as const;

// https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const WORKLOAD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const matchLabels = z.record(
  z.string().max(316).regex(LABEL_KEY, { error: 'must be a label key such as "kubernetes.io/metadata.name"' }),
  z.string().max(63).regex(LABEL_VALUE, { error: 'must be a label value: at most 63 letters, digits, "-", "_" and "."' }),
);

const cidr = z.string().refine((text) => parseCidr(text) !== undefined, { error: 'must be a CIDR block such as "0.0.0.0/0" or "10.0.0.0/8"' });

/** Pods outside the environment, selected by namespace (and optionally pod) labels. */
const peerSchema = (namespace: string, what: string) =>
  z
    .strictObject({
      namespace: z
        .string()
        // It becomes a label value (kubernetes.io/metadata.name) in the policy's namespaceSelector.
        .max(63, { error: 'must be at most 63 characters (a namespace name)' })
        .regex(WORKLOAD_NAME, { error: 'must be a namespace name such as "ingress-nginx"' })
        .default(namespace)
        .describe('Namespace, matched by the kubernetes.io/metadata.name label Kubernetes sets on every namespace.'),
      namespaceSelector: matchLabels.optional().describe('Namespace labels to match instead of `namespace`.'),
      podSelector: matchLabels.optional().describe('Only these pods of the namespace; omitted: all of them.'),
    })
    .prefault({})
    .describe(what);
export type PeerConfig = z.infer<ReturnType<typeof peerSchema>>;

const egressAllowSchema = z
  .strictObject({
    workloads: z
      .array(z.string().regex(WORKLOAD_NAME, { error: 'must be the name of a service or worker' }))
      .min(1)
      .describe('Services and workers that may open these connections.'),
    cidr: cidr.describe('Destination addresses, e.g. "0.0.0.0/0" for anywhere.'),
    except: z.array(cidr).default([]).describe("Addresses inside `cidr` to keep out, e.g. the cluster's pod and node ranges."),
    ports: z.array(z.number().int().min(1).max(65535)).min(1).describe('TCP ports.'),
  })
  .describe('Egress to addresses outside the cluster (NetworkPolicy ipBlock), e.g. an external API on 443.');

export const networkSchema = z
  .strictObject({
    policies: z
      .boolean()
      .default(true)
      .describe('Emit NetworkPolicies (10-network-policies.yaml): deny all traffic, then allow only the flows the config declares. Needs a network plugin that enforces them.'),
    ingressController: peerSchema('ingress-nginx', 'The ingress controller; it may reach the http port of services that have Ingress paths (routing.backend ingress-nginx).'),
    gatewayDataPlane: peerSchema(
      'envoy-gateway-system',
      "The Gateway's data-plane pods (the proxies, not the controller); with routing.backend gateway-api they, instead of the ingress controller, may reach the http port of services that have Ingress paths. Default: Envoy Gateway's namespace (envoy-gateway-system); Istio and NGINX Gateway Fabric deploy them in the Gateway's namespace.",
    ),
    prometheus: peerSchema(
      'monitoring',
      'Prometheus; it may reach the metrics ports: the http port of services that serve /metrics on it, Loki\'s, and every container port named "metrics" or "*-metrics".',
    ),
    grafana: peerSchema('monitoring', 'Grafana; it may query Loki (logs.enabled).'),
    dns: peerSchema('kube-system', 'The cluster DNS, reachable on UDP and TCP 53 when egress is restricted.'),
    egress: z
      .strictObject({
        restrict: z.boolean().default(true).describe('Deny egress too: pods reach only the DNS, the datastores they use and `allow`. Off: pods may connect anywhere.'),
        allow: z.array(egressAllowSchema).default([]).describe('Extra egress when restricted.'),
      })
      .prefault({}),
  })
  .describe('NetworkPolicies of the environment (and logging) namespace; see docs/security.md.');
type NetworkConfig = z.infer<typeof networkSchema>;

/** The namespaceSelector/podSelector pair of a peer. */
export function peerSelectors(peer: PeerConfig): { namespaceSelector: Record<string, string>; podSelector?: Record<string, string> } {
  return {
    namespaceSelector: peer.namespaceSelector ?? { 'kubernetes.io/metadata.name': peer.namespace },
    ...(peer.podSelector ? { podSelector: peer.podSelector } : {}),
  };
}

export interface NetworkIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Cross-field checks of the network section against the rest of the config. */
/** The parts of a config networkIssues reads (structural, so this module need not import schema.ts). */
interface NetworkedConfig {
  readonly services: Readonly<Record<string, { readonly enabled: boolean }>>;
  readonly workers: Readonly<Record<string, { readonly enabled: boolean }>>;
  readonly network: NetworkConfig;
}

export function networkIssues(config: NetworkedConfig): NetworkIssue[] {
  const issues: NetworkIssue[] = [];
  const workloads = new Map<string, boolean>([
    ...Object.entries(config.services).map(([name, s]) => [name, s.enabled] as const),
    ...Object.entries(config.workers).map(([name, w]) => [name, w.enabled] as const),
  ]);
  if (config.network.policies) {
    for (const [section, names] of [
      ['services', Object.keys(config.services)],
      ['workers', Object.keys(config.workers)],
    ] as const) {
      for (const name of names) {
        if ((Object.values(NAMESPACE_POLICY_NAMES) as string[]).includes(name)) {
          issues.push({ path: [section, name], message: `"${name}" is the name of a NetworkPolicy the environment needs: choose another workload name` });
        }
      }
    }
  }
  config.network.egress.allow.forEach((rule, i) => {
    rule.workloads.forEach((name, j) => {
      if (!workloads.has(name)) issues.push({ path: ['network', 'egress', 'allow', i, 'workloads', j], message: `"${name}" is not a service or worker of this environment` });
    });
    const outer = parseCidr(rule.cidr);
    rule.except.forEach((text, j) => {
      const inner = parseCidr(text);
      if (outer && inner && !cidrContains(outer, inner)) {
        issues.push({ path: ['network', 'egress', 'allow', i, 'except', j], message: `must lie inside cidr ${rule.cidr}` });
      }
    });
  });
  return issues;
}
