import type { Construct } from 'constructs';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
  PrometheusRule,
  PrometheusRuleSpecGroupsRulesExpr,
  type PrometheusRuleSpecGroups,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  type ServiceMonitorSpecEndpointsRelabelings,
} from '../../imports/monitoring.coreos.com.js';
import type { WebServiceConfig } from '../../config/schema.js';
import { canaryAlertRules } from '../../delivery/canary-analysis.js';
import { webServiceAlertGroup, type AlertRule } from '../../observability/alerts.js';
import type { EnvironmentContext } from '../../config/context.js';
import { ROUTE_TARGET_LABEL, selectorLabels, TRACK_LABEL } from '../../config/labels.js';
import { names } from '../../config/names.js';

export interface ScrapeTarget {
  /** Name of the ServiceMonitor. */
  readonly name: string;
  readonly labels: Record<string, string>;
  /** Labels of the Service(s) to scrape; only those with a port named `port` yield targets. */
  readonly selector: Record<string, string>;
  /** Services with this label are left out (matchExpressions DoesNotExist). */
  readonly excludeLabel?: string;
  readonly port: string;
  readonly path?: string;
  readonly relabelings?: ServiceMonitorSpecEndpointsRelabelings[];
}

/**
 * A ServiceMonitor carrying the labels the cluster's Prometheus selects on. Prometheus Operator
 * labels every sample with namespace, service, pod, container and endpoint (the port name).
 */
export function scrapeMonitor(scope: Construct, id: string, env: EnvironmentContext, target: ScrapeTarget): ServiceMonitor {
  const monitoring = env.config.monitoring;
  return new ServiceMonitor(scope, id, {
    metadata: { name: target.name, labels: { ...target.labels, ...monitoring.serviceMonitorLabels } },
    spec: {
      selector: {
        matchLabels: target.selector,
        ...(target.excludeLabel ? { matchExpressions: [{ key: target.excludeLabel, operator: 'DoesNotExist' }] } : {}),
      },
      endpoints: [{ port: target.port, path: target.path, interval: monitoring.scrapeInterval, relabelings: target.relabelings }],
    },
  });
}

/**
 * A ServiceMonitor scraping a web service's metrics endpoint on both of its Services (stable and
 * canary share the name label), keeping the pod's track and version as labels so queries can
 * tell them apart.
 */
export function serviceMonitor(
  scope: Construct,
  env: EnvironmentContext,
  name: string,
  service: WebServiceConfig,
  labels: Record<string, string>,
  opts: { excludeRouteTargets?: boolean } = {},
): void {
  const { [TRACK_LABEL]: _track, ...bothTracks } = labels;
  const copyPodLabel = (label: string, targetLabel: string): ServiceMonitorSpecEndpointsRelabelings => ({
    sourceLabels: [`__meta_kubernetes_pod_label_${label}`],
    targetLabel,
    action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
  });
  scrapeMonitor(scope, 'service-monitor', env, {
    name,
    labels: bothTracks,
    selector: selectorLabels(env.labels, name),
    ...(opts.excludeRouteTargets ? { excludeLabel: ROUTE_TARGET_LABEL } : {}),
    port: service.metrics.port !== undefined && service.metrics.port !== service.port ? 'metrics' : 'http',
    path: service.metrics.path,
    relabelings: [copyPodLabel(TRACK_LABEL, 'track'), copyPodLabel('app_kubernetes_io_version', 'version')],
  });
}

/**
 * The scrape of a web service released by an Argo Rollout: a PodMonitor on the pods (both tracks),
 * since the controller points the stable and canary Services at whichever ReplicaSet holds each
 * track, so a ServiceMonitor would scrape a pod twice when both select it. Samples get the pod's
 * track and version, and `service` set to the service's name, as the ServiceMonitor's do, so the
 * queries, alerts and dashboards read them alike.
 */
export function podMonitor(scope: Construct, env: EnvironmentContext, name: string, service: WebServiceConfig, labels: Record<string, string>): void {
  const monitoring = env.config.monitoring;
  const copyPodLabel = (label: string, targetLabel: string) => ({
    sourceLabels: [`__meta_kubernetes_pod_label_${label}`],
    targetLabel,
    action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE,
  });
  new PodMonitor(scope, 'pod-monitor', {
    metadata: { name, labels: { ...labels, ...monitoring.serviceMonitorLabels } },
    spec: {
      selector: { matchLabels: selectorLabels(env.labels, name) },
      podMetricsEndpoints: [
        {
          port: service.metrics.port !== undefined && service.metrics.port !== service.port ? 'metrics' : 'http',
          path: service.metrics.path,
          interval: monitoring.scrapeInterval,
          relabelings: [
            copyPodLabel(TRACK_LABEL, 'track'),
            copyPodLabel('app_kubernetes_io_version', 'version'),
            { action: PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE, targetLabel: 'service', replacement: name },
          ],
        },
      ],
    },
  });
}

/** The KPI alerts of a web service (error rate, latency, down) as its own PrometheusRule, named after it. */
export function serviceAlerts(scope: Construct, env: EnvironmentContext, name: string, service: WebServiceConfig, labels: Record<string, string>): void {
  const { [TRACK_LABEL]: _track, ...bothTracks } = labels;
  new PrometheusRule(scope, 'alerts', {
    metadata: { name, labels: { ...bothTracks, ...env.config.monitoring.serviceMonitorLabels } },
    spec: { groups: [toRuleGroup(webServiceAlertGroup(env.config, { namespace: env.namespace, service: name, metrics: service.canary.analysis }))] },
  });
}

/** The canary rollback triggers as a PrometheusRule, present while the canary runs. */
export function canaryAlerts(scope: Construct, env: EnvironmentContext, name: string, service: WebServiceConfig, labels: Record<string, string>): void {
  new PrometheusRule(scope, 'canary-alerts', {
    metadata: { name: names.track(name, 'canary'), labels: { ...labels, ...env.config.monitoring.serviceMonitorLabels } },
    spec: {
      groups: [
        toRuleGroup({ name: names.track(name, 'canary'), rules: canaryAlertRules(name, env.namespace, service.canary.analysis, env.config.monitoring.alerts.runbookBaseUrl) }),
      ],
    },
  });
}

/** A rule group (plain data, as promtool reads it) as the PrometheusRule CRD types it. */
export function toRuleGroup(group: { name: string; rules: readonly AlertRule[] }): PrometheusRuleSpecGroups {
  return { name: group.name, rules: group.rules.map((r) => ({ ...r, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr) })) };
}
