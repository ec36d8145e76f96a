/** NetworkPolicy (networking.k8s.io/v1) as plain JSON, the shape both the chart emits and dist/ holds. */
import type { LabelSelector, Labels } from './objects.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';
export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicyPort {
  readonly protocol?: Protocol;
  /** A number, or the name of a container port of the destination pod. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

interface NetworkPolicyIngressRule {
  readonly from?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

interface NetworkPolicyEgressRule {
  readonly to?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicy {
  readonly apiVersion: 'networking.k8s.io/v1';
  readonly kind: 'NetworkPolicy';
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Labels };
  readonly spec: {
    readonly podSelector: LabelSelector;
    readonly policyTypes?: readonly PolicyType[];
    readonly ingress?: readonly NetworkPolicyIngressRule[];
    readonly egress?: readonly NetworkPolicyEgressRule[];
  };
}

export function isNetworkPolicy(object: { kind?: unknown; apiVersion?: unknown }): object is NetworkPolicy & Record<string, unknown> {
  return object.kind === 'NetworkPolicy' && object.apiVersion === 'networking.k8s.io/v1';
}
