/**
 * The canary promotion state machine, as pure functions over a service's config.
 *
 *   (no canary) --start <tag>--> step 1 --promote--> step 2 ... --promote--> last step = promoted:
 *   the stable image takes the canary tag and the canary is removed.
 *   Any running step --rollback--> (no canary), stable untouched.
 *
 * A transition is a list of edits to the environment file (paths relative to the service), so
 * the CLI can apply them to the YAML document without losing comments or layout.
 */
import type { CanaryConfig, WebServiceConfig } from '../config/schema.js';

export type CanaryCommand = { readonly kind: 'start'; readonly tag: string } | { readonly kind: 'promote' } | { readonly kind: 'rollback' };

export type Edit = { readonly path: readonly string[]; readonly value: unknown } | { readonly path: readonly string[]; readonly remove: true };

export type Transition = { readonly ok: true; readonly edits: readonly Edit[]; readonly summary: string } | { readonly ok: false; readonly error: string };

/** The weight a running canary receives: its explicit weight, or the first step. */
export function currentWeight(canary: CanaryConfig): number {
  return canary.weight ?? canary.steps[0];
}

/** The step after the current weight, or undefined at (or past) the last step. */
export function nextStep(canary: CanaryConfig): number | undefined {
  return canary.steps.find((s) => s > currentWeight(canary));
}

function percent(weight: number, total: number): string {
  return `${Math.round((weight / total) * 1000) / 10}%`;
}

const CANARY_STATE: readonly string[][] = [
  ['canary', 'tag'],
  ['canary', 'digest'],
  ['canary', 'weight'],
];
const removeCanary: Edit[] = [{ path: ['canary', 'enabled'], value: false }, ...CANARY_STATE.map((path) => ({ path, remove: true as const }))];

export function transition(service: WebServiceConfig, command: CanaryCommand): Transition {
  const canary = service.canary;
  const stable = service.image.tag;
  switch (command.kind) {
    case 'start': {
      if (canary.enabled)
        return { ok: false, error: `a canary (${canary.tag}) is already running at ${percent(currentWeight(canary), canary.weightTotal)}: promote or roll it back first` };
      if (command.tag === stable) return { ok: false, error: `${command.tag} is already the stable tag` };
      const first = canary.steps[0];
      if (first === canary.weightTotal) return { ok: false, error: 'the first step is already 100%: use a plain rollout (change image.tag) instead' };
      return {
        ok: true,
        edits: [
          { path: ['canary', 'enabled'], value: true },
          { path: ['canary', 'tag'], value: command.tag },
          { path: ['canary', 'digest'], remove: true },
          { path: ['canary', 'weight'], value: first },
        ],
        summary: `started canary ${command.tag} at ${percent(first, canary.weightTotal)} of traffic (stable: ${stable})`,
      };
    }
    case 'promote': {
      if (!canary.enabled) return { ok: false, error: 'no canary is running: start one with `start --image-tag <tag>`' };
      const next = nextStep(canary);
      if (next === undefined || next >= canary.weightTotal) {
        return {
          ok: true,
          edits: [
            { path: ['image', 'tag'], value: canary.tag },
            canary.digest ? { path: ['image', 'digest'], value: canary.digest } : { path: ['image', 'digest'], remove: true },
            ...removeCanary,
          ],
          summary: `promoted ${canary.tag} to stable (was ${stable}); canary removed`,
        };
      }
      return {
        ok: true,
        edits: [{ path: ['canary', 'weight'], value: next }],
        summary: `canary ${canary.tag}: ${percent(currentWeight(canary), canary.weightTotal)} -> ${percent(next, canary.weightTotal)} of traffic`,
      };
    }
    case 'rollback': {
      if (!canary.enabled) return { ok: false, error: 'no canary is running: nothing to roll back' };
      return { ok: true, edits: removeCanary, summary: `rolled back canary ${canary.tag}; all traffic on stable ${stable}` };
    }
  }
}

/** One paragraph on where the canary stands and what the next command would do. */
export function describeStatus(name: string, service: WebServiceConfig): string {
  const canary = service.canary;
  if (!canary.enabled) {
    return `${name}: no canary; stable ${service.image.tag} takes all traffic.\n  next: start --image-tag <tag> starts a canary at ${percent(canary.steps[0], canary.weightTotal)}`;
  }
  const weight = currentWeight(canary);
  const index = canary.steps.indexOf(weight);
  const next = nextStep(canary);
  const promote =
    next === undefined || next >= canary.weightTotal
      ? `promote makes ${canary.tag} stable and removes the canary`
      : `promote moves the canary to ${percent(next, canary.weightTotal)}`;
  const routing = [canary.header && `header ${canary.header.name}`, canary.cookie && `cookie ${canary.cookie}`].filter(Boolean).join(', ');
  return [
    `${name}: canary ${canary.tag} at ${percent(weight, canary.weightTotal)} of traffic${index >= 0 ? ` (step ${index + 1} of ${canary.steps.length}: ${canary.steps.join(' -> ')})` : ''}; stable ${service.image.tag}.`,
    routing ? `  also routed by ${routing}` : '',
    `  next: ${promote}; rollback returns all traffic to ${service.image.tag}`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** The canary track's workload: the service with the canary image, replicas and resources, never autoscaled. */
export function canaryWorkload(service: WebServiceConfig): WebServiceConfig {
  const canary = service.canary;
  return {
    ...service,
    image: { ...service.image, tag: canary.tag ?? service.image.tag, digest: canary.digest },
    replicas: canary.replicas,
    resources: canary.resources ?? service.resources,
    autoscaling: { ...service.autoscaling, enabled: false },
  };
}
