import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { CanaryConfig, IngressConfig } from '../../config/schema.js';
import { canaryWorkload, currentWeight } from '../../delivery/canary.js';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { names } from '../../config/names.js';
import { ingressNeeded, ingressRoutes, type IngressRoute } from '../../config/routes.js';
import { EnvironmentChart } from '../environment-chart.js';

/**
 * ingress-nginx annotations for TLS, redirects and rate limiting
 * (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/).
 * Annotation values must be strings.
 */
function ingressAnnotations(ingress: IngressConfig): Record<string, string> {
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

const CANARY = 'nginx.ingress.kubernetes.io/canary';

/**
 * ingress-nginx canary annotations
 * (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/#canary).
 * The controller applies them in the order header > cookie > weight: a request with the header
 * set to "always"/"never" (or to the configured value) ignores the cookie and the weight.
 * Only one canary Ingress per host and path is honoured, and most other annotations (TLS, rate
 * limits, ...) are ignored on it: the main Ingress's settings apply to canary traffic too.
 */
function canaryAnnotations(canary: CanaryConfig): Record<string, string> {
  const annotations: Record<string, string> = {
    [CANARY]: 'true',
    [`${CANARY}-weight`]: String(currentWeight(canary)),
  };
  if (canary.weightTotal !== 100) annotations[`${CANARY}-weight-total`] = String(canary.weightTotal);
  if (canary.header) {
    annotations[`${CANARY}-by-header`] = canary.header.name;
    if (canary.header.value) annotations[`${CANARY}-by-header-value`] = canary.header.value;
    if (canary.header.pattern) annotations[`${CANARY}-by-header-pattern`] = canary.header.pattern;
  }
  if (canary.cookie) annotations[`${CANARY}-by-cookie`] = canary.cookie;
  return annotations;
}

/**
 * One Ingress for the environment host, routing each path to its web service, and one canary
 * Ingress (same host, the service's paths, `<service>-canary` backend) per running canary.
 */
export class IngressChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'ingress', env, 40);
    const { ingress, app, services } = env.config;
    new k8s.KubeIngress(this, 'ingress', {
      metadata: {
        name: app.name,
        labels: recommendedLabels(env.labels, { name: app.name, component: 'ingress', version: app.version }),
        annotations: ingressAnnotations(ingress),
      },
      spec: {
        ingressClassName: ingress.className,
        tls: ingress.tls.enabled ? [{ hosts: [ingress.host], secretName: ingress.tls.secretName ?? names.tlsSecret(app.name) }] : undefined,
        rules: [rule(ingress.host, ingressRoutes(services))],
      },
    });

    for (const [name, service] of Object.entries(services)) {
      if (!service.enabled || !service.canary.enabled) continue;
      const canaryService = names.track(name, 'canary');
      new k8s.KubeIngress(this, `canary-${name}`, {
        metadata: {
          name: canaryService,
          labels: recommendedLabels(env.labels, { name, component: 'ingress', version: canaryWorkload(service).image.tag, track: 'canary' }),
          annotations: canaryAnnotations(service.canary),
        },
        spec: {
          ingressClassName: ingress.className,
          rules: [
            rule(
              ingress.host,
              ingressRoutes({ [name]: service }).map((r) => ({ ...r, service: canaryService })),
            ),
          ],
        },
      });
    }
  }

  static needed(env: EnvironmentContext): boolean {
    return ingressNeeded(env);
  }
}

function rule(host: string, routes: IngressRoute[]): k8s.IngressRule {
  return {
    host,
    http: {
      paths: routes.map((r) => ({
        path: r.path,
        pathType: r.pathType,
        backend: { service: { name: r.service, port: { name: 'http' } } },
      })),
    },
  };
}
