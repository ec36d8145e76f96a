/**
 * Switches: the yes/no questions about the chart values that decide which objects and fields a
 * rendering has (autoscaling on? a storage class set? tier dev?). Each is evaluated here in
 * TypeScript, to explain the variants, and written as a Go template condition for the chart.
 */
import { isPlainObject } from '../config/merge.js';
import { CHART_ONLY, KNOB_OPTIONS, valueAt, valueKnobs, type Knob } from './knobs.js';

export interface Switch {
  /** Go template condition, e.g. `.Values.logs.enabled`. */
  readonly expr: string;
  /** The same condition on chart values, in TypeScript. */
  readonly test: (values: unknown) => boolean;
  /** Set on `environment == <name>`: the switch of last resort for structure no value explains. */
  readonly environment?: string;
  /** Set on "this optional value is set": its dotted path in the values. */
  readonly presence?: string;
}

/** A Go template reference to a chart value: `.Values.a.b`, or `index` when a key is no identifier. */
export function valuesRef(path: readonly string[]): string {
  if (path.every((key) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(key))) return `.Values.${path.join('.')}`;
  return `(index .Values ${path.map((key) => JSON.stringify(key)).join(' ')})`;
}

/** Go templates' truth: false, 0, nil, empty strings, maps and lists are false. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
}

/**
 * Every switch the knobs imply: booleans, presence of optional values (guarded by their optional
 * parents, since Go templates fail on a field of a missing map), record keys (`hasKey`), each tier,
 * and "runs more than one pod at its minimum" (which decides PodDisruptionBudgets).
 */
export function switchesOf(
  allKnobs: readonly Knob[],
  optional: (knob: Knob) => readonly string[][],
  environments: readonly string[],
  partialServices: ReadonlySet<string> = new Set(),
): Switch[] {
  // Go templates fail on a field of a missing map: a service of some environments only is checked first.
  const guardedExpr = (expr: string) => {
    const service = [...partialServices].find((name) => expr.includes(valuesRef(['services', name])) && !expr.startsWith('hasKey .Values.services '));
    return service === undefined ? expr : `and (hasKey .Values.services ${JSON.stringify(service)}) (${expr})`;
  };
  const knobs = valueKnobs(allKnobs);
  const switches: Switch[] = [];
  const add = (s: Switch) => {
    const guarded = guardedExpr(s.expr);
    if (!switches.some((o) => o.expr === guarded)) switches.push({ ...s, expr: guarded });
  };
  // Decides only the environment's own Namespace object (helm/chart.ts), never inferred.
  add({ expr: valuesRef([CHART_ONLY.createNamespace]), test: (v) => truthy(valueAt(v, [CHART_ONLY.createNamespace])) });
  for (const knob of knobs) {
    const path = knob.values;
    if (knob.kind === 'boolean') add({ expr: valuesRef(path), test: (v) => truthy(valueAt(v, path)) });
    for (const option of KNOB_OPTIONS[knob.kind] ?? []) {
      add({ expr: `eq ${valuesRef(path)} ${JSON.stringify(option)}`, test: (v) => valueAt(v, path) === option });
    }
  }
  for (const knob of knobs) {
    const guards = optional(knob);
    if (guards.length === 0 || knob.kind === 'boolean') continue;
    const exprs = guards.map((g) => valuesRef(g));
    add({ expr: exprs.length === 1 ? exprs[0] : `and ${exprs.join(' ')}`, test: (v) => guards.every((g) => truthy(valueAt(v, g))), presence: knob.values.join('.') });
  }
  for (const knob of knobs) {
    const env = knob.values.indexOf('env');
    if (knob.values[0] !== 'services' || env !== 2 || knob.values.length !== 4) continue;
    const parent = knob.values.slice(0, 3);
    const key = knob.values[3];
    add({ expr: `hasKey ${valuesRef(parent)} ${JSON.stringify(key)}`, test: (v) => isPlainObject(valueAt(v, parent)) && key in (valueAt(v, parent) as object) });
  }
  for (const knob of knobs) {
    if (knob.values[0] === 'services' && knob.values[2] === 'replicas') {
      const service = knob.values.slice(0, 2);
      const autoscaling = [...service, 'autoscaling'];
      add({
        expr: `gt (int (ternary ${valuesRef([...autoscaling, 'minReplicas'])} ${valuesRef([...service, 'replicas'])} ${valuesRef([...autoscaling, 'enabled'])})) 1`,
        test: (v) => Number(truthy(valueAt(v, [...autoscaling, 'enabled'])) ? valueAt(v, [...autoscaling, 'minReplicas']) : valueAt(v, [...service, 'replicas'])) > 1,
      });
    }
    if (knob.values.at(-2) === CHART_ONLY.canary && knob.values.at(-1) === 'replicas') {
      add({ expr: `gt (int ${valuesRef(knob.values)}) 1`, test: (v) => Number(valueAt(v, knob.values)) > 1 });
    }
  }
  // A service of some environments only: its objects exist where the values have its settings.
  for (const service of new Set(knobs.filter((k) => k.values[0] === 'services' && k.values.length > 2).map((k) => k.values[1]))) {
    add({ expr: `hasKey .Values.services ${JSON.stringify(service)}`, test: (v) => isPlainObject(valueAt(v, ['services'])) && service in (valueAt(v, ['services']) as object) });
  }
  // Last, so that any switch of the values is preferred: what only the environment explains.
  const environment = [CHART_ONLY.environment];
  for (const name of environments) {
    add({ expr: `eq ${valuesRef(environment)} ${JSON.stringify(name)}`, test: (v) => valueAt(v, environment) === name, environment: name });
  }
  return switches;
}
