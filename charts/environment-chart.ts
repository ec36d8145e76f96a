import { ApiObject, App, Chart, DependencyGraph } from 'cdk8s';
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
    this.json ??= objectsOf(this);
    return this.json;
  }

  /** File name in dist/<env>/, e.g. "30-backend.yaml". */
  get fileName(): string {
    return `${String(this.order).padStart(2, '0')}-${this.node.id}.yaml`;
  }
}

/** Per app, how many charts it had when cdk8s last resolved its dependencies and validated it. */
const preparedApps = new WeakMap<App, number>();

/**
 * What `Chart.toJson` returns, with cdk8s's app-wide preparation (dependencies between objects,
 * validation of every construct) done once per set of charts instead of once per chart: that walk
 * of the whole app for each chart made a render quadratic in the number of services. Constructs are
 * only added to a chart while it is built, so the set of charts tells whether the app changed.
 */
function objectsOf(chart: Chart): unknown[] {
  const app = App.of(chart);
  const charts = app.node.children.length;
  if (preparedApps.get(app) !== charts) {
    const objects = Chart.prototype.toJson.call(chart);
    preparedApps.set(app, charts);
    return objects;
  }
  // cdk8s's own selection (App._synthChart): the chart's objects in dependency order, not those of nested charts.
  return new DependencyGraph(chart.node)
    .topology()
    .filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart)
    .map((o) => o.toJson());
}
