/**
 * A web service released by Argo Rollouts (delivery.engine: argo-rollouts): its Rollout's strategy
 * and its AnalysisTemplate, as pure functions of the config.
 *
 * The Rollout carries the pod template itself (spec.template) rather than a workloadRef to a
 * Deployment: with a workloadRef the Deployment stays in Git at its replica count while the
 * controller scales it to zero, so Argo CD and the controller would disagree on every sync, and
 * every object (HPA, PDB, policies) would have two workloads to reason about. One object, one
 * owner of the ReplicaSets.
 *
 * Stable and canary pods come from the same template; the controller labels them with
 * `track: stable|canary` (stableMetadata/canaryMetadata; blue-green: activeMetadata/previewMetadata,
 * the preview as canary), so the ServiceMonitor/PodMonitor relabelling, the canary analysis and the
 * dashboards tell them apart as they do for the CLI's tracks. Services `<name>` (stable, or active)
 * and `<name>-canary` (canary, or preview) select the service's pods; the controller adds the
 * ReplicaSet's pod-template-hash to their selectors.
 *
 * Canary: for each step of canary.steps but the last, setWeight, a pause of the bake time, then the
 * analysis; reaching the end promotes. Traffic follows the routing backend: ingress-nginx through
 * the service's stable Ingress (the controller writes the canary Ingress, with canary.header and
 * canary.cookie as its extra annotations), the Gateway API through the argoproj-labs/gatewayAPI
 * traffic router plugin on the HTTPRoutes carrying the service (it sets their backendRef weights,
 * and adds header and cookie rules to the canary as managed routes: http-route.ts rolloutHeaderRoutes).
 */
import { names } from '../../config/names.js';
import type { EnvironmentContext } from '../../config/context.js';
import { serviceDelivery } from '../../config/delivery.js';
import { ingressObjects } from '../../config/routes.js';
import type { WebServiceConfig } from '../../config/schema.js';
import { TRACK_LABEL } from '../../config/labels.js';
import { httpRoutes, rolloutHeaderRoutes } from '../routing/http-route.js';

/** The traffic router plugin of the Gateway API (https://github.com/argoproj-labs/rollouts-plugin-trafficrouter-gatewayapi). */
const GATEWAY_API_PLUGIN = 'argoproj-labs/gatewayAPI';

/** Whether the service is released by Argo Rollouts. */
export function releasedByRollout(env: EnvironmentContext, service: WebServiceConfig): boolean {
  return serviceDelivery(env.config, service).engine === 'argo-rollouts';
}

/** Whether the service's analysis can run: its metrics are scraped. */
function analysed(env: EnvironmentContext, service: WebServiceConfig): boolean {
  return env.config.monitoring.enabled && service.metrics.enabled;
}

/** How the controller shifts traffic to the canary; undefined: by replica counts (no routes). */
function trafficRouting(env: EnvironmentContext, name: string, service: WebServiceConfig): Record<string, unknown> | undefined {
  const { config } = env;
  const canary = service.canary;
  const maxTrafficWeight = canary.weightTotal !== 100 ? { maxTrafficWeight: canary.weightTotal } : {};
  if (config.routing.backend === 'gateway-api') {
    const routes = httpRoutes(env).filter((r) => r.spec.rules.some((rule) => rule.backendRefs?.some((b) => b.name === name)));
    if (routes.length === 0) return undefined;
    // The plugin sets percentages (config/delivery.ts refuses another weightTotal) on every
    // backendRef of the service in these routes, and adds the header routes' rules to them.
    const headerRoutes = rolloutHeaderRoutes(name, canary);
    const useHeaderRoutes = headerRoutes.length > 0 ? { useHeaderRoutes: true } : {};
    return {
      ...(headerRoutes.length > 0 ? { managedRoutes: headerRoutes.map((h) => ({ name: h.name })) } : {}),
      plugins: { [GATEWAY_API_PLUGIN]: { namespace: env.namespace, httpRoutes: routes.map((r) => ({ name: r.metadata.name, ...useHeaderRoutes })) } },
    };
  }
  if (!config.ingress.enabled) return undefined;
  const ingresses = ingressObjects(config)
    .filter((o) => o.routes.some((r) => r.service === name))
    .map((o) => o.name);
  if (ingresses.length === 0) return undefined;
  const annotations: Record<string, string> = {
    ...(canary.header ? { 'canary-by-header': canary.header.name } : {}),
    ...(canary.header?.value ? { 'canary-by-header-value': canary.header.value } : {}),
    ...(canary.header?.pattern ? { 'canary-by-header-pattern': canary.header.pattern } : {}),
    ...(canary.cookie ? { 'canary-by-cookie': canary.cookie } : {}),
  };
  return {
    ...maxTrafficWeight,
    nginx: {
      ...(ingresses.length === 1 ? { stableIngress: ingresses[0] } : { stableIngresses: ingresses }),
      ...(Object.keys(annotations).length ? { additionalIngressAnnotations: annotations } : {}),
    },
  };
}

const trackMetadata = (track: 'stable' | 'canary') => ({ labels: { [TRACK_LABEL]: track } });

/** The Rollout's spec.strategy. */
export function rolloutStrategy(env: EnvironmentContext, name: string, service: WebServiceConfig): Record<string, unknown> {
  const analysis = analysed(env, service) ? { templates: [{ templateName: name }] } : undefined;
  if (service.blueGreen.enabled) {
    const post = postPromotionAnalysis(env, service);
    return {
      blueGreen: {
        activeService: name,
        previewService: names.track(name, 'canary'),
        autoPromotionEnabled: serviceDelivery(env.config, service).autoPromotion,
        activeMetadata: trackMetadata('stable'),
        previewMetadata: trackMetadata('canary'),
        ...(analysis ? { prePromotionAnalysis: analysis } : {}),
        // No scaleDownDelaySeconds: with one set, the controller cancels the post-promotion run
        // when the delay ends and scales the previous version down; without it, the previous
        // version stays up until the run completes, so a failure can switch back to it.
        ...(post ? { postPromotionAnalysis: { templates: [{ templateName: names.postPromotionAnalysis(name) }] } } : {}),
      },
    };
  }
  const canary = service.canary;
  const routing = trafficRouting(env, name, service);
  // The bake time `npm run canary -- promote` enforces with the CLI engine.
  const duration = canary.minStepDuration;
  // Header routes are set once the first weight is reached (the canary's pods are available: the
  // controller removes managed routes while it has none) and last until the end or an abort.
  const headerSteps = routing?.managedRoutes ? rolloutHeaderRoutes(name, canary).map((h) => ({ setHeaderRoute: h })) : [];
  return {
    canary: {
      stableService: name,
      canaryService: names.track(name, 'canary'),
      stableMetadata: trackMetadata('stable'),
      canaryMetadata: trackMetadata('canary'),
      maxSurge: service.rollingUpdate.maxSurge,
      maxUnavailable: service.rollingUpdate.maxUnavailable,
      ...(routing ? { trafficRouting: routing } : {}),
      // The last step (weightTotal) is the promotion the controller does at the end of the steps.
      steps: canary.steps
        .slice(0, -1)
        .flatMap((weight, i) => [{ setWeight: weight }, ...(i === 0 ? headerSteps : []), { pause: { duration } }, ...(analysis ? [{ analysis }] : [])]),
    },
  };
}

/** Whether the service gets an AnalysisTemplate (named like it). */
export function needsAnalysisTemplate(env: EnvironmentContext, service: WebServiceConfig): boolean {
  return releasedByRollout(env, service) && analysed(env, service);
}

/**
 * A blue-green Rollout's analysis after the switch (delivery.postPromotionAnalysis, default on):
 * the same metrics, each measured once the new version has served all traffic for the bake time
 * (canary.minStepDuration; the initialDelay of its template, names.postPromotionAnalysis). Until
 * the run succeeds the controller keeps the new ReplicaSet's preview metadata (track: canary) and
 * the previous one's active metadata (track: stable) (rollout/ephemeralmetadata.go: a ReplicaSet
 * becomes stable when the rollout is fully promoted), so the queries still tell the two apart; a
 * failed run aborts the rollout, which switches the active Service back to the previous version.
 * Once the previous version has had no traffic for a whole analysis window, stable has no data and
 * the comparisons with it are skipped, as `analyze` skips them: the absolute thresholds remain.
 * Undefined when there is none; else its initialDelay (none for a bake time of 0).
 */
export function postPromotionAnalysis(env: EnvironmentContext, service: WebServiceConfig): { initialDelay?: string } | undefined {
  if (!needsAnalysisTemplate(env, service) || !service.blueGreen.enabled || !serviceDelivery(env.config, service).postPromotionAnalysis) return undefined;
  const delay = service.canary.minStepDuration;
  return /^0+[smh]$/.test(delay) ? {} : { initialDelay: delay };
}
