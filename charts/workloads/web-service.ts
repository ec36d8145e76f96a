import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { WebServiceConfig } from '../../config/schema.js';
import { COLOURS, names, type Colour } from '../../config/names.js';
import { ROUTE_TARGET_LABEL } from '../../config/labels.js';
import { colourWorkload } from '../../delivery/blue-green.js';
import { spreadsAcrossTopology } from './availability.js';
import { canaryWorkload } from '../../delivery/canary.js';
import type { EnvironmentContext } from '../../config/context.js';
import { EnvironmentChart } from '../environment-chart.js';
import { canaryAlerts, podMonitor, serviceAlerts, serviceMonitor } from '../observability/monitoring.js';
import { ApiObject } from 'cdk8s';
import { serviceDelivery } from '../../config/delivery.js';
import { analysisTemplateSpec } from '../../delivery/analysis-template.js';
import { ROLLOUT_API_VERSION } from './autoscaler.js';
import { needsAnalysisTemplate, postPromotionAnalysis, releasedByRollout, rolloutStrategy } from './rollout.js';
import { containerProbes } from './probes.js';
import { Workload, type DeploymentIdentity } from './workload.js';

export interface WebServiceProps {
  readonly name: string;
  readonly service: WebServiceConfig;
}

/**
 * An HTTP service: its Workload (Deployment, ConfigMap, HPA, ...) plus a ClusterIP Service and,
 * while a canary runs, a `<name>-canary` Deployment and Service. Each Service selects one track
 * only: a stable Service that also matched canary pods would send them extra traffic and skew
 * the split the canary Ingress asks for.
 */
export class WebServiceChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext, props: WebServiceProps) {
    super(scope, props.name, env, 30);
    const { name, service } = props;
    const metricsPort = service.metrics.enabled && service.metrics.port !== service.port ? service.metrics.port : undefined;

    const workload = new Workload(this, 'workload', {
      name,
      workload: service,
      env,
      extraSettings: { PORT: String(service.port) },
      ports: [
        { name: 'http', containerPort: service.port, protocol: 'TCP' },
        ...(metricsPort === undefined ? [] : [{ name: 'metrics', containerPort: metricsPort, protocol: 'TCP' }]),
      ],
      probes: containerProbes(service.probes, { name: 'http', number: service.port }),
      servicePorts: servicePorts(service, metricsPort),
      // Keep serving while the endpoint is removed from the Service and the ingress controller's
      // upstreams; without the delay, in-flight and new requests fail during every rollout.
      lifecycle: service.preStopDelaySeconds > 0 ? { preStop: { exec: { command: ['sleep', String(service.preStopDelaySeconds)] } } } : undefined,
      terminationGracePeriodSeconds: service.terminationGracePeriodSeconds + service.preStopDelaySeconds,
      topologySpread: spreadsAcrossTopology(service, env.config.tier),
      strategy: {
        type: 'RollingUpdate',
        rollingUpdate: {
          maxSurge: intOrString(service.rollingUpdate.maxSurge),
          maxUnavailable: intOrString(service.rollingUpdate.maxUnavailable),
        },
      },
    });

    const rollout = releasedByRollout(env, service);
    const routeTargets = env.config.routing.backend === 'gateway-api' && service.blueGreen.enabled && !rollout;
    let serving: DeploymentIdentity;
    if (rollout) {
      // Argo Rollouts runs the release: one Rollout; <name> is its stable (active) Service and
      // <name>-canary its canary (preview) Service, both selecting the service's pods.
      serving = workload.addRollout(service, rolloutStrategy(env, name, service));
      this.service('canary-service', { ...serving, name: names.track(name, 'canary') }, service, metricsPort);
      if (needsAnalysisTemplate(env, service)) {
        new ApiObject(this, 'analysis-template', {
          apiVersion: ROLLOUT_API_VERSION,
          kind: 'AnalysisTemplate',
          metadata: { name, labels: serving.labels },
          spec: analysisTemplateSpec(name, env.namespace, service.canary.analysis, serviceDelivery(env.config, service).prometheus),
        });
      }
      const post = postPromotionAnalysis(env, service);
      if (post) {
        new ApiObject(this, 'post-promotion-analysis-template', {
          apiVersion: ROLLOUT_API_VERSION,
          kind: 'AnalysisTemplate',
          metadata: { name: names.postPromotionAnalysis(name), labels: serving.labels },
          spec: analysisTemplateSpec(name, env.namespace, service.canary.analysis, serviceDelivery(env.config, service).prometheus, post.initialDelay),
        });
      }
    } else if (service.blueGreen.enabled) {
      const colours = Object.fromEntries(COLOURS.map((colour) => [colour, workload.addDeployment(colourWorkload(service, colour), { track: colour, suffix: colour })])) as Record<
        Colour,
        DeploymentIdentity
      >;
      // The Service (and so the Ingress) sends all traffic to the active colour.
      serving = { ...colours[service.blueGreen.active], name };
      if (routeTargets) {
        // The Gateway API switches colours in the HTTPRoute's backendRefs: a Service per colour.
        for (const colour of COLOURS) {
          const { name: colourName, labels, selector } = colours[colour];
          this.service(`service-${colour}`, { name: colourName, labels: { ...labels, [ROUTE_TARGET_LABEL]: 'true' }, selector }, service, metricsPort);
        }
      }
    } else {
      serving = workload.addDeployment(service, { track: 'stable' });
    }
    this.service('service', serving, service, metricsPort);
    if (service.canary.enabled && !rollout) {
      this.service('canary-service', workload.addDeployment(canaryWorkload(service), { track: 'canary', suffix: 'canary' }), service, metricsPort);
    }
    if (env.config.monitoring.enabled && service.metrics.enabled) {
      if (rollout) podMonitor(this, env, name, service, serving.labels);
      else serviceMonitor(this, env, name, service, serving.labels, { excludeRouteTargets: routeTargets });
      if (env.config.monitoring.alerts.enabled) serviceAlerts(this, env, name, service, serving.labels);
      if (service.canary.enabled) canaryAlerts(this, env, name, service, serving.labels);
    }
  }

  private service(id: string, deployment: DeploymentIdentity, service: WebServiceConfig, metricsPort: number | undefined): void {
    new k8s.KubeService(this, id, {
      metadata: { name: deployment.name, labels: deployment.labels },
      spec: {
        type: 'ClusterIP',
        selector: deployment.selector,
        ports: servicePorts(service, metricsPort),
      },
    });
  }
}

/** The ports of a web service's Service: http, a separate metrics port, then its own `ports` by name. */
function servicePorts(service: WebServiceConfig, metricsPort: number | undefined): k8s.ServicePort[] {
  return [
    { name: 'http', port: service.servicePort, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' },
    ...(metricsPort === undefined ? [] : [{ name: 'metrics', port: metricsPort, targetPort: k8s.IntOrString.fromString('metrics'), protocol: 'TCP' }]),
    ...Object.keys(service.ports)
      .sort()
      .map((name) => ({
        name,
        port: service.ports[name].servicePort ?? service.ports[name].port,
        targetPort: k8s.IntOrString.fromString(name),
        protocol: service.ports[name].protocol,
      })),
  ];
}

function intOrString(value: number | string): k8s.IntOrString {
  return typeof value === 'number' ? k8s.IntOrString.fromNumber(value) : k8s.IntOrString.fromString(value);
}
