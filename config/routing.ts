/**
 * The `routing` section of an environment: which controller serves its hosts. `ingress-nginx`
 * (Ingress objects with nginx annotations, charts/routing/ingress.ts) or `gateway-api` (HTTPRoutes
 * attached to a Gateway, charts/routing/http-route.ts). The hosts, paths and per-service route
 * settings stay in `ingress` and `services.<name>.ingress` either way (config/routes.ts).
 *
 * Kept out of config/schema.ts (which imports it) like config/network.ts: it must not import
 * schema.ts, so the checks below read the config through structural types.
 */
import { z } from 'zod';

const ROUTING_BACKENDS = ['ingress-nginx', 'gateway-api'] as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const objectName = z
  .string()
  .max(253, { error: 'must be at most 253 characters (an object name)' })
  .regex(DNS_SUBDOMAIN, { error: 'must be an object name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit (e.g. "gateway")' });

export const routingSchema = z
  .strictObject({
    backend: z
      .enum(ROUTING_BACKENDS)
      .default('ingress-nginx')
      .describe(
        'What serves the hosts: "ingress-nginx" (Ingress objects with ingress-nginx annotations and canary Ingresses) or "gateway-api" (an HTTPRoute per host attached to a Gateway; weighted backendRefs for canaries, header and cookie matches, blue-green by switching backendRefs).',
      ),
    gateway: z
      .strictObject({
        name: objectName.default('gateway').describe('The Gateway the HTTPRoutes attach to (parentRefs).'),
        namespace: z
          .string()
          .max(63, { error: 'must be at most 63 characters (a namespace name)' })
          .regex(DNS_LABEL, { error: 'must be a namespace name such as "gateway-system"' })
          .optional()
          .describe("The Gateway's namespace; omitted: the environment's. A Gateway in another namespace must admit the routes (listeners[].allowedRoutes.namespaces)."),
        sectionName: z
          .string()
          .max(253)
          .regex(DNS_SUBDOMAIN, { error: 'must be a listener name such as "https"' })
          .optional()
          .describe('The listener the routes attach to; omitted: every listener of the Gateway that admits them (a generated Gateway: the listener of each host).'),
        create: z
          .boolean()
          .default(false)
          .describe(
            "Generate the Gateway in the environment's namespace: an HTTPS listener per host with TLS (certificateRefs to the host's Secret, issued by cert-manager from the Gateway's cluster-issuer annotation), an HTTP listener, and HTTP->HTTPS redirect routes. Off: the platform team's Gateway.",
          ),
        className: objectName.optional().describe('gatewayClassName of a generated Gateway (e.g. "eg" for Envoy Gateway); needed with create.'),
      })
      .prefault({})
      .describe('The Gateway (gateway-api only).'),
  })
  .describe('How the hosts of the environment are served; see docs/releases.md (Gateway API).');
type RoutingConfig = z.infer<typeof routingSchema>;

/** A problem of the config, at its key path. */
export interface RoutingIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** The parts of a config routingIssues reads (structural, so this module need not import schema.ts). */
interface RoutedConfig {
  readonly routing: RoutingConfig;
  readonly ingress: { readonly annotations: Readonly<Record<string, string>> };
  readonly services: Readonly<
    Record<
      string,
      {
        readonly enabled: boolean;
        readonly ingress: {
          readonly paths: readonly { readonly path: string; readonly pathType: string }[];
          readonly sessionAffinity?: unknown;
          readonly timeouts: { readonly connectSeconds?: number; readonly readSeconds?: number; readonly sendSeconds?: number };
          readonly proxyBodySize?: string;
          readonly annotations: Readonly<Record<string, string>>;
        };
      }
    >
  >;
}

const NO_EQUIVALENT = 'has no Gateway API equivalent in HTTPRoute (standard channel v1.6)';

/**
 * Settings the gateway-api backend cannot honour, each at its key path: ingress-nginx specifics
 * (annotations, body size, connect and send timeouts, cookie affinity: session persistence is not
 * in the standard channel) and ImplementationSpecific paths (HTTPRoute matches PathPrefix or Exact).
 * What has an equivalent is translated by charts/routing/http-route.ts: read timeouts become
 * rules[].timeouts, stripPrefix a URLRewrite filter.
 */
export function routingIssues(config: RoutedConfig): RoutingIssue[] {
  const issues: RoutingIssue[] = [];
  const { gateway } = config.routing;
  if (gateway.create && !gateway.className) {
    issues.push({ path: ['routing', 'gateway', 'className'], message: 'a generated Gateway (routing.gateway.create) needs its gatewayClassName, e.g. "eg" for Envoy Gateway' });
  }
  if (gateway.create && gateway.namespace !== undefined) {
    issues.push({
      path: ['routing', 'gateway', 'namespace'],
      message: "a generated Gateway lives in the environment's namespace: remove namespace, or create: false for a Gateway elsewhere",
    });
  }
  if (config.routing.backend !== 'gateway-api') return issues;
  const use = 'remove it, or set routing.backend: ingress-nginx';
  if (Object.keys(config.ingress.annotations).length > 0) {
    issues.push({ path: ['ingress', 'annotations'], message: `ingress-nginx annotations ${NO_EQUIVALENT}: ${use}` });
  }
  for (const [name, service] of Object.entries(config.services)) {
    if (!service.enabled) continue;
    const at = (...path: (string | number)[]) => ['services', name, 'ingress', ...path];
    const { ingress } = service;
    if (ingress.sessionAffinity !== undefined) {
      issues.push({ path: at('sessionAffinity'), message: `cookie affinity ${NO_EQUIVALENT} (session persistence is experimental): ${use}` });
    }
    if (ingress.timeouts.connectSeconds !== undefined) {
      issues.push({ path: at('timeouts', 'connectSeconds'), message: `a connect timeout ${NO_EQUIVALENT} (its timeouts are request and backendRequest): ${use}` });
    }
    if (ingress.timeouts.sendSeconds !== undefined) {
      issues.push({ path: at('timeouts', 'sendSeconds'), message: `a send timeout ${NO_EQUIVALENT} (its timeouts are request and backendRequest): ${use}` });
    }
    if (ingress.proxyBodySize !== undefined) {
      issues.push({ path: at('proxyBodySize'), message: `a body size limit ${NO_EQUIVALENT} (it is the Gateway implementation's policy): ${use}` });
    }
    if (Object.keys(ingress.annotations).length > 0) {
      issues.push({ path: at('annotations'), message: `ingress-nginx annotations ${NO_EQUIVALENT}: ${use}` });
    }
    ingress.paths.forEach((p, i) => {
      if (p.pathType === 'ImplementationSpecific') {
        issues.push({
          path: at('paths', i, 'pathType'),
          message: 'an HTTPRoute matches paths by Prefix or Exact: ImplementationSpecific (an nginx regular expression) has no Gateway API equivalent',
        });
      }
    });
  }
  return issues;
}
