/**
 * The layers an environment's configuration is made of, lowest first (config/load.ts reads the
 * files, this module only merges plain data):
 *
 *  1. the schema's defaults (config/schema.ts), and for every workload the defaults do not name,
 *     the defaults of a generic web service or worker, so a partial setting of a new workload
 *     (only `resources.requests.memory`) merges exactly as it does for `backend`;
 *  2. the application layer, config/app.yaml, shared by every environment;
 *  3. the tier's defaults for every workload (TIER_WORKLOAD_DEFAULTS: dev runs one replica without
 *     autoscaling), so a workload added in the application layer follows the tier too, and for the
 *     rest (TIER_CONFIG_DEFAULTS: backups off in dev);
 *  4. the environment files: the environment it `extends` first (recursively), its own file last.
 *
 * Maps merge key by key; lists, scalars and null replace (config/merge.ts). A service's
 * `canary.resources`, when set, is an overlay on the service's own `resources` (so
 * `canary.resources.limits.memory` alone is a complete setting), like a workload on its defaults.
 */
import { deepMerge, isPlainObject, setOwnProperty, type PlainObject } from './merge.js';
import { TIERS, webServiceSchema, workerSchema, type Config } from './schema.js';

/** The sections of a config that hold workloads by name. */
const WORKLOAD_SECTIONS = ['services', 'workers'] as const;

/**
 * What each tier changes in every workload, before the environment file: the environment file
 * (or one it extends) may still ask for more, e.g. `replicas: 2` or `autoscaling.enabled: true`
 * in dev. A workload with one pod gets no PodDisruptionBudget (charts/workloads/availability.ts)
 * and a dev web service no topology spreading unless its `topologySpread` says so.
 */
export const TIER_WORKLOAD_DEFAULTS: Readonly<Record<Config['tier'], PlainObject>> = {
  dev: { replicas: 1, autoscaling: { enabled: false } },
  staging: {},
  prod: {},
};

/**
 * What each tier changes in the rest of the config, before the environment files (which may still
 * say otherwise): backups run in staging and prod, not in dev. A value in the config rather than a
 * rule applied when rendering, so the output depends on backup.enabled alone, not on the tier.
 */
const TIER_CONFIG_DEFAULTS: Readonly<Record<Config['tier'], PlainObject>> = {
  dev: { backup: { enabled: false } },
  staging: { backup: { enabled: true } },
  prod: { backup: { enabled: true } },
};

// A generic workload needs an image to be parsed; the image is then removed, it has no default.
const PLACEHOLDER_IMAGE = { repository: 'placeholder', tag: 'placeholder' };
let genericCache: Record<(typeof WORKLOAD_SECTIONS)[number], PlainObject> | undefined;

/** The fully defaulted web service or worker without its image: what a new workload is an overlay on. */
export function genericWorkload(section: (typeof WORKLOAD_SECTIONS)[number]): PlainObject {
  genericCache ??= {
    services: withoutImage(webServiceSchema.parse({ image: PLACEHOLDER_IMAGE })),
    workers: withoutImage(workerSchema.parse({ image: PLACEHOLDER_IMAGE })),
  };
  return structuredClone(genericCache[section]);
}

function withoutImage(workload: object): PlainObject {
  const { image: _image, ...rest } = workload as PlainObject;
  return rest;
}

/** The tier the layers set (the last one that sets it), if it is one. */
function tierOf(layers: readonly unknown[]): Config['tier'] | undefined {
  let tier: unknown;
  for (const layer of layers) if (isPlainObject(layer) && Object.hasOwn(layer, 'tier')) tier = layer.tier;
  return (TIERS as readonly unknown[]).includes(tier) ? (tier as Config['tier']) : undefined;
}

/**
 * The data the schema validates: `defaults` (the schema's), then `app` (or nothing), then the
 * tier's workload defaults, then `environments` from the one extended first to the environment's
 * own file. Nothing is validated here: a wrong value goes through as written, for the schema to
 * report where the layer states it.
 */
export function layeredConfig(defaults: unknown, app: unknown, environments: readonly unknown[]): unknown {
  const userLayers = [app, ...environments].filter((layer) => layer !== undefined);
  let merged = withGenericWorkloads(defaults, userLayers);
  merged = deepMerge(merged, app);
  const tier = tierOf(environments);
  if (tier) merged = deepMerge(withTierDefaults(merged, TIER_WORKLOAD_DEFAULTS[tier]), TIER_CONFIG_DEFAULTS[tier]);
  for (const layer of environments) merged = deepMerge(merged, layer);
  return withCanaryResourcesOnService(merged);
}

/** `config` with every service's `canary.resources` mapping merged onto the service's `resources`. */
function withCanaryResourcesOnService(config: unknown): unknown {
  if (!isPlainObject(config) || !isPlainObject(config.services)) return config;
  const services: PlainObject = {};
  for (const [name, service] of Object.entries(config.services)) {
    const canary = isPlainObject(service) ? service.canary : undefined;
    const partial = isPlainObject(canary) ? canary.resources : undefined;
    if (isPlainObject(service) && isPlainObject(canary) && isPlainObject(partial) && isPlainObject(service.resources)) {
      setOwnProperty(services, name, { ...service, canary: { ...canary, resources: deepMerge(service.resources, partial) } });
    } else {
      setOwnProperty(services, name, service);
    }
  }
  return { ...config, services };
}

/** `defaults` with a generic workload for every workload a layer names that the defaults do not. */
function withGenericWorkloads(defaults: unknown, layers: readonly unknown[]): unknown {
  if (!isPlainObject(defaults)) return defaults;
  const result: PlainObject = { ...defaults };
  for (const section of WORKLOAD_SECTIONS) {
    const base = isPlainObject(defaults[section]) ? { ...defaults[section] } : {};
    for (const layer of layers) {
      const named = isPlainObject(layer) ? layer[section] : undefined;
      if (!isPlainObject(named)) continue;
      for (const [name, value] of Object.entries(named)) {
        // Only a mapping is a workload to merge; anything else replaces, for the schema to reject.
        if (!Object.hasOwn(base, name) && isPlainObject(value)) setOwnProperty(base, name, genericWorkload(section));
      }
    }
    setOwnProperty(result, section, base);
  }
  return result;
}

/** `config` with `overlay` merged into every workload that is a mapping. */
function withTierDefaults(config: unknown, overlay: PlainObject): unknown {
  if (!isPlainObject(config) || Object.keys(overlay).length === 0) return config;
  const result: PlainObject = { ...config };
  for (const section of WORKLOAD_SECTIONS) {
    const workloads = config[section];
    if (!isPlainObject(workloads)) continue;
    const next: PlainObject = {};
    for (const [name, workload] of Object.entries(workloads)) setOwnProperty(next, name, isPlainObject(workload) ? deepMerge(workload, overlay) : workload);
    setOwnProperty(result, section, next);
  }
  return result;
}
