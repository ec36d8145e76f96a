/**
 * PodDisruptionBudgets that do their job: protect a workload of several pods during drains,
 * never block a drain (https://kubernetes.io/docs/tasks/run-application/configure-pdb/).
 */
import { describeObject, metadataOf, type LabelSelector, type PodTemplate } from '../../core/objects.js';
import type { Manifest } from '../../core/manifest.js';
import { minimumReplicas, templatesMatching, type Inventory } from '../inventory.js';
import type { Finding, Rule } from '../types.js';
import { field } from './helpers.js';

/** The pod templates a budget selects (policy/v1: no selector selects no pods). */
function matchedBy(inv: Inventory, pdb: Manifest): PodTemplate[] {
  const selector = field<LabelSelector>(pdb, 'spec', 'selector');
  return selector ? templatesMatching(inv, metadataOf(pdb).namespace, selector) : [];
}

/** Pods the budget lets an eviction take when `replicas` run; percentages round up, as Kubernetes does. */
export function allowedDisruptions(spec: { minAvailable?: number | string; maxUnavailable?: number | string }, replicas: number): number {
  const count = (value: number | string) => (typeof value === 'number' ? value : Math.ceil((parseInt(value, 10) / 100) * replicas));
  if (spec.maxUnavailable !== undefined) return Math.min(count(spec.maxUnavailable), replicas);
  if (spec.minAvailable !== undefined) return Math.max(replicas - count(spec.minAvailable), 0);
  return replicas;
}

function replicasOf(inv: Inventory, templates: PodTemplate[]): number | undefined {
  const counts = templates.map((t) => minimumReplicas(inv, t));
  return counts.every((c): c is number => c !== undefined) ? counts.reduce((sum, c) => sum + c, 0) : undefined;
}

const pdbSelectsPods: Rule = {
  name: 'pdb-selects-pods',
  severity: 'warning',
  fix: 'use the selector of the workload the budget protects',
  check: (inv) =>
    inv.ofKind('PodDisruptionBudget').flatMap((pdb): Finding[] => (matchedBy(inv, pdb).length ? [] : [{ object: pdb, message: 'selects no pod template of the namespace' }])),
};

const pdbSingleReplica: Rule = {
  name: 'pdb-single-replica',
  severity: 'error',
  fix: 'remove the budget, or run at least two replicas (minReplicas when autoscaled): a budget on one pod blocks or is meaningless for every drain',
  check: (inv) =>
    inv.ofKind('PodDisruptionBudget').flatMap((pdb): Finding[] => {
      const templates = matchedBy(inv, pdb);
      const replicas = replicasOf(inv, templates);
      return templates.length && replicas !== undefined && replicas <= 1
        ? [{ object: pdb, message: `protects ${templates.map((t) => describeObject(t.object)).join(', ')}, which runs ${replicas} pod${replicas === 1 ? '' : 's'}` }]
        : [];
    }),
};

const pdbAllowsEviction: Rule = {
  name: 'pdb-allows-eviction',
  severity: 'error',
  fix: 'use maxUnavailable: 1 (or a minAvailable below the replica count) so a drain can always evict a pod',
  check: (inv) =>
    inv.ofKind('PodDisruptionBudget').flatMap((pdb): Finding[] => {
      const replicas = replicasOf(inv, matchedBy(inv, pdb));
      if (replicas === undefined || replicas <= 1) return []; // pdb-single-replica
      const allowed = allowedDisruptions(field(pdb, 'spec') ?? {}, replicas);
      return allowed >= 1 ? [] : [{ object: pdb, message: `allows no eviction at ${replicas} replicas: every drain of their nodes would hang` }];
    }),
};

const pdbOverlap: Rule = {
  name: 'pdb-overlap',
  severity: 'error',
  fix: 'give each workload one budget with its own selector: the eviction API refuses pods that more than one budget selects',
  check: (inv) => {
    const budgets = inv.ofKind('PodDisruptionBudget');
    return inv.templates.flatMap((t): Finding[] => {
      const matching = budgets.filter((pdb) => matchedBy(inv, pdb).includes(t));
      return matching.length > 1
        ? [{ object: t.object, message: `its pods are selected by ${matching.length} PodDisruptionBudgets: ${matching.map((p) => metadataOf(p).name).join(', ')}` }]
        : [];
    });
  },
};

export const availabilityRules: readonly Rule[] = [pdbSelectsPods, pdbSingleReplica, pdbAllowsEviction, pdbOverlap];
