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

export type CanaryCommand =
  | { readonly kind: 'start'; readonly tag: string; readonly now?: Date }
  | { readonly kind: 'promote'; readonly now?: Date; readonly force?: boolean }
  | { readonly kind: 'rollback' };

export type Edit = { readonly path: readonly string[]; readonly value: unknown } | { readonly path: readonly string[]; readonly remove: true };

/**
 * What a command does: edits with a summary (no edits: the state asked for holds already, a no-op
 * that says so), or a refusal; `waitSeconds` marks one that only needs time (the bake time).
 */
export type Transition =
  | { readonly ok: true; readonly edits: readonly Edit[]; readonly summary: string }
  | { readonly ok: false; readonly error: string; readonly waitSeconds?: number };

/** A transition that changes nothing because its result holds already. */
export const noChange = (summary: string): Transition => ({ ok: true, edits: [], summary });

/** "10m", "90s", "1h" in milliseconds. */
export function durationMs(duration: string): number {
  const match = /^([0-9]+)([smh])$/.exec(duration);
  if (!match) throw new Error(`not a duration: ${duration}`);
  return Number(match[1]) * { s: 1000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

/** Seconds as "6m48s", "1h0m5s", "42s". */
export function formatSeconds(total: number): string {
  const s = Math.max(0, Math.ceil(total));
  const [h, m, rest] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  return h ? `${h}h${m}m${rest}s` : m ? `${m}m${rest}s` : `${rest}s`;
}

/** An RFC 3339 time to the second, as the config records it. */
export const timestamp = (when: Date): string => `${when.toISOString().slice(0, 19)}Z`;

/** Seconds of bake time left at the current step at `now` (0: promote may go on; no recorded start: 0). */
export function bakeTimeLeft(canary: CanaryConfig, now: Date): number {
  if (!canary.stepStartedAt) return 0;
  const left = new Date(canary.stepStartedAt).getTime() + durationMs(canary.minStepDuration) - now.getTime();
  return Math.max(0, left / 1000);
}

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
  ['canary', 'stepStartedAt'],
];
const removeCanary: Edit[] = [{ path: ['canary', 'enabled'], value: false }, ...CANARY_STATE.map((path) => ({ path, remove: true as const }))];

export function transition(service: WebServiceConfig, command: CanaryCommand): Transition {
  const canary = service.canary;
  const stable = service.image.tag;
  switch (command.kind) {
    case 'start': {
      if (canary.enabled && canary.tag === command.tag) {
        return noChange(`canary ${canary.tag} is already running at ${percent(currentWeight(canary), canary.weightTotal)} of traffic: nothing to start`);
      }
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
          stepStart(command.now),
        ],
        summary: `started canary ${command.tag} at ${percent(first, canary.weightTotal)} of traffic (stable: ${stable})`,
      };
    }
    case 'promote': {
      if (!canary.enabled) return noChange(`no canary is running: nothing to promote; stable ${stable} takes all traffic`);
      const left = command.force ? 0 : bakeTimeLeft(canary, command.now ?? new Date());
      if (left > 0) {
        const since = canary.stepStartedAt ?? '';
        return {
          ok: false,
          waitSeconds: Math.ceil(left),
          error: `canary ${canary.tag} has been at ${percent(currentWeight(canary), canary.weightTotal)} since ${since}; the bake time (minStepDuration) is ${canary.minStepDuration}: promote again in ${formatSeconds(left)}, or with --force`,
        };
      }
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
        edits: [{ path: ['canary', 'weight'], value: next }, stepStart(command.now)],
        summary: `canary ${canary.tag}: ${percent(currentWeight(canary), canary.weightTotal)} -> ${percent(next, canary.weightTotal)} of traffic`,
      };
    }
    case 'rollback': {
      if (!canary.enabled) return noChange(`no canary is running: nothing to roll back; stable ${stable} takes all traffic`);
      return { ok: true, edits: removeCanary, summary: `rolled back canary ${canary.tag}; all traffic on stable ${stable}` };
    }
  }
}

/** Records when a step begins, for the bake time. */
const stepStart = (now: Date = new Date()): Edit => ({ path: ['canary', 'stepStartedAt'], value: timestamp(now) });

/** One paragraph on where the canary stands and what the next command would do. */
export function describeStatus(name: string, service: WebServiceConfig, now: Date = new Date()): string {
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
    bakeLine(canary, now),
    `  next: ${promote}; rollback returns all traffic to ${service.image.tag}`,
  ]
    .filter(Boolean)
    .join('\n');
}

function bakeLine(canary: CanaryConfig, now: Date): string {
  if (!canary.stepStartedAt) return `  bake time ${canary.minStepDuration}: the step's start is not recorded, promote may go on`;
  const left = bakeTimeLeft(canary, now);
  return `  step started ${canary.stepStartedAt}; bake time ${canary.minStepDuration}: ${left > 0 ? `promote in ${formatSeconds(left)}` : 'over, promote may go on'}`;
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
