import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { CanaryConfig, IngressConfig } from '../../config/schema.js';
import { canaryWorkload, currentWeight } from '../../delivery/canary.js';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { names } from '../../config/names.js';
import { ingressNeeded, ingressObjects, ingressPath, type IngressObject, type IngressRoute, type RouteSettings } from '../../config/routes.js';
import { EnvironmentChart } from '../environment-chart.js';

const NGINX = 'nginx.ingress.kubernetes.io';

/**
 * ingress-nginx annotations of one Ingress object
 * (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/annotations/): the
 * environment's TLS redirect, rate limits, body size and extra annotations, cert-manager's issuer
 * on the first object of each host, then the settings of the service the object carries.
 * Annotation values must be strings.
 */
function ingressAnnotations(ingress: IngressConfig, object: IngressObject): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (object.host.tls) {
    if (object.certificate) annotations['cert-manager.io/cluster-issuer'] = object.host.tls.clusterIssuer;
    annotations[`${NGINX}/ssl-redirect`] = 'true';
    annotations[`${NGINX}/force-ssl-redirect`] = 'true';
  }
  if (ingress.rateLimit.enabled) {
    annotations[`${NGINX}/limit-rps`] = String(ingress.rateLimit.requestsPerSecond);
    annotations[`${NGINX}/limit-burst-multiplier`] = String(ingress.rateLimit.burstMultiplier);
    annotations[`${NGINX}/limit-connections`] = String(ingress.rateLimit.connections);
  }
  const settings = object.service === undefined ? undefined : object.routes[0]?.settings;
  annotations[`${NGINX}/proxy-body-size`] = settings?.proxyBodySize ?? ingress.proxyBodySize;
  if (object.regex) annotations[`${NGINX}/use-regex`] = 'true';
  return { ...annotations, ...ingress.annotations, ...(settings ? settingsAnnotations(settings) : {}) };
}

/** A service's own route settings as ingress-nginx annotations. */
function settingsAnnotations(settings: RouteSettings): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (settings.sessionAffinity) {
    annotations[`${NGINX}/affinity`] = 'cookie';
    annotations[`${NGINX}/session-cookie-name`] = settings.sessionAffinity.cookie;
    if (settings.sessionAffinity.maxAgeSeconds !== undefined) annotations[`${NGINX}/session-cookie-max-age`] = String(settings.sessionAffinity.maxAgeSeconds);
  }
  const { connectSeconds, readSeconds, sendSeconds } = settings.timeouts;
  if (connectSeconds !== undefined) annotations[`${NGINX}/proxy-connect-timeout`] = String(connectSeconds);
  if (readSeconds !== undefined) annotations[`${NGINX}/proxy-read-timeout`] = String(readSeconds);
  if (sendSeconds !== undefined) annotations[`${NGINX}/proxy-send-timeout`] = String(sendSeconds);
  // The prefix's path captures the rest of the request path as $2 (config/routes.ts ingressPath).
  if (settings.stripPrefix) annotations[`${NGINX}/rewrite-target`] = '/$2';
  return { ...annotations, ...settings.annotations };
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
 * The Ingress objects of config/routes.ts ingressObjects: per host one for its plain routes, and
 * one per service with its own settings; and one canary Ingress (the service's host and paths,
 * `<service>-canary` backend) per running canary.
 */
export class IngressChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'ingress', env, 40);
    const { ingress, app, services } = env.config;
    const objects = ingressObjects(env.config);
    for (const object of objects) {
      new k8s.KubeIngress(this, object.name === app.name ? 'ingress' : `ingress-${object.name}`, {
        metadata: {
          name: object.name,
          labels: recommendedLabels(env.labels, { name: object.service ?? app.name, component: 'ingress', version: app.version }),
          annotations: ingressAnnotations(ingress, object),
        },
        spec: {
          ingressClassName: ingress.className,
          tls: object.host.tls ? [{ hosts: [object.host.host], secretName: object.host.tls.secretName }] : undefined,
          rules: [rule(object.host.host, object.routes, object.regex)],
        },
      });
    }

    for (const [name, service] of Object.entries(services)) {
      if (!service.enabled || !service.canary.enabled) continue;
      const canaryService = names.track(name, 'canary');
      const carrying = objects.filter((o) => o.routes.some((r) => r.service === name));
      new k8s.KubeIngress(this, `canary-${name}`, {
        metadata: {
          name: canaryService,
          labels: recommendedLabels(env.labels, { name, component: 'ingress', version: canaryWorkload(service).image.tag, track: 'canary' }),
          annotations: canaryAnnotations(service.canary),
        },
        spec: {
          ingressClassName: ingress.className,
          // The same host and paths as the service's own routes: ingress-nginx pairs a canary with them.
          rules: carrying.map((o) =>
            rule(
              o.host.host,
              o.routes.filter((r) => r.service === name).map((r) => ({ ...r, service: canaryService })),
              o.regex,
            ),
          ),
        },
      });
    }
  }

  static needed(env: EnvironmentContext): boolean {
    return env.config.routing.backend === 'ingress-nginx' && ingressNeeded(env);
  }
}

function rule(host: string, routes: readonly IngressRoute[], regex: boolean): k8s.IngressRule {
  return {
    host,
    http: {
      paths: routes.map((r) => ({
        ...ingressPath(r, regex),
        backend: { service: { name: r.service, port: { name: 'http' } } },
      })),
    },
  };
}
