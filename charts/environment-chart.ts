import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import type { EnvironmentContext } from '../config/context.js';

/**
 * A chart whose objects live in the environment namespace. Every chart becomes one file in
 * dist/<env>/; `order` sorts the files so `kubectl apply -f dist/<env>/` creates the namespace
 * before the datastores, and those before the services that use them.
 */
export abstract class EnvironmentChart extends Chart {
  constructor(
    scope: Construct,
    id: string,
    readonly env: EnvironmentContext,
    readonly order: number,
    opts: { clusterScoped?: boolean; namespace?: string } = {},
  ) {
    super(scope, id, {
      namespace: opts.clusterScoped ? undefined : (opts.namespace ?? env.namespace),
      disableResourceNameHashes: true,
    });
  }

  private json?: unknown[];

  /**
   * The chart's objects, computed on the first call and kept: a chart is complete once
   * buildEnvironmentCharts returns, and the NetworkPolicies read the other charts' objects before
   * the output does (resolving cdk8s objects is most of a render). Callers must not modify them.
   */
  override toJson(): unknown[] {
    this.json ??= super.toJson();
    return this.json;
  }

  /** File name in dist/<env>/, e.g. "30-backend.yaml". */
  get fileName(): string {
    return `${String(this.order).padStart(2, '0')}-${this.node.id}.yaml`;
  }
}
