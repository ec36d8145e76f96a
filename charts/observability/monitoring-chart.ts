import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { AlertmanagerConfig, PrometheusRule } from '../../imports/monitoring.coreos.com.js';
import type { EnvironmentContext } from '../../config/context.js';
import { dashboardJson } from '../../observability/grafana.js';
import { recommendedLabels } from '../../config/labels.js';
import { alertmanagerConfigSpec } from '../../observability/alertmanager.js';
import { namespaceAlertGroups } from '../../observability/alerts.js';
import { names } from '../../config/names.js';
import { environmentDashboards } from '../../observability/dashboards.js';
import { EnvironmentChart } from '../environment-chart.js';
import { toRuleGroup } from './monitoring.js';

/**
 * What the environment adds to the cluster's monitoring (kube-prometheus-stack): the alert rules of
 * the namespace, its Alertmanager receivers, and its Grafana dashboards as ConfigMaps for the
 * Grafana sidecar. The ServiceMonitors and the alert rules of each web service stay with the
 * service (charts/workloads/web-service.ts), so no object here grows with the number of services.
 */
export class MonitoringChart extends EnvironmentChart {
  static needed(env: EnvironmentContext): boolean {
    return env.config.monitoring.enabled;
  }

  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'monitoring', env, 50);
    const monitoring = env.config.monitoring;
    const labels = recommendedLabels(env.labels, { name: env.config.app.name, component: 'monitoring', version: env.config.app.version });
    const selectedLabels = { ...labels, ...monitoring.serviceMonitorLabels };

    if (monitoring.alerts.enabled) {
      new PrometheusRule(this, 'alerts', {
        metadata: { name: names.environmentAlerts(env.config.app.name), labels: selectedLabels },
        spec: { groups: namespaceAlertGroups(env.config, env.namespace).map(toRuleGroup) },
      });
    }

    const receivers = alertmanagerConfigSpec(monitoring);
    if (receivers) {
      new AlertmanagerConfig(this, 'alertmanager-config', { metadata: { name: env.config.app.name, labels: selectedLabels }, spec: receivers });
    }

    const dashboards = monitoring.grafana.dashboards;
    if (dashboards.enabled) {
      for (const { slug, model } of environmentDashboards(env)) {
        new k8s.KubeConfigMap(this, `dashboard-${slug}`, {
          metadata: { name: `grafana-dashboard-${slug}`, labels: { ...labels, [dashboards.label]: dashboards.labelValue } },
          data: { [`${model.uid}.json`]: dashboardJson(model) },
        });
      }
    }
  }
}
