/**
 * Blue-green releases, as pure functions over a service's config. Both colours run all the time:
 * the active one (`blueGreen.active`) runs `image.tag` and receives all traffic through the
 * Service; the idle one runs `blueGreen.idleTag` (the next version before a switch, the previous
 * one after it, so a rollback is instant).
 *
 *   start --image-tag T   idle colour runs T (idleState: staged)
 *   switch                the idle colour becomes active (image.tag = T, idleTag = the old tag,
 *                         idleState: previous); again: no change
 *   rollback              switch back (idleState: rolledBack); again, or before a switch: no change
 */
import type { WebServiceConfig } from '../config/schema.js';
import { noChange, type Edit, type Transition } from './canary.js';
import type { Colour, IdleState } from '../config/names.js';

export function idleColour(service: WebServiceConfig): Colour {
  return service.blueGreen.active === 'blue' ? 'green' : 'blue';
}

/** The workload one colour runs. */
export function colourWorkload(service: WebServiceConfig, colour: Colour): WebServiceConfig {
  if (colour === service.blueGreen.active) return service;
  const { idleTag, idleDigest } = service.blueGreen;
  return idleTag ? { ...service, image: { ...service.image, tag: idleTag, digest: idleDigest } } : service;
}

export type BlueGreenCommand = { readonly kind: 'start'; readonly tag: string } | { readonly kind: 'switch' } | { readonly kind: 'rollback' } | { readonly kind: 'promote' };

/** What the idle colour runs; an idle tag without a recorded state was staged by start. */
export function idleState(service: WebServiceConfig): IdleState | undefined {
  const bg = service.blueGreen;
  return bg.idleTag ? (bg.idleState ?? 'staged') : undefined;
}

/**
 * Every command is safe to repeat: the idle colour's state says what a switch or rollback would
 * do, so a second switch, or a rollback of what was rolled back (or never switched to), changes
 * nothing and says so.
 */
export function blueGreenTransition(service: WebServiceConfig, command: BlueGreenCommand): Transition {
  const bg = service.blueGreen;
  const active = bg.active;
  const idle = idleColour(service);
  const state = idleState(service);
  const current = `${active} (${service.image.tag}) serves all traffic`;
  switch (command.kind) {
    case 'start':
      if (command.tag === service.image.tag) return { ok: false, error: `${command.tag} is already active on ${active}` };
      if (state === 'staged' && bg.idleTag === command.tag) return noChange(`${idle} already runs ${command.tag} (staged); ${current}: nothing to start`);
      return {
        ok: true,
        edits: [
          { path: ['blueGreen', 'idleTag'], value: command.tag },
          { path: ['blueGreen', 'idleDigest'], remove: true },
          { path: ['blueGreen', 'idleState'], value: 'staged' },
        ],
        summary: `${idle} now runs ${command.tag} (idle); ${active} keeps serving ${service.image.tag}. Check ${idle}, then switch`,
      };
    case 'switch':
      if (!bg.idleTag) return { ok: false, error: `the idle colour (${idle}) has no version to switch to: start --image-tag <tag> first` };
      if (state === 'previous') return noChange(`already switched: ${current}; ${idle} keeps ${bg.idleTag} for rollback`);
      if (state === 'rolledBack') {
        return { ok: false, error: `${idle} runs ${bg.idleTag}, which was rolled back: stage it again with start --image-tag ${bg.idleTag} to switch to it` };
      }
      return {
        ok: true,
        edits: swap(service, 'previous'),
        summary: `switched traffic from ${active} (${service.image.tag}) to ${idle} (${bg.idleTag}); ${active} stays up for rollback`,
      };
    case 'rollback':
      if (state === 'rolledBack') return noChange(`already rolled back: ${current}; ${idle} keeps ${bg.idleTag}`);
      if (state !== 'previous') {
        return noChange(`nothing to roll back: ${current}${bg.idleTag ? `; ${idle} runs ${bg.idleTag}, staged, never switched to` : ''}`);
      }
      return {
        ok: true,
        edits: swap(service, 'rolledBack'),
        summary: `rolled back traffic from ${active} (${service.image.tag}) to ${idle} (${bg.idleTag}); ${active} keeps ${service.image.tag}, marked rolled back`,
      };
    case 'promote':
      return { ok: false, error: 'blue-green services have no steps: use switch' };
  }
}

/** The idle colour becomes active; the old active version stays on the other colour as `after`. */
function swap(service: WebServiceConfig, after: IdleState): Edit[] {
  const bg = service.blueGreen;
  return [
    { path: ['blueGreen', 'active'], value: idleColour(service) },
    { path: ['image', 'tag'], value: bg.idleTag },
    bg.idleDigest ? { path: ['image', 'digest'], value: bg.idleDigest } : { path: ['image', 'digest'], remove: true },
    { path: ['blueGreen', 'idleTag'], value: service.image.tag },
    service.image.digest ? { path: ['blueGreen', 'idleDigest'], value: service.image.digest } : { path: ['blueGreen', 'idleDigest'], remove: true },
    { path: ['blueGreen', 'idleState'], value: after },
  ];
}

export function describeBlueGreen(name: string, service: WebServiceConfig): string {
  const bg = service.blueGreen;
  const idle = idleColour(service);
  const state = idleState(service);
  const what = { staged: 'staged, never active', previous: 'the version before the last switch', rolledBack: 'rolled back' };
  const next =
    state === 'staged'
      ? `switch sends all traffic to ${idle} (${bg.idleTag}); start --image-tag <tag> stages another version on ${idle}`
      : state === 'previous'
        ? `rollback returns all traffic to ${idle} (${bg.idleTag}); start --image-tag <tag> stages a new version on ${idle}`
        : `start --image-tag <tag> stages a new version on ${idle}`;
  return [
    `${name}: blue-green; ${bg.active} is active with ${service.image.tag}, ${idle} is idle with ${bg.idleTag ?? service.image.tag}${state ? ` (${what[state]})` : ''}.`,
    `  next: ${next}`,
  ].join('\n');
}
