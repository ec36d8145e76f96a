/**
 * Blue-green releases, as pure functions over a service's config. Both colours run all the time:
 * the active one (`blueGreen.active`) runs `image.tag` and receives all traffic through the
 * Service; the idle one runs `blueGreen.idleTag` (the next version before a switch, the previous
 * one after it, so a rollback is instant).
 *
 *   start --image-tag T   idle colour runs T
 *   switch                the idle colour becomes active (image.tag = T, idleTag = the old tag)
 *   rollback              switch back
 */
import type { WebServiceConfig } from '../config/schema.js';
import type { Edit, Transition } from './canary.js';

import type { Colour } from '../config/names.js';

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

export function blueGreenTransition(service: WebServiceConfig, command: BlueGreenCommand): Transition {
  const bg = service.blueGreen;
  const active = bg.active;
  const idle = idleColour(service);
  switch (command.kind) {
    case 'start':
      if (command.tag === service.image.tag) return { ok: false, error: `${command.tag} is already active on ${active}` };
      return {
        ok: true,
        edits: [
          { path: ['blueGreen', 'idleTag'], value: command.tag },
          { path: ['blueGreen', 'idleDigest'], remove: true },
        ],
        summary: `${idle} now runs ${command.tag} (idle); ${active} keeps serving ${service.image.tag}. Check ${idle}, then switch`,
      };
    case 'switch':
    case 'rollback': {
      if (!bg.idleTag) return { ok: false, error: `the idle colour (${idle}) has no version to switch to: start --image-tag <tag> first` };
      const swap: Edit[] = [
        { path: ['blueGreen', 'active'], value: idle },
        { path: ['image', 'tag'], value: bg.idleTag },
        bg.idleDigest ? { path: ['image', 'digest'], value: bg.idleDigest } : { path: ['image', 'digest'], remove: true },
        { path: ['blueGreen', 'idleTag'], value: service.image.tag },
        service.image.digest ? { path: ['blueGreen', 'idleDigest'], value: service.image.digest } : { path: ['blueGreen', 'idleDigest'], remove: true },
      ];
      const verb = command.kind === 'switch' ? 'switched' : 'rolled back';
      return { ok: true, edits: swap, summary: `${verb} traffic from ${active} (${service.image.tag}) to ${idle} (${bg.idleTag}); ${active} stays up for rollback` };
    }
    case 'promote':
      return { ok: false, error: 'blue-green services have no steps: use switch' };
  }
}

export function describeBlueGreen(name: string, service: WebServiceConfig): string {
  const bg = service.blueGreen;
  const idle = idleColour(service);
  return [
    `${name}: blue-green; ${bg.active} is active with ${service.image.tag}, ${idle} is idle with ${bg.idleTag ?? service.image.tag}.`,
    bg.idleTag && bg.idleTag !== service.image.tag
      ? `  next: switch sends all traffic to ${idle} (${bg.idleTag}); start --image-tag <tag> stages another version on ${idle}`
      : `  next: start --image-tag <tag> stages a new version on ${idle}`,
  ].join('\n');
}
