import type { Construct } from 'constructs';
import { PrometheusRule, PrometheusRuleSpecGroupsRulesExpr, ServiceMonitor, ServiceMonitorSpecEndpointsRelabelingsAction } from '../imports/monitoring.coreos.com.js';
import type { WebServiceConfig } from '../config/schema.js';
import { canaryAlertRules } from '../lib/canary-analysis.js';
import type { EnvironmentContext } from '../lib/context.js';
import { selectorLabels, TRACK_LABEL } from '../lib/labels.js';

/**
 * A ServiceMonitor scraping a web service's metrics endpoint on both of its Services (stable and
 * canary share the name label), keeping the pod's track as a `track` label so queries can tell
 * them apart; Prometheus Operator adds namespace, service and pod itself.
 */
export function serviceMonitor(scope: Construct, env: EnvironmentContext, name: string, service: WebServiceConfig, labels: Record<string, string>): void {
  const monitoring = env.config.monitoring;
  const { [TRACK_LABEL]: _track, ...bothTracks } = labels;
  new ServiceMonitor(scope, 'service-monitor', {
    metadata: { name, labels: { ...bothTracks, ...monitoring.serviceMonitorLabels } },
    spec: {
      selector: { matchLabels: selectorLabels(env.labels, name) },
      endpoints: [
        {
          port: service.metrics.port !== undefined && service.metrics.port !== service.port ? 'metrics' : 'http',
          path: service.metrics.path,
          interval: monitoring.scrapeInterval,
          relabelings: [
            {
              sourceLabels: [`__meta_kubernetes_pod_label_${TRACK_LABEL}`],
              targetLabel: 'track',
              action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
            },
            {
              sourceLabels: ['__meta_kubernetes_pod_label_app_kubernetes_io_version'],
              targetLabel: 'version',
              action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
            },
          ],
        },
      ],
    },
  });
}

/** The canary rollback triggers as a PrometheusRule, present while the canary runs. */
export function canaryAlerts(scope: Construct, env: EnvironmentContext, name: string, service: WebServiceConfig, labels: Record<string, string>): void {
  new PrometheusRule(scope, 'canary-alerts', {
    metadata: { name: `${name}-canary`, labels: { ...labels, ...env.config.monitoring.serviceMonitorLabels } },
    spec: {
      groups: [
        {
          name: `${name}-canary`,
          rules: canaryAlertRules(name, env.namespace, service.canary.analysis).map((r) => ({
            ...r,
            expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
          })),
        },
      ],
    },
  });
}
