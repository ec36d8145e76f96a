/**
 * The values of the Helm chart ("knobs"): which config fields a `helm install --set` can change,
 * and where each sits in the chart's values. Everything else is fixed when the chart is generated
 * (`npm run synth:helm`) from config/environments/*.
 *
 * Chart values mirror the config (same keys, same schema), with two additions: `environment`
 * (the environment name, which config files carry in their file name) and a top-level `canary`,
 * which is the canary of one service (the seed's `helm upgrade --set canary.enabled=true`).
 */
import { TIERS, type Config } from '../config/schema.js';
import { COLOURS } from '../config/names.js';
import { isPlainObject } from '../config/merge.js';

type KnobKind = 'string' | 'number' | 'boolean' | 'tier' | 'colour';

/** The values of the enumerated kinds: each is a switch of its own (`eq`), never a marker. */
export const KNOB_OPTIONS: Partial<Record<KnobKind, readonly string[]>> = { tier: TIERS, colour: COLOURS };

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
  /**
   * The environment namespace: written as `.Release.Namespace` (Helm's convention: objects go
   * where the release is installed), so it is no chart value.
   */
  readonly releaseNamespace?: true;
  /**
   * Rollout state that no template reads (when a canary step began, what the idle colour runs):
   * kept in the values files, which `npm run canary` rewrites, and in the values schema, but
   * never a marker or a switch of the templates.
   */
  readonly record?: true;
}

/** The knobs the templates are made from (all but the recorded rollout state). */
export const templateKnobs = (knobs: readonly Knob[]): Knob[] => knobs.filter((k) => !k.record);

/** The knobs that are chart values (all but the release namespace). */
export const valueKnobs = (knobs: readonly Knob[]): Knob[] => knobs.filter((k) => !k.releaseNamespace);

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

/** The canary fields of a service (rollout state and routing). */
const CANARY_FIELDS: readonly [field: string, kind: KnobKind, plain: boolean][] = [
  ['enabled', 'boolean', false],
  ['tag', 'string', true],
  ['digest', 'string', true],
  ['weight', 'number', false],
  ['replicas', 'number', false],
  ['header.name', 'string', true],
  ['header.value', 'string', false],
  ['header.pattern', 'string', false],
  ['cookie', 'string', true],
];

/** Knob templates: `*` stands for every key of that record in the configs the chart is made from. */
const PATTERNS: readonly [pattern: string, kind: KnobKind, plain: boolean][] = [
  ['tier', 'tier', true],
  ['services.*.replicas', 'number', false],
  ...IMAGE.map((f): [string, KnobKind, boolean] => [`services.*.image.${f}`, 'string', true]),
  ['services.*.autoscaling.enabled', 'boolean', false],
  ...['minReplicas', 'maxReplicas', 'targetCPUUtilizationPercentage', 'targetMemoryUtilizationPercentage', 'scaleDownStabilizationSeconds'].map(
    (f): [string, KnobKind, boolean] => [`services.*.autoscaling.${f}`, 'number', false],
  ),
  ...RESOURCES.map((f): [string, KnobKind, boolean] => [`services.*.resources.${f}`, 'string', true]),
  ['services.*.image.digest', 'string', true],
  ['services.*.env.*', 'string', false],
  // Rollout state (npm run canary): a step changes values only. The canary of CANARY_SERVICE is the top-level `canary`.
  ...CANARY_FIELDS.map(([field, kind, plain]): [string, KnobKind, boolean] => [`services.*.canary.${field}`, kind, plain]),
  ['services.*.blueGreen.enabled', 'boolean', false],
  ['services.*.blueGreen.active', 'colour', true],
  ['services.*.blueGreen.idleTag', 'string', true],
  ['services.*.blueGreen.idleDigest', 'string', true],
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
  ['ingress.hosts.*.host', 'string', true],
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

/** Rollout state only recorded in the values (Knob.record). */
const RECORDS: readonly string[] = ['services.*.canary.stepStartedAt', 'services.*.blueGreen.idleState'];

/** Every knob, with `*` expanded over the record keys found in `configs`. */
export function knobsOf(configs: readonly Config[]): Knob[] {
  const knobs: Knob[] = [
    { values: [CHART_ONLY.environment], config: [], kind: 'string', plain: true },
    { values: ['namespace'], config: ['namespace'], kind: 'string', plain: true, releaseNamespace: true },
  ];
  const aliased = (path: readonly string[]) => path[0] === 'services' && path[1] === CANARY_SERVICE && path[2] === 'canary';
  for (const [pattern, kind, plain] of PATTERNS) {
    for (const path of expand(pattern.split('.'), configs as unknown[])) {
      if (!aliased(path)) knobs.push({ values: path, config: path, kind, plain, ...canaryTagRequirement(path) });
    }
  }
  for (const pattern of RECORDS) {
    for (const path of expand(pattern.split('.'), configs as unknown[])) {
      if (!aliased(path)) knobs.push({ values: path, config: path, kind: 'string', plain: true, record: true });
    }
  }
  for (const [field, kind, plain] of CANARY_FIELDS) {
    knobs.push({
      values: [CHART_ONLY.canary, ...field.split('.')],
      config: ['services', CANARY_SERVICE, 'canary', ...field.split('.')],
      kind,
      plain,
      ...canaryTagRequirement([CHART_ONLY.canary, ...field.split('.')]),
    });
  }
  knobs.push({ values: [CHART_ONLY.canary, 'stepStartedAt'], config: ['services', CANARY_SERVICE, 'canary', 'stepStartedAt'], kind: 'string', plain: true, record: true });
  return knobs;
}

/** The `required` message of a canary tag: an enabled canary cannot render without it. */
function canaryTagRequirement(valuesPath: readonly string[]): Pick<Knob, 'required'> {
  const canary = valuesPath.indexOf('canary');
  if (canary < 0 || valuesPath.slice(canary + 1).join('.') !== 'tag') return {};
  return { required: `${valuesPath.join('.')}: an enabled canary needs the image tag it runs` };
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
  return withValuesAt(root, [[path, value]]);
}

/**
 * withValueAt applied for each change in turn, copying each object on the paths once rather than
 * once per change (a copy per change made a config's draws quadratic in its services).
 */
export function withValuesAt<T>(root: T, changes: Iterable<readonly [path: readonly string[], value: unknown]>): T {
  const copies = new Set<object>();
  const own = (node: unknown): Record<string, unknown> => {
    if (isPlainObject(node) && copies.has(node)) return node;
    const copy = isPlainObject(node) ? { ...node } : {};
    copies.add(copy);
    return copy;
  };
  let result: unknown = root;
  for (const [path, value] of changes) {
    if (path.length === 0) {
      result = value;
      continue;
    }
    let node = own(result);
    result = node;
    for (const key of path.slice(0, -1)) {
      const child = own(node[key]);
      node[key] = child;
      node = child;
    }
    const last = path[path.length - 1];
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return result as T;
}

/** The chart values that reproduce environment `name` with `config`. */
export function chartValuesOf(name: string, config: Config, knobs: readonly Knob[]): Record<string, unknown> {
  const changes = valueKnobs(knobs).flatMap((knob) => {
    const value = knob.values[0] === CHART_ONLY.environment ? name : configValue(config, knob);
    return value === undefined ? [] : [[knob.values, value] as const];
  });
  return withValuesAt({ [CHART_ONLY.createNamespace]: false }, changes);
}

/** A knob's value in a config; a canary weight defaults to the first step, as the charts do. */
export function configValue(config: Config, knob: Knob): unknown {
  const value = valueAt(config, knob.config);
  if (value === undefined && knob.config[2] === 'canary' && knob.config[3] === 'weight') {
    const steps = valueAt(config, [...knob.config.slice(0, 3), 'steps']);
    return Array.isArray(steps) ? steps[0] : undefined;
  }
  return value;
}

/**
 * The config without rollout state (canary on/tag/digest/weight/step start, blue-green active
 * colour and idle version and state): the templates are generated from it, so a rollout step changes values files only.
 */
export function withoutRolloutState(config: Config): Config {
  return withValuesAt(
    config,
    Object.keys(config.services).flatMap((name): [string[], unknown][] => {
      const at = (...path: string[]) => ['services', name, ...path];
      return [
        [at('canary', 'enabled'), false],
        ...['tag', 'digest', 'weight', 'stepStartedAt'].map((field): [string[], unknown] => [at('canary', field), undefined]),
        [at('blueGreen', 'active'), 'blue'],
        ...['idleTag', 'idleDigest', 'idleState'].map((field): [string[], unknown] => [at('blueGreen', field), undefined]),
      ];
    }),
  );
}
