/**
 * The configs a chart is generated from: each environment as it is, then seeded random draws of
 * it in which every knob takes another value with probability 1/2 (a boolean flipped, an optional
 * value set or removed, another tier, one or three replicas, ...). Two switches that decide the
 * same objects in every draw cannot be told apart, so the draws must be many enough that any two
 * differ somewhere: with n draws per environment two given switches agree everywhere with
 * probability 2^-n. The count does not grow with the number of services, so generation stays
 * linear in their number (one rendering costs linear time).
 *
 * Draws break rules the schema enforces between values (a canary and blue-green at once, a
 * canary without Ingress paths); those are mended (`mend`) rather than thrown away.
 */
import { configSchema, type Config } from '../config/schema.js';
import { configValue, KNOB_OPTIONS, knobField, withValueAt, withValuesAt, type Knob } from './knobs.js';

export interface VariantConfig {
  /** For messages: "prod", "draw 3 of dev". */
  readonly name: string;
  /** Environment name (also the `environment` chart value). */
  readonly environment: string;
  readonly config: Config;
}

/** Random draws per environment (see the module comment). */
const DRAWS_PER_ENVIRONMENT = 16;

const CANARY_TAG = '9.9.9-canary';
const IDLE_TAG = '9.9.8-idle';

/** A value an optional knob takes when a draw sets it. */
function sample(knob: Knob): unknown {
  const field = knobField(knob);
  if (field === 'storageClass') return 'fast-ssd';
  if (field === 'secretName') return 'custom-tls';
  if (field === 'name') return 'X-Canary';
  if (field === 'value') return 'always';
  if (field === 'pattern') return '^(on|yes)$';
  if (field === 'cookie') return 'canary';
  if (field === 'tag') return CANARY_TAG;
  if (field === 'idleTag') return IDLE_TAG;
  if (field === 'digest' || field === 'idleDigest') return `sha256:${'5a'.repeat(32)}`;
  if (knob.values.includes('env')) return 'from-a-draw';
  return 'sample';
}

/** The other values a knob can take in a draw (empty: it only ever takes its value). */
function alternatives(config: Config, knob: Knob, optional: (k: Knob) => boolean): unknown[] {
  if (knob.config.length === 0) return [];
  const value = configValue(config, knob);
  const field = knob.values.at(-1);
  if (knob.kind === 'boolean') return [!value];
  const options = KNOB_OPTIONS[knob.kind];
  if (options) return options.filter((option) => option !== value);
  if (knob.kind === 'number') {
    if (field === 'replicas' || field === 'minReplicas') return [value === 1 ? 3 : 1];
    if (field === 'weight') return [value === 25 ? 50 : 25];
    return [];
  }
  if (optional(knob) || knob.values.includes('env')) return [value === undefined ? sample(knob) : undefined];
  return [];
}

/** Mends what a draw broke of the rules between values; the result may still fail the schema. */
function mend(config: Config, coin: () => number): Config {
  let draft = config;
  for (const [name, service] of Object.entries(config.services)) {
    const at = (...path: string[]) => ['services', name, ...path];
    const canary = service.canary as { enabled?: boolean; tag?: string; header?: { name?: string; value?: string; pattern?: string } } | undefined;
    const blueGreen = service.blueGreen as { enabled?: boolean } | undefined;
    const routed = config.ingress.enabled && (service.ingress?.paths?.length ?? 0) > 0;
    if (canary?.enabled && !routed) draft = withValueAt(draft, at('canary', 'enabled'), false);
    else if (canary?.enabled && blueGreen?.enabled) draft = withValueAt(draft, at(coin() < 0.5 ? 'blueGreen' : 'canary', 'enabled'), false);
    if (canary?.enabled && !canary.tag) draft = withValueAt(draft, at('canary', 'tag'), CANARY_TAG);
    if (canary?.header && !canary.header.name) draft = withValueAt(draft, at('canary', 'header', 'name'), 'X-Canary');
    if (canary?.header?.value && canary.header.pattern) draft = withValueAt(draft, at('canary', 'header', 'pattern'), undefined);
  }
  return draft;
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

function seedOf(name: string): number {
  let seed = 17;
  for (const char of name) seed = Math.imul(seed, 31) + char.charCodeAt(0);
  return seed;
}

export function variantConfigs(
  environments: readonly { name: string; config: Config }[],
  knobs: readonly Knob[],
  optional: (k: Knob) => boolean,
  drawsPerEnvironment = DRAWS_PER_ENVIRONMENT,
): VariantConfig[] {
  const variants: VariantConfig[] = environments.map(({ name, config }) => ({ name, environment: name, config }));
  for (const { name, config } of environments) {
    const choices = knobs.map((knob) => [knob, alternatives(config, knob, optional)] as const).filter(([, values]) => values.length > 0);
    const next = random(seedOf(name));
    let drawn = 0;
    for (let attempt = 0; drawn < drawsPerEnvironment && attempt < drawsPerEnvironment * 4; attempt++) {
      const changes: [readonly string[], unknown][] = [];
      for (const [knob, values] of choices) {
        if (next() >= 0.5) continue;
        changes.push([knob.config, values[Math.floor(next() * values.length)]]);
      }
      const changed = valid(mend(withValuesAt(config, changes), next));
      if (!changed) continue;
      drawn += 1;
      variants.push({ name: `draw ${drawn} of ${name}`, environment: name, config: changed });
    }
  }
  return variants;
}
