/**
 * The gateway-api routing backend (routing.backend: gateway-api): the routes of config/routes.ts as
 * Gateway API HTTPRoutes (https://gateway-api.sigs.k8s.io/api-types/httproute/), one per host,
 * attached to the configured Gateway, and optionally that Gateway. Pure functions of the config;
 * the chart only wraps the objects.
 *
 * What ingress-nginx does with annotations is expressed in the route's rules:
 * - canary: weighted backendRefs, stable `weightTotal - weight` and `<service>-canary` `weight`
 *   (weights are relative, https://gateway-api.sigs.k8s.io/guides/traffic-splitting/);
 * - canary.header / canary.cookie: rules with header matches sending "always" to the canary and
 *   "never" to stable (or the configured value / pattern to the canary), as ingress-nginx's
 *   canary-by-header and canary-by-cookie; the cookie is matched in the Cookie header by a regular
 *   expression (HTTPHeaderMatch RegularExpression: implementation-specific support). A rule with
 *   more header matches wins over the plain one for the same path, and between rules that tie,
 *   the first in the list wins: header rules come before cookie rules, as in ingress-nginx;
 * - blue-green: the backendRef is the active colour's Service, `<service>-<colour>`, so a switch
 *   changes the route;
 * - stripPrefix: a URLRewrite filter (ReplacePrefixMatch "/"); read timeouts (and a websocket's
 *   hour): rules[].timeouts. Settings without an equivalent are config errors (config/routing.ts).
 * TLS is the Gateway listener's: a generated Gateway has an HTTPS listener per host whose
 * certificateRefs name the host's Secret, which cert-manager issues from the Gateway's
 * cluster-issuer annotation (its Gateway support, https://cert-manager.io/docs/usage/gateway/).
 */
import type { Construct } from 'constructs';
import { ApiObject } from 'cdk8s';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { names } from '../../config/names.js';
import { ingressHosts, ingressNeeded, ingressRoutes, type IngressHost, type IngressRoute } from '../../config/routes.js';
import type { CanaryConfig, WebServiceConfig } from '../../config/schema.js';
import { currentWeight } from '../../delivery/canary.js';
import { serviceDelivery } from '../../config/delivery.js';
import { EnvironmentChart } from '../environment-chart.js';

const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
const GATEWAY_GROUP = 'gateway.networking.k8s.io';
/** HTTPRoute spec.rules maxItems (v1.6.1 CRD). */
export const MAX_RULES_PER_ROUTE = 16;

type Labels = Record<string, string>;

interface ParentRef {
  readonly group: string;
  readonly kind: 'Gateway';
  readonly name: string;
  readonly namespace?: string;
  readonly sectionName?: string;
}

interface HeaderMatch {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}

interface RouteMatch {
  readonly path: { readonly type: 'PathPrefix' | 'Exact'; readonly value: string };
  readonly headers?: readonly HeaderMatch[];
}

interface BackendRef {
  readonly name: string;
  readonly port: number;
  readonly weight?: number;
}

export interface RouteRule {
  readonly matches?: readonly RouteMatch[];
  readonly filters?: readonly Record<string, unknown>[];
  readonly backendRefs?: readonly BackendRef[];
  readonly timeouts?: { readonly request: string; readonly backendRequest: string };
}

export interface HttpRoute {
  readonly apiVersion: typeof GATEWAY_API_VERSION;
  readonly kind: 'HTTPRoute';
  readonly metadata: { readonly name: string; readonly labels: Labels };
  readonly spec: { readonly parentRefs: readonly ParentRef[]; readonly hostnames: readonly string[]; readonly rules: readonly RouteRule[] };
}

interface Gateway {
  readonly apiVersion: typeof GATEWAY_API_VERSION;
  readonly kind: 'Gateway';
  readonly metadata: { readonly name: string; readonly labels: Labels; readonly annotations?: Labels };
  readonly spec: { readonly gatewayClassName: string; readonly listeners: readonly Record<string, unknown>[] };
}

/** The listener of a generated Gateway that serves a host: `https` / `https-<key>` with TLS, else the shared `http`. */
function listenerName(host: IngressHost): string {
  if (!host.tls) return 'http';
  return host.key === undefined ? 'https' : `https-${host.key}`;
}

/** The HTTPRoute's name for a host: like the host's plain Ingress (`<app>`, `<app>-<key>`). */
function routeName(appName: string, host: IngressHost): string {
  return host.key === undefined ? appName : names.hostIngress(appName, host.key);
}

function parentRef(env: EnvironmentContext, sectionName: string | undefined): ParentRef {
  const { gateway } = env.config.routing;
  const namespace = gateway.namespace !== undefined && gateway.namespace !== env.namespace ? gateway.namespace : undefined;
  return { group: GATEWAY_GROUP, kind: 'Gateway', name: gateway.name, ...(namespace ? { namespace } : {}), ...(sectionName ? { sectionName } : {}) };
}

const regexQuote = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The header matches that pick a track whatever the weight, in ingress-nginx's order: the header
 * ("always" -> canary, "never" -> stable, or only the configured value / pattern -> canary), then
 * the cookie ("always" / "never").
 */
export function canaryMatches(canary: CanaryConfig): { readonly headers: HeaderMatch[]; readonly to: 'canary' | 'stable' }[] {
  const matches: { headers: HeaderMatch[]; to: 'canary' | 'stable' }[] = [];
  const { header, cookie } = canary;
  if (header?.value) matches.push({ headers: [{ type: 'Exact', name: header.name, value: header.value }], to: 'canary' });
  else if (header?.pattern) matches.push({ headers: [{ type: 'RegularExpression', name: header.name, value: header.pattern }], to: 'canary' });
  else if (header) {
    matches.push({ headers: [{ type: 'Exact', name: header.name, value: 'always' }], to: 'canary' });
    matches.push({ headers: [{ type: 'Exact', name: header.name, value: 'never' }], to: 'stable' });
  }
  if (cookie) {
    const crumb = (value: string): HeaderMatch[] => [{ type: 'RegularExpression', name: 'Cookie', value: `(^|;\\s*)${regexQuote(cookie)}=${value}(;|$)` }];
    matches.push({ headers: crumb('always'), to: 'canary' }, { headers: crumb('never'), to: 'stable' });
  }
  return matches;
}

/** One `setHeaderRoute` of a canary Rollout on the gatewayAPI plugin: its managed route's name and header matches. */
export interface RolloutHeaderRoute {
  readonly name: string;
  readonly match: { readonly headerName: string; readonly headerValue: { readonly exact: string } | { readonly regex: string } }[];
}

/**
 * The header routes a canary Rollout asks the gatewayAPI plugin for (trafficRouting.managedRoutes
 * and setHeaderRoute steps): the matches of canaryMatches that send requests to the canary, the
 * header (`always`, or header.value, or header.pattern) as `<service>-canary-header`, then the
 * cookie (`<cookie>=always` in the Cookie header, a RegularExpression match) as
 * `<service>-canary-cookie`. The plugin adds, per rule of the route that carries both the stable
 * and the canary Service, a copy with these header matches that sends to the canary only, and
 * removes them when the rollout ends or aborts, so they exist only while a canary runs. The
 * matches to stable (`never`) have no equivalent: setHeaderRoute routes to the canary only, and a
 * stable-only rule of ours would get the plugin's stable weight, 0 when the controller sends all
 * traffic to the canary at the end of the steps (no backend: HTTP 500).
 */
export function rolloutHeaderRoutes(name: string, canary: CanaryConfig): RolloutHeaderRoute[] {
  const toCanary = canaryMatches(canary).filter((m) => m.to === 'canary');
  return toCanary.map((m, i) => ({
    name: `${name}-canary-${canary.header && i === 0 ? 'header' : 'cookie'}`,
    match: m.headers.map((h) => ({ headerName: h.name, headerValue: h.type === 'Exact' ? { exact: h.value } : { regex: h.value } })),
  }));
}

/** Where a service's traffic goes: its Service, the active colour's, or stable and canary by weight. */
function serviceBackends(name: string, service: WebServiceConfig, rollout: boolean): { stable: BackendRef[]; canary?: BackendRef } {
  const port = service.servicePort;
  // An Argo Rollout: blue-green switches the active Service itself; a canary's weights are the
  // gatewayAPI plugin's to set (percent: it writes 100 - weight to stable), from all on stable.
  if (rollout && service.blueGreen.enabled) return { stable: [{ name, port }] };
  if (rollout)
    return {
      stable: [
        { name, port, weight: 100 },
        { name: names.track(name, 'canary'), port, weight: 0 },
      ],
    };
  if (service.blueGreen.enabled) return { stable: [{ name: names.track(name, service.blueGreen.active), port }] };
  if (!service.canary.enabled) return { stable: [{ name, port }] };
  const weight = currentWeight(service.canary);
  const canary = { name: names.track(name, 'canary'), port };
  return {
    stable: [
      { name, port, weight: service.canary.weightTotal - weight },
      { ...canary, weight },
    ],
    canary,
  };
}

/** The rules of one service's routes on one host: header and cookie rules first, then the weighted one. */
export function serviceRules(name: string, service: WebServiceConfig, routes: readonly IngressRoute[], rollout = false): RouteRule[] {
  const settings = routes[0]?.settings;
  if (!settings) return [];
  const paths = routes.map((r) => ({ type: r.pathType === 'Exact' ? ('Exact' as const) : ('PathPrefix' as const), value: r.path }));
  const filters = settings.stripPrefix ? [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }] : undefined;
  const read = settings.timeouts.readSeconds;
  const common = {
    ...(filters ? { filters } : {}),
    // The whole exchange, and the backend's answer, may take as long as nginx's read timeout.
    ...(read === undefined ? {} : { timeouts: { request: `${read}s`, backendRequest: `${read}s` } }),
  };
  const backends = serviceBackends(name, service, rollout);
  const rule = (backendRefs: readonly BackendRef[], headers?: readonly HeaderMatch[]): RouteRule => ({
    matches: paths.map((path) => ({ path, ...(headers ? { headers } : {}) })),
    ...common,
    backendRefs,
  });
  const rules: RouteRule[] = [];
  if (backends.canary) {
    const only = { stable: [{ name, port: service.servicePort }], canary: [{ name: backends.canary.name, port: backends.canary.port }] };
    for (const m of canaryMatches(service.canary)) rules.push(rule(only[m.to], m.headers));
  }
  rules.push(rule(backends.stable));
  return rules;
}

/** The HTTPRoutes of an environment: per host its services' rules, split into further routes (`<name>-2`, ...) past 16 rules. */
export function httpRoutes(env: EnvironmentContext): HttpRoute[] {
  const { config } = env;
  if (!ingressNeeded(env)) return [];
  const routes = ingressRoutes(config);
  const { gateway } = config.routing;
  const objects: HttpRoute[] = [];
  for (const host of ingressHosts(config)) {
    const ofHost = routes.filter((r) => r.hostKey === host.key);
    if (ofHost.length === 0) continue;
    const services = [...new Set(ofHost.map((r) => r.service))].sort();
    const chunks: RouteRule[][] = [[]];
    // Rules per route, counting those the gatewayAPI plugin adds during a canary Rollout (one per
    // header route and rule of the service), so that it never has to exceed the limit.
    const sizes = [0];
    for (const service of services) {
      const svc = config.services[service];
      const rollout = serviceDelivery(config, svc).engine === 'argo-rollouts';
      const rules = serviceRules(
        service,
        svc,
        ofHost.filter((r) => r.service === service),
        rollout,
      );
      const size = rules.length * (1 + (rollout && !svc.blueGreen.enabled ? rolloutHeaderRoutes(service, svc.canary).length : 0));
      const last = chunks.length - 1;
      if (sizes[last] > 0 && sizes[last] + size > MAX_RULES_PER_ROUTE) {
        chunks.push([...rules]);
        sizes.push(size);
      } else {
        chunks[last].push(...rules);
        sizes[last] += size;
      }
    }
    const sectionName = gateway.sectionName ?? (gateway.create ? listenerName(host) : undefined);
    chunks.forEach((rules, i) => {
      const name = routeName(config.app.name, host);
      objects.push({
        apiVersion: GATEWAY_API_VERSION,
        kind: 'HTTPRoute',
        metadata: {
          name: i === 0 ? name : `${name}-${i + 1}`,
          labels: recommendedLabels(env.labels, { name: config.app.name, component: 'route', version: config.app.version }),
        },
        spec: { parentRefs: [parentRef(env, sectionName)], hostnames: [host.host], rules },
      });
    });
    if (gateway.create && host.tls) {
      // Plain HTTP on the shared listener is answered with a redirect to HTTPS (ingress-nginx's ssl-redirect).
      objects.push({
        apiVersion: GATEWAY_API_VERSION,
        kind: 'HTTPRoute',
        metadata: {
          name: `${routeName(config.app.name, host)}-https-redirect`,
          labels: recommendedLabels(env.labels, { name: config.app.name, component: 'route', version: config.app.version }),
        },
        spec: {
          parentRefs: [parentRef(env, 'http')],
          hostnames: [host.host],
          rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
        },
      });
    }
  }
  return objects;
}

/**
 * The generated Gateway (routing.gateway.create): an HTTP listener for every host and an HTTPS
 * listener per host with TLS, each admitting routes of its own namespace. cert-manager (with its
 * Gateway API support enabled) creates a Certificate for each HTTPS listener from the
 * cluster-issuer annotation, writing the Secret its certificateRefs name.
 */
function gatewayObject(env: EnvironmentContext): Gateway | undefined {
  const { config } = env;
  const { gateway } = config.routing;
  if (!gateway.create || !gateway.className || !ingressNeeded(env)) return undefined;
  const used = new Set(ingressRoutes(config).map((r) => r.hostKey));
  const hosts = ingressHosts(config).filter((h) => used.has(h.key));
  const admit = { namespaces: { from: 'Same' } };
  const issuer = hosts.find((h) => h.tls)?.tls?.clusterIssuer;
  return {
    apiVersion: GATEWAY_API_VERSION,
    kind: 'Gateway',
    metadata: {
      name: gateway.name,
      labels: recommendedLabels(env.labels, { name: config.app.name, component: 'gateway', version: config.app.version }),
      ...(issuer ? { annotations: { 'cert-manager.io/cluster-issuer': issuer } } : {}),
    },
    spec: {
      gatewayClassName: gateway.className,
      listeners: [
        { name: 'http', protocol: 'HTTP', port: 80, allowedRoutes: admit },
        ...hosts
          .filter((h) => h.tls)
          .map((h) => ({
            name: listenerName(h),
            hostname: h.host,
            protocol: 'HTTPS',
            port: 443,
            tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: h.tls?.secretName }] },
            allowedRoutes: admit,
          })),
      ],
    },
  };
}

/** 40-routes.yaml: the Gateway (when generated) and the HTTPRoutes. */
export class GatewayRoutesChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'routes', env, 40);
    const gateway = gatewayObject(env);
    if (gateway) new ApiObject(this, 'gateway', { ...gateway, metadata: { ...gateway.metadata } });
    for (const route of httpRoutes(env)) new ApiObject(this, `route-${route.metadata.name}`, { ...route, metadata: { ...route.metadata } });
  }

  static needed(env: EnvironmentContext): boolean {
    return env.config.routing.backend === 'gateway-api' && ingressNeeded(env);
  }
}
