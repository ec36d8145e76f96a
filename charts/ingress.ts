import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { IngressConfig, WebServiceConfig } from '../config/schema.js';
import type { EnvironmentContext } from '../lib/context.js';
import { recommendedLabels } from '../lib/labels.js';
import { names } from '../lib/names.js';
import { EnvironmentChart } from './environment-chart.js';

/**
 * ingress-nginx annotations for TLS, redirects and rate limiting
 * (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/).
 * Annotation values must be strings.
 */
export function ingressAnnotations(ingress: IngressConfig): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (ingress.tls.enabled) {
    annotations['cert-manager.io/cluster-issuer'] = ingress.tls.clusterIssuer;
    annotations['nginx.ingress.kubernetes.io/ssl-redirect'] = 'true';
    annotations['nginx.ingress.kubernetes.io/force-ssl-redirect'] = 'true';
  }
  if (ingress.rateLimit.enabled) {
    annotations['nginx.ingress.kubernetes.io/limit-rps'] = String(ingress.rateLimit.requestsPerSecond);
    annotations['nginx.ingress.kubernetes.io/limit-burst-multiplier'] = String(ingress.rateLimit.burstMultiplier);
    annotations['nginx.ingress.kubernetes.io/limit-connections'] = String(ingress.rateLimit.connections);
  }
  annotations['nginx.ingress.kubernetes.io/proxy-body-size'] = ingress.proxyBodySize;
  return { ...annotations, ...ingress.annotations };
}

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

/** One Ingress for the environment host, routing each path to its web service. */
export class IngressChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'ingress', env, 40);
    const { ingress, app } = env.config;
    const routes = ingressRoutes(env.config.services);
    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: app.name,
        labels: recommendedLabels(env.labels, { name: app.name, component: 'ingress', version: app.version }),
        annotations: ingressAnnotations(ingress),
      },
      spec: {
        ingressClassName: ingress.className,
        tls: ingress.tls.enabled ? [{ hosts: [ingress.host], secretName: ingress.tls.secretName ?? names.tlsSecret(app.name) }] : undefined,
        rules: [
          {
            host: ingress.host,
            http: {
              paths: routes.map((r) => ({
                path: r.path,
                pathType: r.pathType,
                backend: { service: { name: r.service, port: { name: 'http' } } },
              })),
            },
          },
        ],
      },
    });
  }

  static needed(env: EnvironmentContext): boolean {
    return env.config.ingress.enabled && ingressRoutes(env.config.services).length > 0;
  }
}
