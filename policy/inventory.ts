/**
 * The objects under check, indexed for the rules: by kind and namespace, their pod templates, the
 * namespaces that admit privileged pods, and how many replicas a workload runs at least.
 */
import { isNetworkPolicy, type NetworkPolicy } from '../core/network-policy.js';
import { mapSelects, metadataOf, podTemplatesOf, selectorMatches, type LabelSelector, type PodTemplate } from '../core/objects.js';
import type { Manifest } from '../core/manifest.js';

/** The Pod Security level a namespace enforces (https://kubernetes.io/docs/concepts/security/pod-security-admission/). */
const PSA_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const PSA_WARN_LABEL = 'pod-security.kubernetes.io/warn';

export interface Inventory {
  readonly objects: readonly Manifest[];
  readonly templates: readonly PodTemplate[];
  readonly networkPolicies: readonly NetworkPolicy[];
  /**
   * Namespaces among the objects that enforce the "privileged" profile and do not warn on
   * "restricted": a logging namespace whose log shipper reads host paths. The restricted-profile
   * rules do not apply to their pods. An application namespace that enforces "privileged" only
   * because a workload declares an exception still warns on "restricted": its pods stay checked.
   */
  readonly privilegedNamespaces: ReadonlySet<string>;
  ofKind(kind: string): Manifest[];
  /** Objects of `kind` named `name` in `namespace`. */
  find(kind: string, namespace: string | undefined, name: string): Manifest | undefined;
}

export function inventory(objects: readonly Manifest[]): Inventory {
  const byKind = new Map<string, Manifest[]>();
  for (const o of objects) byKind.set(String(o.kind), [...(byKind.get(String(o.kind)) ?? []), o]);
  const ofKind = (kind: string) => byKind.get(kind) ?? [];
  return {
    objects,
    templates: podTemplatesOf(objects),
    networkPolicies: objects.filter((o) => isNetworkPolicy(o)) as unknown as NetworkPolicy[],
    privilegedNamespaces: new Set(
      ofKind('Namespace')
        .filter((ns) => metadataOf(ns).labels?.[PSA_ENFORCE_LABEL] === 'privileged' && metadataOf(ns).labels?.[PSA_WARN_LABEL] !== 'restricted')
        .map((ns) => metadataOf(ns).name ?? ''),
    ),
    ofKind,
    find: (kind, namespace, name) => ofKind(kind).find((o) => metadataOf(o).name === name && metadataOf(o).namespace === namespace),
  };
}

/** Pod templates of `namespace` that a Service-style selector (a map) picks. */
export function templatesSelectedBy(inv: Inventory, namespace: string | undefined, selector: Record<string, string> | undefined): PodTemplate[] {
  return inv.templates.filter((t) => t.namespace === namespace && mapSelects(selector, t.labels));
}

/** Pod templates of `namespace` that a LabelSelector (PDB, ...) picks. */
export function templatesMatching(inv: Inventory, namespace: string | undefined, selector: LabelSelector): PodTemplate[] {
  return inv.templates.filter((t) => t.namespace === namespace && selectorMatches(selector, t.labels));
}

/** The HorizontalPodAutoscaler that scales a workload, if any. */
export function autoscalerOf(inv: Inventory, template: Pick<PodTemplate, 'kind' | 'name' | 'namespace'>): Manifest | undefined {
  return inv.ofKind('HorizontalPodAutoscaler').find((hpa) => {
    const ref = (hpa.spec as { scaleTargetRef?: { kind?: string; name?: string } } | undefined)?.scaleTargetRef;
    return metadataOf(hpa).namespace === template.namespace && ref?.kind === template.kind && ref?.name === template.name;
  });
}

/**
 * The fewest pods a workload runs: its HPA's minReplicas (default 1), else spec.replicas
 * (default 1); undefined for kinds without a fixed count (DaemonSets, Jobs, ...).
 */
export function minimumReplicas(inv: Inventory, template: PodTemplate): number | undefined {
  if (!['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'Rollout'].includes(template.kind)) return undefined;
  const hpa = autoscalerOf(inv, template);
  if (hpa) return (hpa.spec as { minReplicas?: number }).minReplicas ?? 1;
  return (template.object.spec as { replicas?: number } | undefined)?.replicas ?? 1;
}
