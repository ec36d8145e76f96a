/**
 * Whether the cluster serves what the config says: the canary weight on the live canary Ingress
 * (ingress-nginx's canary-weight annotation) against the config's, read from the answer of
 * `kubectl get ingress -o json` (cli/canary.ts asks kubectl when a kubeconfig context exists).
 */
import type { WebServiceConfig } from '../config/schema.js';
import { names } from '../config/names.js';
import { currentWeight } from './canary.js';

const CANARY_ANNOTATION = 'nginx.ingress.kubernetes.io/canary';
const WEIGHT_ANNOTATION = 'nginx.ingress.kubernetes.io/canary-weight';

interface IngressList {
  readonly items?: readonly {
    readonly metadata?: { readonly name?: string; readonly annotations?: Readonly<Record<string, string>> };
    readonly spec?: { readonly rules?: readonly { readonly http?: { readonly paths?: readonly { readonly backend?: { readonly service?: { readonly name?: string } } }[] } }[] };
  }[];
}

/** What the live canary Ingresses of a service say against the config. */
export interface LiveWeight {
  /** The config's weight; undefined when no canary runs. */
  readonly expected: number | undefined;
  /** Each live canary Ingress of the service with its weight (undefined: no weight annotation). */
  readonly live: readonly { readonly ingress: string; readonly weight: number | undefined }[];
  readonly matches: boolean;
  /** One line for people. */
  readonly summary: string;
}

/** Compares the live canary Ingresses (the parsed `kubectl get ingress -o json` list) with the service's config. */
export function liveWeight(list: unknown, service: string, config: WebServiceConfig): LiveWeight {
  const canaryService = names.track(service, 'canary');
  const items = (list as IngressList).items ?? [];
  const live = items
    .filter((item) => item.metadata?.annotations?.[CANARY_ANNOTATION] === 'true')
    .filter((item) => (item.spec?.rules ?? []).some((rule) => (rule.http?.paths ?? []).some((path) => path.backend?.service?.name === canaryService)))
    .map((item) => {
      const raw = item.metadata?.annotations?.[WEIGHT_ANNOTATION];
      return { ingress: item.metadata?.name ?? '?', weight: raw === undefined || Number.isNaN(Number(raw)) ? undefined : Number(raw) };
    })
    .sort((a, b) => a.ingress.localeCompare(b.ingress));
  const expected = config.canary.enabled ? currentWeight(config.canary) : undefined;
  const shown = live.map((l) => `${l.ingress} ${l.weight ?? 'no weight'}`).join(', ');
  if (expected === undefined) {
    return live.length === 0
      ? { expected, live, matches: true, summary: 'live: no canary Ingress, as in the config' }
      : { expected, live, matches: false, summary: `live: canary Ingress still there (${shown}) though the config has no canary: not synced yet?` };
  }
  if (live.length === 0) return { expected, live, matches: false, summary: `live: no canary Ingress yet, the config says weight ${expected}: not synced yet?` };
  const matches = live.every((l) => l.weight === expected);
  return {
    expected,
    live,
    matches,
    summary: matches ? `live: canary weight ${expected} (${shown}), as in the config` : `live: canary weight ${shown}, the config says ${expected}: not synced yet?`,
  };
}
