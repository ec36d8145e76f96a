import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import { toYamlDocument } from '../../core/yaml.js';
import { loggingNamespace, type EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { lokiDatasource, lokiDatasourceUid } from '../../observability/logging.js';
import { EnvironmentChart } from '../environment-chart.js';
import { Loki } from './loki.js';
import { Promtail } from './promtail.js';
import { Alloy } from './alloy.js';
import { shipperReadsHost } from '../../config/schema.js';
import { PrometheusRule } from '../../imports/monitoring.coreos.com.js';
import { loggingAlertGroup } from '../../observability/logging-alerts.js';
import { toRuleGroup } from './monitoring.js';

/** The PrometheusRule of the logging namespace: alerts on the shipper, its pushes and Loki. */
const LOGGING_ALERTS = 'logging-alerts';

export { loggingNamespace } from '../../config/context.js';

/**
 * The logging namespace, created with the environment namespace (00-namespace.yaml), before
 * anything that lives in it. It enforces "restricted" like the application namespace, unless the
 * shipper reads the nodes' log files through hostPath volumes as root (Promtail, Alloy in file
 * mode), which the "restricted" and "baseline" profiles both forbid
 * (https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline): then it
 * enforces "privileged", and nothing but logging runs in it.
 */
export function addLoggingNamespace(scope: Construct, env: EnvironmentContext): void {
  const level = shipperReadsHost(env.config.logs) ? 'privileged' : 'restricted';
  new k8s.KubeNamespace(scope, 'logging-namespace', {
    metadata: {
      name: loggingNamespace(env),
      labels: {
        ...recommendedLabels(env.labels, { name: env.config.app.name, component: 'logging', version: env.config.app.version }),
        'pod-security.kubernetes.io/enforce': level,
        'pod-security.kubernetes.io/enforce-version': 'latest',
        // Record (and, under "restricted", warn about) what would break "restricted", so any new privileged pod is visible.
        'pod-security.kubernetes.io/audit': 'restricted',
        ...(level === 'restricted' ? { 'pod-security.kubernetes.io/warn': 'restricted' } : {}),
      },
    },
  });
}

/**
 * Pod logs of the environment, in the logging namespace: Loki, the shipper on every node, and a
 * Grafana datasource for Loki. Loki runs with a restricted-compliant security context; only a
 * shipper that reads host paths needs the namespace's "privileged" admission.
 */
export class LoggingChart extends EnvironmentChart {
  static needed(env: EnvironmentContext): boolean {
    return env.config.logs.enabled;
  }

  constructor(scope: Construct, env: EnvironmentContext) {
    const namespace = loggingNamespace(env);
    super(scope, 'logging', env, 60, { namespace });
    const logs = env.config.logs;
    const labels = recommendedLabels(env.labels, { name: env.config.app.name, component: 'logging', version: env.config.app.version });

    const loki = new Loki(this, 'loki', { env, namespace, logs });
    const shipper = { env, namespace, logs, lokiUrl: loki.url, sources: [env.namespace, namespace] };
    switch (logs.shipper) {
      case 'alloy':
        new Alloy(this, 'alloy', shipper);
        break;
      case 'promtail':
        new Promtail(this, 'promtail', shipper);
        break;
    }

    const monitoring = env.config.monitoring;
    if (monitoring.enabled && monitoring.alerts.enabled) {
      new PrometheusRule(this, 'alerts', {
        metadata: { name: LOGGING_ALERTS, labels: { ...labels, ...monitoring.serviceMonitorLabels } },
        spec: { groups: [toRuleGroup(loggingAlertGroup(env.config, namespace))] },
      });
    }

    const grafana = monitoring.grafana.datasources;
    new k8s.KubeConfigMap(this, 'grafana-datasource', {
      metadata: { name: 'grafana-datasource-loki', labels: { ...labels, [grafana.label]: grafana.labelValue } },
      data: {
        'loki-datasource.yaml': toYamlDocument(
          lokiDatasource({
            name: `Loki (${env.labels.instance})`,
            uid: lokiDatasourceUid(env.labels.instance),
            tempoUid: env.config.traces.enabled ? env.config.traces.tempoDatasourceUid : undefined,
            url: loki.url,
          }),
        ),
      },
    });
  }
}
