/** Documentation of the chart values: comments of values.yaml and the README values table. */
import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import { quoteAmbiguousScalars } from '../core/yaml.js';
import { configSchema } from '../config/schema.js';
import { CANARY_SERVICE, CHART_ONLY, KNOB_OPTIONS, valueAt, valueKnobs, type Knob } from './knobs.js';
import { fieldAt } from './schema-walk.js';

export const CHART_ONLY_DOCS: Record<string, string> = {
  [CHART_ONLY.environment]:
    'Name of the environment these values describe (dev, staging, prod, ...): the Grafana dashboard tag, and the selector of objects and fields that exist only in some environments (a service only in dev). Set by values-<env>.yaml.',
  [CHART_ONLY.createNamespace]:
    'Render the release namespace (with its Pod Security labels) as part of the chart, kept on `helm uninstall` (helm.sh/resource-policy: keep). Default false: use `helm install --create-namespace`, or a GitOps tool that creates it. Example: true for Argo CD with CreateNamespace=false.',
};

/** Who a knob configures, for descriptions: "the backend container", "MongoDB", "the Loki exporter". */
function ownerOf(knob: Knob): string {
  const [first, second] = knob.values;
  const names: Record<string, string> = { mongodb: 'MongoDB', redis: 'Redis', loki: 'Loki', promtail: 'Promtail', ingress: 'the Ingress', canary: `the ${CANARY_SERVICE} canary` };
  let owner = first === 'services' ? `the ${second} service` : first === 'logs' ? (names[second] ?? 'the logging stack') : (names[first] ?? first);
  if (knob.values.includes('metrics') && first !== 'services') owner = `the ${owner} exporter sidecar`;
  return owner;
}

/**
 * What a value does, with its unit or format and an example, for the fields whose schema
 * description is generic (resources, images, volumes, autoscaling bounds).
 */
function contextualDescription(knob: Knob): string | undefined {
  const owner = ownerOf(knob);
  const path = knob.values.join('.');
  const last2 = knob.values.slice(-2).join('.');
  const table: Record<string, string> = {
    'requests.cpu': `CPU reserved for ${owner} by the scheduler, as a Kubernetes quantity: 250m is a quarter core, 1 is one core.`,
    'requests.memory': `Memory reserved for ${owner} by the scheduler, in bytes with a suffix, e.g. 256Mi or 1Gi.`,
    'limits.cpu': `Most CPU ${owner} may use (throttled above it), e.g. 500m or 2.`,
    'limits.memory': `Most memory ${owner} may use (the container is OOM-killed above it), e.g. 512Mi or 2Gi.`,
    'image.registry': `Registry host of the image of ${owner}, e.g. docker.io or ghcr.io.`,
    'image.repository': `Repository of the image of ${owner} inside its registry, e.g. library/mongo.`,
    'image.tag': `Image tag ${owner} runs, e.g. "1.4.2" ("latest" is refused outside the dev tier).`,
    'image.pullPolicy': `When the kubelet pulls the image of ${owner}: Always, IfNotPresent or Never.`,
    'image.digest': `Pins the image of ${owner} by digest (sha256:<64 hex>); the tag stays for readability.`,
    'storage.size': `Capacity of the PersistentVolumeClaim of ${owner}, e.g. 10Gi (a claim can grow, never shrink).`,
    'storage.storageClass': `StorageClass of the volume of ${owner}, e.g. fast-ssd; unset: the cluster default.`,
    'autoscaling.enabled': `Scale ${owner} with a HorizontalPodAutoscaler between minReplicas and maxReplicas (true), or run \`replicas\` pods (false).`,
    'autoscaling.minReplicas': `Fewest pods the autoscaler keeps for ${owner}, e.g. 2 (more than 1 also adds a PodDisruptionBudget).`,
    'autoscaling.maxReplicas': `Most pods the autoscaler starts for ${owner}, e.g. 10.`,
    'autoscaling.targetCPUUtilizationPercentage': `Average CPU use, in percent of the CPU request, that the autoscaler keeps ${owner} at, e.g. 70.`,
    'autoscaling.targetMemoryUtilizationPercentage': `Average memory use, in percent of the memory request, that the autoscaler keeps ${owner} at, e.g. 80.`,
    'autoscaling.scaleDownStabilizationSeconds': `Seconds the autoscaler waits before removing pods of ${owner}, e.g. 300.`,
  };
  if (knob.values.at(-1) === 'replicas' && knob.values.length === 3) return `Pods of ${owner} when autoscaling is off, e.g. 3 (more than 1 also adds a PodDisruptionBudget).`;
  if (knob.values.includes('volumes')) {
    const volume = knob.values[knob.values.indexOf('volumes') + 1];
    const field = knob.values.at(-1);
    if (field === 'size') return `Capacity of the ${volume} volume of ${owner}, e.g. 10Gi.`;
    if (field === 'accessMode') return `Access mode of the ${volume} volume: ReadWriteOnce (one node) or ReadWriteMany (shared by all pods; needs a storage class that offers it).`;
  }
  if (knob.values.includes('env') && knob.values.length === 4) return `Environment variable ${knob.values[3]} of ${owner} (from its ConfigMap; changing it restarts the pods).`;
  if (path.startsWith('services.') && knob.values[2] === 'canary') return undefined;
  return (
    table[last2] ??
    table[
      knob.values
        .slice(-3)
        .join('.')
        .replace(/^[^.]*\./, '')
    ]
  );
}

/** What a knob's value means: a description in context, the config schema's, or a word on the chart-only ones. */
function knobDescription(knob: Knob): string {
  if (knob.config.length === 0) return CHART_ONLY_DOCS[knob.values[0]] ?? '';
  return contextualDescription(knob) ?? fieldAt(configSchema, knob.config).description ?? '';
}

/** Description of a section of the values (a map), from the config schema. */
export function sectionDescription(knobs: readonly Knob[], path: readonly string[]): string | undefined {
  if (path[0] === CHART_ONLY.canary && path.length === 1) return `Canary track of the ${CANARY_SERVICE} service (services.${CANARY_SERVICE}.canary in the config files).`;
  const knob = knobs.find((k) => path.every((p, i) => k.values[i] === p));
  if (!knob || knob.config.length === 0) return undefined;
  const offset = knob.config.length - knob.values.length;
  try {
    return fieldAt(configSchema, knob.config.slice(0, path.length + offset)).description;
  } catch {
    return undefined;
  }
}

/** values.yaml: the values with each key's description above it. */
export function emitValuesYaml(values: Record<string, unknown>, knobs: readonly Knob[], header: string): string {
  const doc = new Document(values);
  const comment = (path: readonly string[], text: string) => {
    const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
    if (!isMap(parent)) return;
    const pair = (parent as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === path.at(-1));
    if (pair && isScalar(pair.key)) pair.key.commentBefore = ` ${text}`;
  };
  const sections = new Set<string>();
  for (const knob of knobs) {
    for (let i = 1; i < knob.values.length; i++) sections.add(knob.values.slice(0, i).join('.'));
  }
  for (const section of sections) {
    const path = section.split('.');
    const text = sectionDescription(knobs, path);
    const unset = knobs.filter((k) => k.values.length === path.length + 1 && path.every((p, i) => k.values[i] === p) && valueAt(values, k.values) === undefined);
    const also = unset.map((k) => `${k.values.at(-1)} (unset: ${knobDescription(k) || 'optional'})`).join('; ');
    if (text || also) comment(path, [text, also ? `Also settable: ${also}` : ''].filter(Boolean).join('\n '));
  }
  for (const knob of knobs) {
    if (valueAt(values, knob.values) === undefined) continue;
    const text = knobDescription(knob);
    if (text) comment(knob.values, text);
  }
  comment([CHART_ONLY.createNamespace], CHART_ONLY_DOCS[CHART_ONLY.createNamespace]);
  doc.commentBefore = ` ${header}`;
  quoteAmbiguousScalars(doc);
  return doc.toString({ lineWidth: 0 });
}

/** Markdown table of every value: key, type, default, description. */
export function valuesTable(values: Record<string, unknown>, knobs: readonly Knob[]): string {
  const rows = [
    '| Key | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    `| \`${CHART_ONLY.createNamespace}\` | boolean | \`false\` | ${CHART_ONLY_DOCS[CHART_ONLY.createNamespace]} |`,
  ];
  for (const knob of valueKnobs(knobs)) {
    const value = valueAt(values, knob.values);
    const type = KNOB_OPTIONS[knob.kind]?.join(' \\| ') ?? knob.kind;
    const shown = value === undefined ? 'unset' : `\`${JSON.stringify(value)}\``;
    rows.push(`| \`${knob.values.join('.')}\` | ${type} | ${shown} | ${knobDescription(knob).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  }
  return rows.join('\n');
}
