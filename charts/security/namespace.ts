import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { EnvironmentChart } from '../environment-chart.js';
import { addLoggingNamespace, LoggingChart } from '../observability/logging-chart.js';

/**
 * The environment namespace. Pod Security admission enforces the "restricted" profile on it
 * (https://kubernetes.io/docs/concepts/security/pod-security-admission/), so a pod that would
 * run as root or escalate privileges is rejected at admission, not discovered in a review.
 */
export class NamespaceChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'namespace', env, 0, { clusterScoped: true });
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: env.namespace,
        labels: {
          ...recommendedLabels(env.labels, { name: env.config.app.name, component: 'namespace', version: env.config.app.version }),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    if (LoggingChart.needed(env)) addLoggingNamespace(this, env);
  }
}
