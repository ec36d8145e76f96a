/**
 * Read-only views of synthesized Kubernetes objects (plain JSON, from memory or from dist/): the
 * pod templates of workloads, their containers and ports, and label-selector matching. Used by the
 * NetworkPolicy derivation, the policy report and the tests.
 */
import type { Manifest } from './manifest.js';

export type Labels = Record<string, string>;

interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

export interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

/**
 * Label-selector semantics (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors):
 * every matchLabels pair and every expression must hold; an empty selector matches everything.
 */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  const pairs = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    pairs &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = Object.hasOwn(labels, e.key);
      switch (e.operator) {
        case 'In':
          return has && (e.values ?? []).includes(labels[e.key]);
        case 'NotIn':
          return !has || !(e.values ?? []).includes(labels[e.key]);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
        default:
          // Not an operator of the API (it rejects the object): the expression selects nothing.
          return false;
      }
    })
  );
}

/** A Service-style selector (a plain map); matches nothing when empty, as a Service selects no pods then. */
export function mapSelects(selector: Labels | undefined, labels: Labels): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && selectorMatches({ matchLabels: selector }, labels);
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol?: string;
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly ports?: readonly ContainerPort[];
  readonly restartPolicy?: string;
  readonly [field: string]: unknown;
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly ephemeralContainers?: readonly Container[];
  readonly [field: string]: unknown;
}

/** The pod template of a workload object, with what identifies it. */
export interface PodTemplate {
  readonly object: Manifest;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Labels;
  /** The pod template's annotations. */
  readonly annotations: Labels;
  readonly spec: PodSpec;
}

export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: Labels;
  readonly annotations?: Labels;
}

export function metadataOf(object: Manifest): ObjectMeta {
  return (object.metadata ?? {}) as ObjectMeta;
}

/** "Deployment webapp-prod/backend" */
export function describeObject(object: Manifest): string {
  const { name, namespace } = metadataOf(object);
  return `${String(object.kind)} ${namespace ? `${namespace}/` : ''}${name ?? '<no name>'}`;
}

/** Kinds whose objects run pods, and where their pod template is. */
const TEMPLATE_PATHS: Record<string, readonly string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  // Argo Rollouts: a Rollout with its pod template inline (charts/workloads/rollout.ts).
  Rollout: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  PodTemplate: ['template'],
  Pod: [],
};

/** Kinds whose objects have a pod template. */
export const POD_TEMPLATE_KINDS: ReadonlySet<string> = new Set(Object.keys(TEMPLATE_PATHS));

function podTemplateOf(object: Manifest): PodTemplate | undefined {
  const path = TEMPLATE_PATHS[String(object.kind)];
  if (!path) return undefined;
  let template: unknown = object;
  for (const key of path) template = (template as Record<string, unknown> | undefined)?.[key];
  const t = template as { metadata?: ObjectMeta; spec?: PodSpec } | undefined;
  if (!t?.spec) return undefined;
  const meta = metadataOf(object);
  return {
    object,
    kind: String(object.kind),
    name: meta.name ?? '',
    namespace: meta.namespace,
    labels: t.metadata?.labels ?? {},
    annotations: t.metadata?.annotations ?? {},
    spec: t.spec,
  };
}

export function podTemplatesOf(objects: readonly Manifest[]): PodTemplate[] {
  return objects.flatMap((o) => podTemplateOf(o) ?? []);
}

/**
 * Containers that run for the pod's whole life: the app containers and native sidecars (init
 * containers with restartPolicy Always, https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/).
 */
export function longRunningContainers(spec: PodSpec): Container[] {
  return [...(spec.containers ?? []), ...(spec.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
}

/** Every container of a pod: init, app and ephemeral. */
export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** The ports a pod listens on (declared containerPorts of its long-running containers). */
export function podPorts(spec: PodSpec): ContainerPort[] {
  return longRunningContainers(spec).flatMap((c) => c.ports ?? []);
}
