import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentContext } from '../../config/context.js';
import type { Manifest } from '../../core/manifest.js';
import { networkPolicies } from './policies.js';
import { POD_TEMPLATE_KINDS } from '../../core/objects.js';
import { EnvironmentChart } from '../environment-chart.js';
import { LoggingChart, loggingNamespace } from '../observability/logging-chart.js';

/**
 * The environment's NetworkPolicies (charts/security/policies.ts), in their own file, numbered before
 * the workloads so no pod ever runs unprotected. Metrics ports are read from the other charts'
 * pod templates, so this chart is built after them.
 */
export class NetworkPolicyChart extends EnvironmentChart {
  constructor(scope: Construct, env: EnvironmentContext, others: readonly EnvironmentChart[]) {
    super(scope, 'network-policies', env, 10);
    const workloads = others.flatMap((chart) => chart.toJson() as Manifest[]).filter((o) => POD_TEMPLATE_KINDS.has(String(o.kind)));
    const policies = networkPolicies({ env, loggingNamespace: LoggingChart.needed(env) ? loggingNamespace(env) : undefined, objects: workloads });
    for (const policy of policies) {
      new ApiObject(this, `${policy.metadata.namespace}-${policy.metadata.name}`, { ...policy, metadata: { ...policy.metadata } });
    }
  }

  static needed(env: EnvironmentContext): boolean {
    return env.config.network.policies;
  }
}
