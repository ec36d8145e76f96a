/**
 * A small evaluator of NetworkPolicy semantics
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/), to tell from the
 * emitted objects alone whether a connection would be allowed:
 *
 * - a pod is isolated for a direction when any policy of its namespace selects it (podSelector)
 *   and lists that direction in policyTypes (default: Ingress, plus Egress when it has egress rules);
 * - a non-isolated direction allows everything; an isolated one allows the union of the rules of
 *   every policy that selects the pod, so a policy without rules is a default deny;
 * - a rule matches when one of its peers matches (none listed: every peer) and one of its ports
 *   does (none listed: every port). A peer's podSelector alone means pods of the policy's own
 *   namespace, a namespaceSelector alone every pod of the matching namespaces, both together the
 *   matching pods of the matching namespaces; an ipBlock matches addresses (here: external ones);
 * - a named port matches the destination pod's container port of that name;
 * - a connection needs the sender's egress and the receiver's ingress allowed.
 */
import { selectorMatches, type ContainerPort, type Labels } from '../../core/objects.js';
import { ipInCidr, parseCidr } from '../../config/cidr.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, PolicyType, Protocol } from '../../core/network-policy.js';

/** A pod, as policies see it. */
export interface PodEndpoint {
  readonly namespace: string;
  /** Labels of its namespace (kubernetes.io/metadata.name is added automatically). */
  readonly namespaceLabels?: Labels;
  readonly labels: Labels;
  readonly ports?: readonly ContainerPort[];
}

/** An address outside the cluster. */
interface ExternalEndpoint {
  readonly ip: string;
}

export type NetworkEndpoint = PodEndpoint | ExternalEndpoint;

export interface Connection {
  readonly from: NetworkEndpoint;
  readonly to: NetworkEndpoint;
  readonly port: number;
  readonly protocol?: Protocol;
}

const isPod = (e: NetworkEndpoint): e is PodEndpoint => 'namespace' in e;

function policyTypes(policy: NetworkPolicy): readonly PolicyType[] {
  return policy.spec.policyTypes ?? ['Ingress', ...(policy.spec.egress ? (['Egress'] as const) : [])];
}

/** The policies that select `pod` and isolate it for `direction`. */
export function isolatingPolicies(policies: readonly NetworkPolicy[], pod: PodEndpoint, direction: PolicyType): NetworkPolicy[] {
  return policies.filter((p) => (p.metadata.namespace ?? pod.namespace) === pod.namespace && policyTypes(p).includes(direction) && selectorMatches(p.spec.podSelector, pod.labels));
}

export function isAllowed(policies: readonly NetworkPolicy[], connection: Connection): boolean {
  return directionAllows(policies, connection, 'Egress') && directionAllows(policies, connection, 'Ingress');
}

function directionAllows(policies: readonly NetworkPolicy[], c: Connection, direction: PolicyType): boolean {
  const [self, other] = direction === 'Ingress' ? [c.to, c.from] : [c.from, c.to];
  if (!isPod(self)) return true; // NetworkPolicies only constrain pods
  const isolating = isolatingPolicies(policies, self, direction);
  if (isolating.length === 0) return true;
  return isolating.some((policy) => {
    const namespace = policy.metadata.namespace ?? self.namespace;
    const rules =
      direction === 'Ingress'
        ? (policy.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
        : (policy.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
    return rules.some(
      (rule) =>
        (rule.peers === undefined || rule.peers.length === 0 || rule.peers.some((peer) => peerMatches(peer, other, namespace))) &&
        (rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((port) => portMatches(port, c))),
    );
  });
}

function peerMatches(peer: NetworkPolicyPeer, endpoint: NetworkEndpoint, policyNamespace: string): boolean {
  if (peer.ipBlock) {
    if (isPod(endpoint)) return false; // ipBlock is meant for cluster-external addresses
    const cidr = parseCidr(peer.ipBlock.cidr);
    const excluded = (peer.ipBlock.except ?? []).some((e) => {
      const block = parseCidr(e);
      return block !== undefined && ipInCidr(endpoint.ip, block);
    });
    return cidr !== undefined && ipInCidr(endpoint.ip, cidr) && !excluded;
  }
  if (!isPod(endpoint)) return false;
  const namespaceLabels = { ...endpoint.namespaceLabels, 'kubernetes.io/metadata.name': endpoint.namespace };
  const namespaceOk = peer.namespaceSelector ? selectorMatches(peer.namespaceSelector, namespaceLabels) : endpoint.namespace === policyNamespace;
  const podOk = peer.podSelector ? selectorMatches(peer.podSelector, endpoint.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(port: NetworkPolicyPort, c: Connection): boolean {
  if ((port.protocol ?? 'TCP') !== (c.protocol ?? 'TCP')) return false;
  if (port.port === undefined) return true;
  if (typeof port.port === 'number') return port.endPort === undefined ? c.port === port.port : c.port >= port.port && c.port <= port.endPort;
  const named = isPod(c.to) ? (c.to.ports ?? []).find((p) => p.name === port.port) : undefined;
  return named !== undefined && named.containerPort === c.port && (named.protocol ?? 'TCP') === (c.protocol ?? 'TCP');
}
