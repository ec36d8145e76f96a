/**
 * The configs a chart is generated from: each environment, then each environment with one switch
 * flipped (so every difference is seen alone), then seeded random combinations (so differences
 * that depend on two switches at once are seen too). Configs the schema rejects are skipped.
 */
import { configSchema, TIERS, type Config } from '../config/schema.js';
import { CHART_ONLY, configValue, knobField, valueAt, withValueAt, type Knob } from './knobs.js';

export interface VariantConfig {
  /** For messages: "prod", "prod: logs.enabled=false", "random 3 of dev". */
  readonly name: string;
  /** Environment name (also the `environment` chart value). */
  readonly environment: string;
  readonly config: Config;
}

const CANARY_TAG = '9.9.9-canary';

/** A value an optional knob takes when a variant sets it. */
function sample(knob: Knob): unknown {
  const field = knobField(knob);
  if (field === 'storageClass') return 'fast-ssd';
  if (field === 'secretName') return 'custom-tls';
  if (field === 'name') return 'X-Canary';
  if (field === 'value') return 'always';
  if (field === 'pattern') return '^(on|yes)$';
  if (field === 'cookie') return 'canary';
  if (field === 'tag') return CANARY_TAG;
  if (knob.values.includes('env')) return 'from-a-variant';
  return 'sample';
}

/** One change to a config, as (knob, new value); undefined removes an optional value. */
type Change = readonly [Knob, unknown];

function changesOf(config: Config, knobs: readonly Knob[], optional: (k: Knob) => boolean): Change[] {
  const changes: Change[] = [];
  for (const knob of knobs) {
    if (knob.config.length === 0) continue;
    const value = configValue(config, knob);
    const field = knob.values.at(-1);
    if (knob.kind === 'boolean') {
      changes.push([knob, !value]);
    } else if (knob.kind === 'tier') {
      for (const tier of TIERS) if (tier !== value) changes.push([knob, tier]);
    } else if (knob.kind === 'number') {
      if (field === 'replicas' || field === 'minReplicas') changes.push([knob, value === 1 ? 3 : 1]);
      if (field === 'weight') changes.push([knob, 25]);
    } else if (optional(knob) || knob.values.includes('env')) {
      changes.push([knob, value === undefined ? sample(knob) : undefined]);
    }
  }
  return changes;
}

/** Applies changes; a canary detail switches the canary on (it matters only then). */
function apply(config: Config, changes: readonly Change[]): Config {
  let next: Config = config;
  for (const [knob, value] of changes) {
    next = withValueAt(next, knob.config, value);
    if (knob.values[0] === CHART_ONLY.canary && knob.values[1] !== 'enabled') next = withValueAt(next, [...knob.config.slice(0, 3), 'enabled'], true);
    if (knob.values[0] === CHART_ONLY.canary && knob.values[1] === 'header' && knob.values[2] !== 'name') {
      next = withValueAt(next, [...knob.config.slice(0, 4), 'name'], 'X-Canary');
    }
  }
  const canary = valueAt(next, ['services', 'backend', 'canary']) as { enabled?: boolean; tag?: string } | undefined;
  if (canary?.enabled && !canary.tag) next = withValueAt(next, ['services', 'backend', 'canary', 'tag'], CANARY_TAG);
  return next;
}

function valid(config: Config): Config | undefined {
  const parsed = configSchema.safeParse(config);
  return parsed.success ? parsed.data : undefined;
}

/** A small deterministic PRNG (mulberry32): the same chart every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function variantConfigs(
  environments: readonly { name: string; config: Config }[],
  knobs: readonly Knob[],
  optional: (k: Knob) => boolean,
  randomPerEnvironment = 4,
): VariantConfig[] {
  const variants: VariantConfig[] = environments.map(({ name, config }) => ({ name, environment: name, config }));
  for (const { name, config } of environments) {
    for (const change of changesOf(config, knobs, optional)) {
      const changed = valid(apply(config, [change]));
      if (changed) variants.push({ name: `${name}: ${change[0].values.join('.')}=${JSON.stringify(change[1])}`, environment: name, config: changed });
    }
    const next = random(name.length * 7919 + 17);
    for (let i = 0; variants.filter((v) => v.name.startsWith(`random `) && v.environment === name).length < randomPerEnvironment && i < 100; i++) {
      const changes = changesOf(config, knobs, optional).filter(() => next() < 0.4);
      const changed = valid(apply(config, changes));
      if (changed) variants.push({ name: `random ${i} of ${name}`, environment: name, config: changed });
    }
  }
  return variants;
}
