/**
 * Which host and path route to which web service, with each service's route settings: what the
 * Ingress chart (charts/routing/ingress.ts), the config rules and any other routing backend (a
 * Gateway API one) read. Pure functions of the config; nothing here is specific to a controller
 * but `ingressObjects`, which splits the routes into the Ingress objects ingress-nginx needs.
 */
import type { EnvironmentContext } from './context.js';
import { names } from './names.js';
import { serviceHostKeys, type Config, type WebServiceConfig } from './schema.js';

/** The parts of a config routes are made of. */
type RoutedConfig = Pick<Config, 'app' | 'ingress' | 'services'>;

/** A host the environment serves, with its TLS certificate. */
export interface IngressHost {
  /** Its key in `ingress.hosts`; undefined for the environment host, `ingress.host`. */
  readonly key?: string;
  readonly host: string;
  /** Where cert-manager writes its certificate, and which ClusterIssuer issues it; undefined without TLS. */
  readonly tls?: { readonly secretName: string; readonly clusterIssuer: string };
}

/** How a service's routes are proxied: `services.<name>.ingress` without its paths and host. */
export interface RouteSettings {
  /** Sticky sessions: a cookie pins each client to one pod. */
  readonly sessionAffinity?: { readonly cookie: string; readonly maxAgeSeconds?: number };
  /** Proxy timeouts in seconds; a websocket service's read and send timeouts default to an hour. */
  readonly timeouts: { readonly connectSeconds?: number; readonly readSeconds?: number; readonly sendSeconds?: number };
  /** Largest request body (nginx units); undefined: the environment's `ingress.proxyBodySize`. */
  readonly proxyBodySize?: string;
  /** The matched path prefix is removed before the request is passed on (/api/users/42 -> /42). */
  readonly stripPrefix: boolean;
  /** Controller annotations of this service's routes only. */
  readonly annotations: Readonly<Record<string, string>>;
}

export interface IngressRoute {
  readonly service: string;
  readonly servicePort: number;
  readonly path: string;
  readonly pathType: string;
  /** The host name the path is served on. */
  readonly host: string;
  /** Its key in `ingress.hosts`; undefined for `ingress.host`. */
  readonly hostKey?: string;
  readonly settings: RouteSettings;
}

/** Read and send timeout of a websocket service unless its `timeouts` say otherwise. */
const WEBSOCKET_TIMEOUT_SECONDS = 3600;

/** The environment host, then the further hosts by key. */
export function ingressHosts(config: RoutedConfig): IngressHost[] {
  const { ingress, app } = config;
  const main: IngressHost = {
    host: ingress.host,
    ...(ingress.tls.enabled ? { tls: { secretName: ingress.tls.secretName ?? names.tlsSecret(app.name), clusterIssuer: ingress.tls.clusterIssuer } } : {}),
  };
  const others = Object.entries(ingress.hosts)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, h]): IngressHost => {
      const enabled = h.tls.enabled ?? ingress.tls.enabled;
      return {
        key,
        host: h.host,
        ...(enabled ? { tls: { secretName: h.tls.secretName ?? names.hostTlsSecret(app.name, key), clusterIssuer: h.tls.clusterIssuer ?? ingress.tls.clusterIssuer } } : {}),
      };
    });
  return [main, ...others];
}

/** The route settings of a service. */
function routeSettings(service: WebServiceConfig): RouteSettings {
  const { sessionAffinity, websocket, timeouts, proxyBodySize, stripPrefix, annotations } = service.ingress;
  const long = websocket ? WEBSOCKET_TIMEOUT_SECONDS : undefined;
  const readSeconds = timeouts.readSeconds ?? long;
  const sendSeconds = timeouts.sendSeconds ?? long;
  return {
    ...(sessionAffinity ? { sessionAffinity } : {}),
    timeouts: {
      ...(timeouts.connectSeconds !== undefined ? { connectSeconds: timeouts.connectSeconds } : {}),
      ...(readSeconds !== undefined ? { readSeconds } : {}),
      ...(sendSeconds !== undefined ? { sendSeconds } : {}),
    },
    ...(proxyBodySize !== undefined ? { proxyBodySize } : {}),
    stripPrefix,
    annotations,
  };
}

/** Whether a service's routes are proxied differently from the environment's defaults. */
function hasOwnSettings(settings: RouteSettings): boolean {
  return (
    settings.sessionAffinity !== undefined ||
    Object.keys(settings.timeouts).length > 0 ||
    settings.proxyBodySize !== undefined ||
    settings.stripPrefix ||
    Object.keys(settings.annotations).length > 0
  );
}

/**
 * The routes of all enabled web services, longest path first (readable; nginx orders them
 * itself). A service's `ingress.host` and `ingress.extraHosts` name keys of `ingress.hosts`; one
 * that names none (an error of config/rules.ts) is routed nowhere.
 */
export function ingressRoutes(config: Pick<Config, 'ingress' | 'services'>): IngressRoute[] {
  return Object.entries(config.services)
    .filter(([, s]) => s.enabled)
    .flatMap(([name, s]) =>
      serviceHostKeys(s.ingress).flatMap((key) => {
        const host = key === undefined ? config.ingress.host : config.ingress.hosts[key]?.host;
        if (host === undefined) return [];
        const settings = routeSettings(s);
        return s.ingress.paths.map(
          (p): IngressRoute => ({ service: name, servicePort: s.servicePort, path: p.path, pathType: p.pathType, host, ...(key === undefined ? {} : { hostKey: key }), settings }),
        );
      }),
    )
    .sort((a, b) => b.path.length - a.path.length || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** True when the environment gets an Ingress: ingress enabled and at least one routed path. */
export function ingressNeeded(env: EnvironmentContext): boolean {
  return env.config.ingress.enabled && ingressRoutes(env.config).length > 0;
}

/** One Ingress object: some routes of one host. */
export interface IngressObject {
  readonly name: string;
  readonly host: IngressHost;
  readonly routes: readonly IngressRoute[];
  /** The service whose own settings this object carries; undefined for a host's plain routes. */
  readonly service?: string;
  /** The first object of its host: it asks cert-manager for the host's certificate (the others use the same Secret). */
  readonly certificate: boolean;
  /** A route of the host strips its prefix, so every path of the host is a regular expression (ingress-nginx applies regex matching per host). */
  readonly regex: boolean;
}

/**
 * The Ingress objects of an environment. ingress-nginx applies annotations to a whole Ingress
 * object, so a service with its own settings gets its own, named like the service, and the settings
 * never leak to other services (named like the service, `<service>-<key>` on one of its
 * `extraHosts`); per host, the plain routes share one: `<app>` for the environment host (the one
 * Ingress of an environment without settings), `<app>-<key>` for a further host.
 */
export function ingressObjects(config: RoutedConfig): IngressObject[] {
  const routes = ingressRoutes(config);
  const objects: IngressObject[] = [];
  for (const host of ingressHosts(config)) {
    const ofHost = routes.filter((r) => r.hostKey === host.key);
    if (ofHost.length === 0) continue;
    const regex = ofHost.some((r) => r.settings.stripPrefix);
    const plain = ofHost.filter((r) => !hasOwnSettings(r.settings));
    const own = [...new Set(ofHost.filter((r) => hasOwnSettings(r.settings)).map((r) => r.service))].sort();
    const groups: [string, IngressRoute[], string | undefined][] = [
      ...(plain.length ? [[host.key === undefined ? config.app.name : names.hostIngress(config.app.name, host.key), plain, undefined] as [string, IngressRoute[], undefined]] : []),
      ...own.map((service): [string, IngressRoute[], string] => [
        // On an extra host the service's own Ingress is named after both (one object per host).
        host.key === undefined || host.key === config.services[service].ingress.host ? service : names.serviceHostIngress(service, host.key),
        ofHost.filter((r) => r.service === service),
        service,
      ]),
    ];
    groups.forEach(([name, groupRoutes, service], i) => {
      objects.push({ name, host, routes: groupRoutes, ...(service === undefined ? {} : { service }), certificate: i === 0, regex });
    });
  }
  return objects;
}

/**
 * The path of a route as the Ingress writes it. On a host in regex mode (a route strips its
 * prefix) every path is a regular expression with the matching of its pathType: a Prefix path
 * matches itself and what follows a "/" after it, an Exact path itself only; a stripped prefix
 * captures the rest for `rewrite-target: /$2`.
 */
export function ingressPath(route: IngressRoute, regex: boolean): { path: string; pathType: string } {
  if (!regex || route.pathType === 'ImplementationSpecific') return { path: route.path, pathType: route.pathType };
  const quoted = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (route.pathType === 'Exact') return { path: `${quoted}$`, pathType: 'ImplementationSpecific' };
  const prefix = quoted.replace(/\/+$/, '');
  if (route.settings.stripPrefix) return { path: `${prefix}(/|$)(.*)`, pathType: 'ImplementationSpecific' };
  return { path: prefix === '' ? '/' : `${prefix}(/|$)`, pathType: 'ImplementationSpecific' };
}
