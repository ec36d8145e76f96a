/** Which paths of the environment host route to which web service: what the Ingress and the config rules both read. */
import type { EnvironmentContext } from './context.js';
import type { WebServiceConfig } from './schema.js';

export interface IngressRoute {
  readonly service: string;
  readonly servicePort: number;
  readonly path: string;
  readonly pathType: string;
}

/** The routes of all enabled web services, longest path first (readable; nginx orders them itself). */
export function ingressRoutes(services: Record<string, WebServiceConfig>): IngressRoute[] {
  return Object.entries(services)
    .filter(([, s]) => s.enabled)
    .flatMap(([name, s]) => s.ingress.paths.map((p) => ({ service: name, servicePort: s.servicePort, path: p.path, pathType: p.pathType })))
    .sort((a, b) => b.path.length - a.path.length || (a.path < b.path ? -1 : 1));
}

/** True when the environment gets an Ingress: ingress enabled and at least one routed path. */
export function ingressNeeded(env: EnvironmentContext): boolean {
  return env.config.ingress.enabled && ingressRoutes(env.config.services).length > 0;
}
