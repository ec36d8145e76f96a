/** One entry point for release commands: blue-green services switch colours, others run canaries. */
import type { WebServiceConfig } from '../config/schema.js';
import { blueGreenTransition, describeBlueGreen } from './blue-green.js';
import { describeStatus, transition, type CanaryCommand, type Transition } from './canary.js';

export type ReleaseCommand = CanaryCommand | { readonly kind: 'switch' };

export function releaseTransition(service: WebServiceConfig, command: ReleaseCommand): Transition {
  if (service.blueGreen.enabled) return blueGreenTransition(service, command);
  if (command.kind === 'switch') return { ok: false, error: 'switch is for blue-green services (blueGreen.enabled); this one releases by canary' };
  return transition(service, command);
}

export function describeRelease(name: string, service: WebServiceConfig, now?: Date): string {
  return service.blueGreen.enabled ? describeBlueGreen(name, service) : describeStatus(name, service, now);
}
