/** Documentation of the chart values: comments of values.yaml and the README values table. */
import { Document, isMap, isScalar, type YAMLMap } from 'yaml';
import { quoteAmbiguousScalars } from '../core/yaml.js';
import { configSchema } from '../config/schema.js';
import { CANARY_SERVICE, CHART_ONLY, knobField, valueAt, type Knob } from './knobs.js';
import { fieldAt } from './schema-walk.js';

const CHART_ONLY_DOCS: Record<string, string> = {
  [CHART_ONLY.environment]: 'Environment name (Grafana dashboard tags).',
  [CHART_ONLY.createNamespace]: 'Create the environment namespace (with its Pod Security labels). Set false when it exists already (helm --create-namespace).',
};

/** What a knob's value means: the config schema's description, or a word on the chart-only ones. */
function knobDescription(knob: Knob): string {
  if (knob.config.length === 0) return CHART_ONLY_DOCS[knob.values[0]] ?? '';
  const described = fieldAt(configSchema, knob.config).description;
  if (described) return described;
  const field = knobField(knob);
  if (knob.values.includes('env') && knob.values.length === 4) return `Environment variable ${field} (ConfigMap).`;
  return FALLBACK[field] ?? '';
}

const FALLBACK: Record<string, string> = {
  registry: 'Image registry.',
  pullPolicy: 'imagePullPolicy.',
  cpu: 'CPU quantity.',
  memory: 'Memory quantity.',
  size: 'Volume size (PersistentVolumeClaim request).',
  accessMode: 'PersistentVolumeClaim access mode.',
  enabled: 'On or off.',
  minReplicas: 'HPA minReplicas.',
  maxReplicas: 'HPA maxReplicas.',
  targetCPUUtilizationPercentage: 'HPA target average CPU utilization (% of requests).',
  targetMemoryUtilizationPercentage: 'HPA target average memory utilization (% of requests).',
  scaleDownStabilizationSeconds: 'HPA scale-down stabilization window.',
  host: 'Host name of the Ingress.',
  className: 'IngressClass.',
  clusterIssuer: 'cert-manager ClusterIssuer.',
  name: 'Header name.',
  replicas: 'Replicas.',
};

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
  doc.commentBefore = ` ${header}\n Each key below documents what it does (from config/schema.ts).`;
  quoteAmbiguousScalars(doc);
  return doc.toString({ lineWidth: 0 });
}

/** Markdown table of every value: key, type, default, description. */
export function valuesTable(values: Record<string, unknown>, knobs: readonly Knob[]): string {
  const rows = [
    '| Key | Type | Default | Description |',
    '| --- | --- | --- | --- |',
    `| \`${CHART_ONLY.createNamespace}\` | boolean | \`true\` | ${CHART_ONLY_DOCS[CHART_ONLY.createNamespace]} |`,
  ];
  for (const knob of knobs) {
    const value = valueAt(values, knob.values);
    const type = knob.kind === 'tier' ? 'dev \\| staging \\| prod' : knob.kind;
    const shown = value === undefined ? 'unset' : `\`${JSON.stringify(value)}\``;
    rows.push(`| \`${knob.values.join('.')}\` | ${type} | ${shown} | ${knobDescription(knob).replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  }
  return rows.join('\n');
}
