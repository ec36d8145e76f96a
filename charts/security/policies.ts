/**
 * The NetworkPolicies of an environment, as pure functions of its config and its objects.
 *
 * In each namespace of the environment (the application namespace and, with logs.enabled, the
 * logging namespace) one `default-deny` policy denies every pod all ingress (and, with
 * network.egress.restrict, all egress); then each flow the config declares is allowed:
 *
 *   ingress controller -> http port of each web service that has Ingress paths (with routing.backend
 *                         gateway-api: the Gateway's data-plane pods, network.gatewayDataPlane)
 *   Prometheus         -> the http port of services that serve /metrics on it, Loki's http port,
 *                         and every container port named "metrics" or "*-metrics", found in the
 *                         synthesized objects, so exporter sidecars need no entry here
 *   workload           -> MongoDB 27017 / Redis 6379 / PostgreSQL 5432, for each datastore it
 *                         `uses` (postgres-read: the read replicas, or the primary without them;
 *                         redis: its replicas too, and the Sentinels 26379)
 *   workload           -> what it `calls` (config/calls.ts): ports of another workload or a
 *                         datastore, or a host or addresses outside the cluster (egress restricted only)
 *   MongoDB members    -> each other, and the rs-init Job -> the members (replica set only)
 *   backup pods        -> the datastore they back up (a Redis replica when there is one), and
 *                         with backup.upload the object storage (backup.upload.egress)
 *   PostgreSQL replicas -> the primary 5432 (pg_basebackup and WAL streaming)
 *   Redis replicas     -> the primary 6379; with Sentinel every Redis pod -> every data pod 6379
 *                         and every Sentinel 26379
 *   the log shipper    -> Loki 3100 (push), and the API server (pod discovery; Alloy's api mode also tails logs there)
 *   Grafana            -> Loki 3100 (queries)
 *   every pod          -> the cluster DNS on UDP/TCP 53 (egress restricted only)
 *   workload           -> network.egress.allow addresses (egress restricted only)
 *   traced workload    -> the trace collector's port: its namespace (and pods), or public addresses
 *                         for a host outside the cluster (traces.enabled; egress restricted only)
 *
 * Policies are additive and a connection needs both the sender's egress and the receiver's
 * ingress allowed (https://kubernetes.io/docs/concepts/services-networking/network-policies/),
 * so one flow yields a rule in the sender's policy and one in the receiver's.
 */
import { publicAddresses, resolveCalls } from '../../config/calls.js';
import { collectorPeer, traced } from '../../config/traces.js';
import { backupTargets } from '../../config/backup.js';
import { NAMESPACE_POLICY_NAMES, peerSelectors, type PeerConfig } from '../../config/network.js';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels, selectorLabels } from '../../config/labels.js';
import { MONGODB_PORT, names, POSTGRES_PORT, REDIS_PORT, REDIS_SENTINEL_PORT } from '../../config/names.js';
import { redisEndpoints } from '../../config/redis.js';
import { postgresReadService } from '../../config/connections.js';
import { mapSelects, podPorts, podTemplatesOf, type Labels } from '../../core/objects.js';
import { LOKI_HTTP_PORT } from '../../observability/logging.js';
import type { Manifest } from '../../core/manifest.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType, Protocol } from '../../core/network-policy.js';

/** Names of the logging stack's workloads (charts/observability/): the tests check they match its pods. */
export const LOGGING_WORKLOADS = { loki: 'loki', alloy: 'alloy', promtail: 'promtail' } as const;

/**
 * The shipper discovers pods (and, Alloy in api mode, reads their logs) through the API server,
 * whose address is cluster-specific (the control plane's IPs behind the `kubernetes` Service): any
 * address, on the API server's usual ports.
 */
const API_SERVER_PORTS = [443, 6443];

/** The pods of one workload, datastore or Job; its policy is named like it. */
export interface PodGroup {
  readonly namespace: string;
  readonly name: string;
  /** Matches exactly this group's pods (all tracks of a web service). */
  readonly selector: Labels;
}

/** One end of a flow: a pod group (by groupId), pods selected by labels, or addresses outside the cluster. */
type Endpoint = { readonly group: string } | { readonly namespaceSelector: Labels; readonly podSelector?: Labels } | { readonly cidr: string; readonly except: readonly string[] };

interface PortSpec {
  readonly port: number;
  readonly protocol: Protocol;
}

export interface Flow {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly ports: readonly PortSpec[];
}

/** What the policies are derived from. */
export interface NetworkInputs {
  readonly env: EnvironmentContext;
  /** Namespace of Loki and the log shipper, when the environment ships logs. */
  readonly loggingNamespace?: string;
  /** The environment's other objects (metrics ports are read from their pod templates). */
  readonly objects: readonly Manifest[];
}

export const groupId = (g: Pick<PodGroup, 'namespace' | 'name'>): string => `${g.namespace}/${g.name}`;
const tcp = (port: number): PortSpec => ({ port, protocol: 'TCP' });
const DNS_PORTS: readonly PortSpec[] = [{ port: 53, protocol: 'UDP' }, tcp(53)];
const ANYWHERE = ['0.0.0.0/0', '::/0'];

/** A container port Prometheus scrapes: "metrics", or "<something>-metrics" (e.g. "http-metrics"). */
export function isMetricsPortName(name: string | undefined): boolean {
  return name === 'metrics' || (name?.endsWith('-metrics') ?? false);
}

/** Every group of pods the environment runs. */
function podGroups(inputs: Pick<NetworkInputs, 'env' | 'loggingNamespace'>): PodGroup[] {
  const { env, loggingNamespace } = inputs;
  const { config } = env;
  const group = (name: string, namespace = env.namespace): PodGroup => ({ namespace, name, selector: selectorLabels(env.labels, name) });
  return [
    ...Object.entries(config.services)
      .filter(([, s]) => s.enabled)
      .map(([name]) => group(name)),
    ...Object.entries(config.workers)
      .filter(([, w]) => w.enabled)
      .map(([name]) => group(name)),
    ...(config.mongodb.enabled ? [group(names.mongodb)] : []),
    ...(config.mongodb.enabled && config.mongodb.replicaSet.enabled ? [group(names.mongodbInitJob)] : []),
    ...(config.redis.enabled ? [group(names.redis)] : []),
    ...(config.redis.enabled && config.redis.replicas > 0 ? [group(names.redisRead)] : []),
    ...(config.redis.enabled && config.redis.replicas > 0 && config.redis.sentinel.enabled ? [group(names.redisSentinel)] : []),
    ...(config.postgres.enabled ? [group(names.postgres)] : []),
    ...(config.postgres.enabled && config.postgres.replicas > 0 ? [group(names.postgresRead)] : []),
    ...backupTargets(config, env.namespace).map((target) => group(target.name)),
    ...(loggingNamespace ? [group(LOGGING_WORKLOADS.loki, loggingNamespace), group(LOGGING_WORKLOADS[config.logs.shipper], loggingNamespace)] : []),
  ];
}

/** The flows the config declares. */
function declaredFlows(inputs: Pick<NetworkInputs, 'env' | 'loggingNamespace'>): Flow[] {
  const { env, loggingNamespace } = inputs;
  const { config } = env;
  const { network } = config;
  const app = (name: string) => ({ group: groupId({ namespace: env.namespace, name }) });
  const flows: Flow[] = [];
  // What proxies the routed requests: the Gateway's data plane, or the ingress controller.
  const proxy = config.routing.backend === 'gateway-api' ? network.gatewayDataPlane : network.ingressController;
  for (const [name, service] of Object.entries(config.services)) {
    if (!service.enabled) continue;
    if (config.ingress.enabled && service.ingress.paths.length > 0) {
      flows.push({ from: peerSelectors(proxy), to: app(name), ports: [tcp(service.port)] });
    }
    if (service.metrics.enabled && (service.metrics.port === undefined || service.metrics.port === service.port)) {
      flows.push({ from: peerSelectors(network.prometheus), to: app(name), ports: [tcp(service.port)] });
    }
  }
  const workloads = [...Object.entries(config.services), ...Object.entries(config.workers)].filter(([, w]) => w.enabled);
  for (const [name, workload] of workloads) {
    if (workload.uses.includes('mongodb')) flows.push({ from: app(name), to: app(names.mongodb), ports: [tcp(MONGODB_PORT)] });
    if (workload.uses.includes('redis')) for (const to of redisEndpoints(config)) flows.push({ from: app(name), to: app(to.name), ports: [tcp(to.port)] });
    if (workload.uses.includes('postgres')) flows.push({ from: app(name), to: app(names.postgres), ports: [tcp(POSTGRES_PORT)] });
    if (workload.uses.includes('postgres-read')) flows.push({ from: app(name), to: app(postgresReadService(config)), ports: [tcp(POSTGRES_PORT)] });
  }
  if (config.postgres.enabled && config.postgres.replicas > 0) {
    flows.push({ from: app(names.postgresRead), to: app(names.postgres), ports: [tcp(POSTGRES_PORT)] });
  }
  if (config.redis.enabled && config.redis.replicas > 0) {
    // Replicas copy the primary; with Sentinel any data pod may become the primary, every pod asks
    // the Sentinels (and the data pods) which one is, and the Sentinels watch all of them and each other.
    const data = config.redis.sentinel.enabled ? [names.redis, names.redisRead] : [names.redis];
    const clients = config.redis.sentinel.enabled ? [names.redis, names.redisRead, names.redisSentinel] : [names.redisRead];
    for (const from of clients) for (const to of data) flows.push({ from: app(from), to: app(to), ports: [tcp(REDIS_PORT)] });
    if (config.redis.sentinel.enabled) for (const from of clients) flows.push({ from: app(from), to: app(names.redisSentinel), ports: [tcp(REDIS_SENTINEL_PORT)] });
  }
  for (const target of backupTargets(config, env.namespace)) {
    for (const to of target.reaches) flows.push({ from: app(target.name), to: app(to.name), ports: [tcp(to.port)] });
    const upload = config.backup.upload;
    if (upload.enabled) flows.push({ from: app(target.name), to: { cidr: upload.egress.cidr, except: upload.egress.except }, ports: upload.egress.ports.map(tcp) });
  }
  for (const call of resolveCalls(config).flows) {
    flows.push({ from: app(call.from), to: 'workload' in call.to ? app(call.to.workload) : { cidr: call.to.cidr, except: call.to.except }, ports: call.ports });
  }
  const collector = collectorPeer(config.traces);
  for (const [name, workload] of workloads) {
    if (!collector || !traced(config.traces, workload)) continue;
    const ports = [tcp(collector.port)];
    if (collector.kind === 'host') for (const to of publicAddresses()) flows.push({ from: app(name), to, ports });
    else flows.push({ from: app(name), to: peerSelectors({ namespace: collector.namespace, podSelector: collector.podSelector }), ports });
  }
  if (config.mongodb.enabled && config.mongodb.replicaSet.enabled) {
    flows.push(
      { from: app(names.mongodb), to: app(names.mongodb), ports: [tcp(MONGODB_PORT)] },
      { from: app(names.mongodbInitJob), to: app(names.mongodb), ports: [tcp(MONGODB_PORT)] },
    );
  }
  const enabled = new Set(workloads.map(([name]) => name));
  for (const allow of network.egress.allow) {
    for (const name of allow.workloads.filter((w) => enabled.has(w))) {
      flows.push({ from: app(name), to: { cidr: allow.cidr, except: allow.except }, ports: allow.ports.map(tcp) });
    }
  }
  if (loggingNamespace) {
    const loki = { group: groupId({ namespace: loggingNamespace, name: LOGGING_WORKLOADS.loki }) };
    const shipper = { group: groupId({ namespace: loggingNamespace, name: LOGGING_WORKLOADS[config.logs.shipper] }) };
    flows.push(
      { from: shipper, to: loki, ports: [tcp(LOKI_HTTP_PORT)] },
      { from: peerSelectors(network.grafana), to: loki, ports: [tcp(LOKI_HTTP_PORT)] },
      // Loki serves its own /metrics on the http port.
      { from: peerSelectors(network.prometheus), to: loki, ports: [tcp(LOKI_HTTP_PORT)] },
      ...ANYWHERE.map((cidr) => ({ from: shipper, to: { cidr, except: [] }, ports: API_SERVER_PORTS.map(tcp) })),
    );
  }
  return flows;
}

/** Prometheus -> every metrics port the synthesized pods declare, per group. */
function scrapeFlows(prometheus: PeerConfig, groups: readonly PodGroup[], objects: readonly Manifest[]): Flow[] {
  const flows = new Map<string, Flow>();
  for (const template of podTemplatesOf(objects)) {
    const group = groups.find((g) => g.namespace === template.namespace && mapSelects(g.selector, template.labels));
    if (!group) continue;
    for (const port of podPorts(template.spec).filter((p) => isMetricsPortName(p.name))) {
      const protocol = (port.protocol ?? 'TCP') as Protocol;
      flows.set(`${groupId(group)}/${protocol}/${port.containerPort}`, {
        from: peerSelectors(prometheus),
        to: { group: groupId(group) },
        ports: [{ port: port.containerPort, protocol }],
      });
    }
  }
  return [...flows.values()];
}

/** The NetworkPolicies of the environment. */
export function networkPolicies(inputs: NetworkInputs): NetworkPolicy[] {
  const groups = podGroups(inputs);
  const flows = [...declaredFlows(inputs), ...scrapeFlows(inputs.env.config.network.prometheus, groups, inputs.objects)];
  const namespaces = [inputs.env.namespace, ...(inputs.loggingNamespace ? [inputs.loggingNamespace] : [])];
  return policiesFromFlows(inputs.env, namespaces, groups, flows);
}

export function policiesFromFlows(env: EnvironmentContext, namespaces: readonly string[], groups: readonly PodGroup[], flows: readonly Flow[]): NetworkPolicy[] {
  const restrict = env.config.network.egress.restrict;
  const byId = new Map(groups.map((g) => [groupId(g), g]));
  const policy = (namespace: string, name: string, labelName: string, spec: NetworkPolicy['spec']): NetworkPolicy => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      name,
      namespace,
      labels: recommendedLabels(env.labels, { name: labelName, component: 'network-policy', version: env.config.app.version }),
    },
    spec,
  });

  const policies: NetworkPolicy[] = [];
  for (const namespace of namespaces) {
    // Selects every pod and allows nothing: what no other policy allows is denied.
    policies.push(policy(namespace, NAMESPACE_POLICY_NAMES.defaultDeny, env.config.app.name, { podSelector: {}, policyTypes: restrict ? ['Ingress', 'Egress'] : ['Ingress'] }));
    if (restrict) {
      const dns = renderPeer(peerSelectors(env.config.network.dns), namespace, byId);
      policies.push(
        policy(namespace, NAMESPACE_POLICY_NAMES.dns, env.config.app.name, { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [dns], ports: DNS_PORTS.map(renderPort) }] }),
      );
    }
  }
  for (const group of groups) {
    const isGroup = (e: Endpoint) => 'group' in e && e.group === groupId(group);
    const grants = (direction: 'from' | 'to') =>
      flows.filter((f) => isGroup(direction === 'from' ? f.to : f.from)).map((f) => ({ peer: direction === 'from' ? f.from : f.to, ports: f.ports }));
    const ingress = rules(grants('from'), group.namespace, byId);
    const egress = restrict ? rules(grants('to'), group.namespace, byId) : [];
    if (ingress.length === 0 && egress.length === 0) continue;
    const policyTypes: PolicyType[] = [...(ingress.length ? ['Ingress' as const] : []), ...(egress.length ? ['Egress' as const] : [])];
    policies.push(
      policy(group.namespace, group.name, group.name, {
        podSelector: { matchLabels: group.selector },
        policyTypes,
        ...(ingress.length ? { ingress: ingress.map((r) => ({ from: r.peers, ports: r.ports })) } : {}),
        ...(egress.length ? { egress: egress.map((r) => ({ to: r.peers, ports: r.ports })) } : {}),
      }),
    );
  }
  return policies;
}

interface Rule {
  readonly peers: NetworkPolicyPeer[];
  readonly ports: NetworkPolicyPort[];
}

/** Rules for a list of grants: each peer's ports merged, then one rule per distinct set of ports. */
function rules(grants: readonly { peer: Endpoint; ports: readonly PortSpec[] }[], namespace: string, groups: ReadonlyMap<string, PodGroup>): Rule[] {
  const byPeer = new Map<string, { peer: NetworkPolicyPeer; ports: Map<string, PortSpec> }>();
  for (const { peer, ports } of grants) {
    const rendered = renderPeer(peer, namespace, groups);
    const key = JSON.stringify(rendered);
    const entry = byPeer.get(key) ?? { peer: rendered, ports: new Map() };
    for (const p of ports) entry.ports.set(`${p.protocol}/${p.port}`, p);
    byPeer.set(key, entry);
  }
  const byPorts = new Map<string, Rule>();
  for (const { peer, ports } of byPeer.values()) {
    const sorted = [...ports.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
    const key = JSON.stringify(sorted);
    const rule = byPorts.get(key) ?? { peers: [], ports: sorted.map(renderPort) };
    rule.peers.push(peer);
    byPorts.set(key, rule);
  }
  return [...byPorts.values()];
}

/** A peer as a policy in `namespace` writes it: a podSelector alone means pods of its own namespace. */
function renderPeer(endpoint: Endpoint, namespace: string, groups: ReadonlyMap<string, PodGroup>): NetworkPolicyPeer {
  if ('group' in endpoint) {
    const group = groups.get(endpoint.group);
    if (!group) throw new Error(`no pod group "${endpoint.group}"`);
    const podSelector = { matchLabels: group.selector };
    return group.namespace === namespace ? { podSelector } : { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': group.namespace } }, podSelector };
  }
  if ('cidr' in endpoint) return { ipBlock: { cidr: endpoint.cidr, ...(endpoint.except.length ? { except: endpoint.except } : {}) } };
  return {
    namespaceSelector: { matchLabels: endpoint.namespaceSelector },
    ...(endpoint.podSelector ? { podSelector: { matchLabels: endpoint.podSelector } } : {}),
  };
}

function renderPort(p: PortSpec): NetworkPolicyPort {
  return { protocol: p.protocol, port: p.port };
}
