/**
 * The `delivery` section of an environment (and `services.<name>.delivery`): what runs a web
 * service's releases. `cli` (the default): `npm run canary` edits the config step by step, and the
 * charts render the state it records (charts/workloads/web-service.ts, charts/routing/). `argo-rollouts`:
 * the service is an Argo Rollout (charts/workloads/rollout.ts) whose controller runs the same steps in
 * the cluster, with the bake time as pause and the canary analysis as an AnalysisTemplate; a release
 * is a change of `image.tag`.
 *
 * Kept out of config/schema.ts (which imports it) like config/network.ts: it must not import
 * schema.ts, so the checks below read the config through structural types.
 */
import { z } from 'zod';

const DELIVERY_ENGINES = ['cli', 'argo-rollouts'] as const;
type DeliveryEngine = (typeof DELIVERY_ENGINES)[number];

const engine = z
  .enum(DELIVERY_ENGINES)
  .describe(
    'What runs releases: "cli" (npm run canary edits the config, each step a commit) or "argo-rollouts" (the service is an Argo Rollout: its controller moves through canary.steps with the bake time and the canary analysis in the cluster; a release is a change of image.tag).',
  );

export const deliverySchema = z
  .strictObject({
    engine: engine.default('cli'),
    autoPromotion: z
      .boolean()
      .default(false)
      .describe(
        'argo-rollouts blue-green: promote the preview by itself once it is ready and its pre-promotion analysis passed (autoPromotionEnabled); off: `kubectl argo rollouts promote`.',
      ),
    postPromotionAnalysis: z
      .boolean()
      .default(true)
      .describe(
        'argo-rollouts blue-green with metrics: after the switch, analyse the new version again once it has served all traffic for the bake time (canary.minStepDuration), and switch back to the previous version if it fails (postPromotionAnalysis); the previous version stays up until then. Off: it is scaled down 30 s after the switch.',
      ),
    prometheus: z
      .string()
      .regex(/^https?:\/\/[^\s/]+(\/\S*)?$/, { error: 'must be an http(s) URL such as "http://prometheus-operated.monitoring.svc:9090"' })
      .default('http://prometheus-operated.monitoring.svc:9090')
      .describe('The Prometheus the AnalysisTemplates query (argo-rollouts); default: the Service Prometheus Operator creates in the monitoring namespace.'),
  })
  .describe('How web services are released; see docs/releases.md (Argo Rollouts).');

export const serviceDeliverySchema = z
  .strictObject({
    engine: engine.optional().describe("This service's release engine; default: delivery.engine."),
    autoPromotion: z.boolean().optional().describe('Default: delivery.autoPromotion.'),
    postPromotionAnalysis: z.boolean().optional().describe('Default: delivery.postPromotionAnalysis.'),
  })
  .prefault({})
  .describe("Overrides of the environment's delivery section for this service.");

type DeliveryConfig = z.infer<typeof deliverySchema>;
type ServiceDeliveryConfig = z.infer<typeof serviceDeliverySchema>;

/** The delivery settings that apply to one service. */
export function serviceDelivery(config: { readonly delivery: DeliveryConfig }, service: { readonly delivery: ServiceDeliveryConfig }): DeliveryConfig & { engine: DeliveryEngine } {
  return {
    ...config.delivery,
    engine: service.delivery.engine ?? config.delivery.engine,
    autoPromotion: service.delivery.autoPromotion ?? config.delivery.autoPromotion,
    postPromotionAnalysis: service.delivery.postPromotionAnalysis ?? config.delivery.postPromotionAnalysis,
  };
}

export interface DeliveryIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

interface DeliveredConfig {
  readonly delivery: DeliveryConfig;
  readonly routing: { readonly backend: string };
  readonly ingress: { readonly enabled: boolean };
  readonly services: Readonly<
    Record<
      string,
      {
        readonly enabled: boolean;
        readonly kind: string;
        readonly delivery: ServiceDeliveryConfig;
        readonly ingress: { readonly paths: readonly unknown[] };
        readonly canary: { readonly enabled: boolean; readonly weightTotal: number; readonly header?: unknown; readonly cookie?: string };
        readonly blueGreen: { readonly enabled: boolean; readonly idleTag?: string };
      }
    >
  >;
}

/** What argo-rollouts cannot take: the CLI's release state, StatefulSets, and weights out of other than 100 without traffic routing. */
export function deliveryIssues(config: DeliveredConfig): DeliveryIssue[] {
  const issues: DeliveryIssue[] = [];
  for (const [name, service] of Object.entries(config.services)) {
    if (!service.enabled || serviceDelivery(config, service).engine !== 'argo-rollouts') continue;
    const at = (...path: (string | number)[]) => ['services', name, ...path];
    const release = 'with delivery.engine argo-rollouts the Rollout runs releases in the cluster: release by changing image.tag';
    if (service.kind === 'StatefulSet') issues.push({ path: at('kind'), message: 'an Argo Rollout replaces a Deployment: a StatefulSet service needs delivery.engine cli' });
    if (service.canary.enabled) issues.push({ path: at('canary', 'enabled'), message: `${release} (the Rollout moves through canary.steps), not with a canary track` });
    if (service.blueGreen.idleTag !== undefined)
      issues.push({ path: at('blueGreen', 'idleTag'), message: `${release} (the Rollout runs it as the preview), not with an idle colour` });
    const routed = config.ingress.enabled && service.ingress.paths.length > 0;
    const plugin = routed && config.routing.backend === 'gateway-api';
    if (service.blueGreen.enabled) continue;
    if ((!routed || plugin) && service.canary.weightTotal !== 100) {
      const why = plugin ? 'the Gateway API plugin sets weights in percent' : 'without Ingress paths a Rollout splits traffic by replicas, in percent';
      issues.push({ path: at('canary', 'weightTotal'), message: `${why}: weightTotal must be 100` });
    }
  }
  return issues;
}
