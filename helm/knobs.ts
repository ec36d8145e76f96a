/**
 * The values of the Helm chart ("knobs"): which config fields a `helm install --set` can change,
 * and where each sits in the chart's values. Everything else is fixed when the chart is generated
 * (`npm run synth:helm`) from config/environments/*.
 *
 * Chart values mirror the config (same keys, same schema), with two additions: `environment`
 * (the environment name, which config files carry in their file name) and a top-level `canary`,
 * which is the canary of one service (the seed's `helm upgrade --set canary.enabled=true`).
 */
import type { Config } from '../config/schema.js';
import { isPlainObject } from '../config/merge.js';

type KnobKind = 'string' | 'number' | 'boolean' | 'tier';

export interface Knob {
  /** Path in the chart values, e.g. ["services", "backend", "image", "tag"]. */
  readonly values: readonly string[];
  /** Path in the environment config. */
  readonly config: readonly string[];
  readonly kind: KnobKind;
  /** A string whose characters need no escaping inside a YAML double-quoted scalar (schema-enforced). */
  readonly plain?: boolean;
  /** Message of `required` when the chart uses this value and it is empty. */
  readonly required?: string;
}

/** The last key of a knob's path in the chart values, e.g. "tag" for services.backend.image.tag. */
export function knobField(knob: Knob): string {
  const field = knob.values.at(-1);
  if (field === undefined) throw new Error('a knob without a path in the chart values');
  return field;
}

/** The service whose canary the chart's top-level `canary` values control. */
export const CANARY_SERVICE = 'backend';

/** What the chart adds to the config's keys. */
export const CHART_ONLY = { environment: 'environment', createNamespace: 'createNamespace', canary: 'canary' } as const;

const IMAGE = ['registry', 'repository', 'tag', 'pullPolicy'];
const RESOURCES = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'];
const STORAGE = ['size', 'storageClass'];

/** Knob templates: `*` stands for every key of that record in the configs the chart is made from. */
const PATTERNS: readonly [pattern: string, kind: KnobKind, plain: boolean][] = [
  ['tier', 'tier', true],
  ['namespace', 'string', true],
  ['services.*.replicas', 'number', false],
  ...IMAGE.map((f): [string, KnobKind, boolean] => [`services.*.image.${f}`, 'string', true]),
  ['services.*.autoscaling.enabled', 'boolean', false],
  ...['minReplicas', 'maxReplicas', 'targetCPUUtilizationPercentage', 'targetMemoryUtilizationPercentage', 'scaleDownStabilizationSeconds'].map(
    (f): [string, KnobKind, boolean] => [`services.*.autoscaling.${f}`, 'number', false],
  ),
  ...RESOURCES.map((f): [string, KnobKind, boolean] => [`services.*.resources.${f}`, 'string', true]),
  ['services.*.env.*', 'string', false],
  ['services.*.volumes.*.size', 'string', true],
  ['services.*.volumes.*.accessMode', 'string', true],
  ['services.*.volumes.*.storageClass', 'string', false],
  ...(['mongodb', 'redis'] as const).flatMap((store): [string, KnobKind, boolean][] => [
    ...IMAGE.map((f): [string, KnobKind, boolean] => [`${store}.image.${f}`, 'string', true]),
    ...RESOURCES.map((f): [string, KnobKind, boolean] => [`${store}.resources.${f}`, 'string', true]),
    ...STORAGE.map((f): [string, KnobKind, boolean] => [`${store}.storage.${f}`, 'string', f === 'size']),
    [`${store}.metrics.enabled`, 'boolean', false],
    ...IMAGE.map((f): [string, KnobKind, boolean] => [`${store}.metrics.image.${f}`, 'string', true]),
    ...RESOURCES.map((f): [string, KnobKind, boolean] => [`${store}.metrics.resources.${f}`, 'string', true]),
  ]),
  ['mongodb.replicaSet.enabled', 'boolean', false],
  ['ingress.host', 'string', true],
  ['ingress.className', 'string', false],
  ['ingress.proxyBodySize', 'string', true],
  ['ingress.tls.enabled', 'boolean', false],
  ['ingress.tls.clusterIssuer', 'string', false],
  ['ingress.tls.secretName', 'string', true],
  ['ingress.rateLimit.enabled', 'boolean', false],
  ['logs.enabled', 'boolean', false],
  ...(['loki', 'promtail', 'alloy'] as const).flatMap((part): [string, KnobKind, boolean][] => [
    ...IMAGE.map((f): [string, KnobKind, boolean] => [`logs.${part}.image.${f}`, 'string', true]),
    ...RESOURCES.map((f): [string, KnobKind, boolean] => [`logs.${part}.resources.${f}`, 'string', true]),
  ]),
  ...STORAGE.map((f): [string, KnobKind, boolean] => [`logs.loki.storage.${f}`, 'string', f === 'size']),
];

/** The canary fields the chart exposes as `canary.*` (config: services.<CANARY_SERVICE>.canary.*). */
const CANARY_PATTERNS: readonly [field: string, kind: KnobKind, plain: boolean][] = [
  ['enabled', 'boolean', false],
  ['tag', 'string', true],
  ['weight', 'number', false],
  ['replicas', 'number', false],
  ['header.name', 'string', true],
  ['header.value', 'string', false],
  ['header.pattern', 'string', false],
  ['cookie', 'string', true],
];

/** Every knob, with `*` expanded over the record keys found in `configs`. */
export function knobsOf(configs: readonly Config[]): Knob[] {
  const knobs: Knob[] = [{ values: [CHART_ONLY.environment], config: [], kind: 'string', plain: true }];
  for (const [pattern, kind, plain] of PATTERNS) {
    for (const path of expand(pattern.split('.'), configs as unknown[])) knobs.push({ values: path, config: path, kind, plain });
  }
  for (const [field, kind, plain] of CANARY_PATTERNS) {
    knobs.push({
      values: [CHART_ONLY.canary, ...field.split('.')],
      config: ['services', CANARY_SERVICE, 'canary', ...field.split('.')],
      kind,
      plain,
      ...(field === 'tag' ? { required: 'canary.tag: an enabled canary needs the image tag it runs' } : {}),
    });
  }
  return knobs;
}

function expand(pattern: readonly string[], roots: readonly unknown[]): string[][] {
  const star = pattern.indexOf('*');
  if (star < 0) return [[...pattern]];
  const prefix = pattern.slice(0, star);
  const keys = new Set<string>();
  for (const root of roots) {
    const record = valueAt(root, prefix);
    if (isPlainObject(record)) for (const key of Object.keys(record)) keys.add(key);
  }
  return [...keys].sort().flatMap((key) => expand([...prefix, key, ...pattern.slice(star + 1)], roots));
}

export function valueAt(root: unknown, path: readonly string[]): unknown {
  let node = root;
  for (const key of path) {
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A copy of `root` with `path` set to `value` (undefined deletes), creating objects on the way. */
export function withValueAt<T>(root: T, path: readonly string[], value: unknown): T {
  if (path.length === 0) return value as T;
  const copy: Record<string, unknown> = isPlainObject(root) ? { ...root } : {};
  const [key, ...rest] = path;
  const next = withValueAt(copy[key], rest, value);
  if (next === undefined) delete copy[key];
  else copy[key] = next;
  return copy as T;
}

/** The chart values that reproduce environment `name` with `config`. */
export function chartValuesOf(name: string, config: Config, knobs: readonly Knob[]): Record<string, unknown> {
  let values: Record<string, unknown> = { [CHART_ONLY.createNamespace]: true };
  for (const knob of knobs) {
    const value = knob.values[0] === CHART_ONLY.environment ? name : configValue(config, knob);
    if (value !== undefined) values = withValueAt(values, knob.values, value);
  }
  return values;
}

/** A knob's value in a config; the canary weight defaults to the first step, as the charts do. */
export function configValue(config: Config, knob: Knob): unknown {
  const value = valueAt(config, knob.config);
  if (value === undefined && knob.values[0] === CHART_ONLY.canary && knob.values[1] === 'weight') {
    return config.services[CANARY_SERVICE]?.canary.steps[0];
  }
  return value;
}
