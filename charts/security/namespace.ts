import { k8s } from 'cdk8s-plus-27';
import type { Construct } from 'constructs';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels } from '../../config/labels.js';
import { namespaceLevel } from '../../config/pod-security.js';
import { EnvironmentChart } from '../environment-chart.js';
import { addLoggingNamespace, LoggingChart } from '../observability/logging-chart.js';

/**
 * The environment namespace. Pod Security admission enforces the "restricted" profile on it
 * (https://kubernetes.io/docs/concepts/security/pod-security-admission/), so a pod that would
 * run as root or escalate privileges is rejected at admission, not discovered in a review.
 * Only a workload that declares a security exception in config (`securityExceptions`, with its
 * reason) lowers it, to the least permissive level that admits it; warn and audit stay
 * "restricted", so every pod that needs the exception is still reported by the API server.
 */
export class NamespaceChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext) {
    super(scope, 'namespace', env, 0, { clusterScoped: true });
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: {
        name: env.namespace,
        labels: {
          ...recommendedLabels(env.labels, { name: env.config.app.name, component: 'namespace', version: env.config.app.version }),
          'pod-security.kubernetes.io/enforce': namespaceLevel(env.config),
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    });
    if (LoggingChart.needed(env)) addLoggingNamespace(this, env);
  }
}
