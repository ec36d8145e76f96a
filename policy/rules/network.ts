import { isolatingPolicies } from '../network/evaluate.js';
import type { Rule } from '../types.js';

/**
 * Every pod is isolated for ingress by some NetworkPolicy: a pod no policy selects accepts
 * connections from anywhere in the cluster.
 */
const networkPolicyCoverage: Rule = {
  name: 'network-policy-coverage',
  severity: 'error',
  fix: 'keep network.policies on (its default-deny policy selects every pod), or add a NetworkPolicy selecting these pods with policyTypes [Ingress]',
  check: (inv) =>
    inv.templates
      .filter((t) => isolatingPolicies(inv.networkPolicies, { namespace: t.namespace ?? '', labels: t.labels }, 'Ingress').length === 0)
      .map((t) => ({ object: t.object, message: 'no NetworkPolicy isolates its pods for ingress: any pod of the cluster can connect to them' })),
};

export const networkRules: readonly Rule[] = [networkPolicyCoverage];
