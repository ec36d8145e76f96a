/**
 * Whether the cluster serves what the config says: the canary weight on the live routes against
 * the config's, read from the answers of `kubectl get ingress -o json` (ingress-nginx: the canary
 * Ingress's canary-weight annotation) and `kubectl get httproutes -o json` (Gateway API: the
 * weighted rule's backendRefs, stable and `<service>-canary`). cli/canary.ts asks kubectl when a
 * kubeconfig context exists.
 */
import type { WebServiceConfig } from '../config/schema.js';
import { names } from '../config/names.js';
import { currentWeight } from './canary.js';

const CANARY_ANNOTATION = 'nginx.ingress.kubernetes.io/canary';
const WEIGHT_ANNOTATION = 'nginx.ingress.kubernetes.io/canary-weight';

interface Metadata {
  readonly name?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface IngressList {
  readonly items?: readonly {
    readonly metadata?: Metadata;
    readonly spec?: { readonly rules?: readonly { readonly http?: { readonly paths?: readonly { readonly backend?: { readonly service?: { readonly name?: string } } }[] } }[] };
  }[];
}

interface HttpRouteList {
  readonly items?: readonly {
    readonly metadata?: Metadata;
    readonly spec?: { readonly rules?: readonly { readonly backendRefs?: readonly { readonly name?: string; readonly weight?: number }[] }[] };
  }[];
}

/** One live route of the service's canary and the canary weight it gives (in the config's units; undefined: none stated). */
interface LiveRoute {
  readonly kind: 'Ingress' | 'HTTPRoute';
  readonly name: string;
  readonly weight: number | undefined;
}

/** What the live routes of a service's canary say against the config. */
export interface LiveWeight {
  /** The config's weight; undefined when no canary runs. */
  readonly expected: number | undefined;
  readonly live: readonly LiveRoute[];
  readonly matches: boolean;
  /** One line for people. */
  readonly summary: string;
}

/** The live answers: the parsed `kubectl get ingress -o json` list, and the HTTPRoute list when the cluster has the kind. */
export interface LiveRoutes {
  readonly ingresses: unknown;
  readonly httpRoutes?: unknown;
}

/** The canary Ingresses that send to `<service>-canary`, with their canary-weight. */
function canaryIngresses(list: unknown, canaryService: string): LiveRoute[] {
  return ((list as IngressList).items ?? [])
    .filter((item) => item.metadata?.annotations?.[CANARY_ANNOTATION] === 'true')
    .filter((item) => (item.spec?.rules ?? []).some((rule) => (rule.http?.paths ?? []).some((path) => path.backend?.service?.name === canaryService)))
    .map((item) => {
      const raw = item.metadata?.annotations?.[WEIGHT_ANNOTATION];
      return { kind: 'Ingress', name: item.metadata?.name ?? '?', weight: raw === undefined || Number.isNaN(Number(raw)) ? undefined : Number(raw) };
    });
}

/**
 * The HTTPRoutes with a weighted rule that includes `<service>-canary` next to another backend:
 * the canary's share of the rule's weights (a backendRef without weight weighs 1), in units of
 * `weightTotal`. Header and cookie rules (the canary alone) carry no weight.
 */
function canaryHttpRoutes(list: unknown, canaryService: string, weightTotal: number): LiveRoute[] {
  return ((list as HttpRouteList).items ?? []).flatMap((item) => {
    const weighted = (item.spec?.rules ?? []).map((rule) => rule.backendRefs ?? []).find((refs) => refs.length > 1 && refs.some((ref) => ref.name === canaryService));
    if (!weighted) return [];
    const weightOf = (ref: { readonly weight?: number }) => ref.weight ?? 1;
    const total = weighted.reduce((sum, ref) => sum + weightOf(ref), 0);
    const canary = weighted.filter((ref) => ref.name === canaryService).reduce((sum, ref) => sum + weightOf(ref), 0);
    return [{ kind: 'HTTPRoute' as const, name: item.metadata?.name ?? '?', weight: total === 0 ? 0 : Math.round((canary / total) * weightTotal * 1000) / 1000 }];
  });
}

/** Compares the live canary routes of a service with its config. */
export function liveWeight(routes: LiveRoutes, service: string, config: WebServiceConfig): LiveWeight {
  const canaryService = names.track(service, 'canary');
  const live = [...canaryIngresses(routes.ingresses, canaryService), ...canaryHttpRoutes(routes.httpRoutes ?? {}, canaryService, config.canary.weightTotal)]
    // A route that sends nothing to the canary is no canary route.
    .filter((route) => route.kind === 'Ingress' || route.weight !== 0)
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
  const expected = config.canary.enabled ? currentWeight(config.canary) : undefined;
  const shown = live.map((l) => `${l.kind}/${l.name} ${l.weight ?? 'no weight'}`).join(', ');
  if (expected === undefined) {
    return live.length === 0
      ? { expected, live, matches: true, summary: 'live: no canary route, as in the config' }
      : { expected, live, matches: false, summary: `live: canary still routed (${shown}) though the config has no canary: not synced yet?` };
  }
  if (live.length === 0) return { expected, live, matches: false, summary: `live: no canary route yet, the config says weight ${expected}: not synced yet?` };
  const matches = live.every((l) => l.weight === expected);
  return {
    expected,
    live,
    matches,
    summary: matches ? `live: canary weight ${expected} (${shown}), as in the config` : `live: canary weight ${shown}, the config says ${expected}: not synced yet?`,
  };
}
