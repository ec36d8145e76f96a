/**
 * Kubernetes recommended labels (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
 * Selectors use only the immutable subset (name + instance): a new image tag changes
 * app.kubernetes.io/version, and Deployment/StatefulSet selectors cannot change after creation.
 */
export const MANAGED_BY = 'cdk8s';

export interface LabelContext {
  /** app.kubernetes.io/part-of: the application, e.g. "webapp". */
  readonly partOf: string;
  /** app.kubernetes.io/instance: this installation, e.g. "webapp-prod". */
  readonly instance: string;
}

export interface ComponentIdentity {
  /** Set for web services, whose pods are stable or canary. */
  readonly track?: Track;
  /** app.kubernetes.io/name, e.g. "backend". */
  readonly name: string;
  /** app.kubernetes.io/component, e.g. "database". */
  readonly component: string;
  /** app.kubernetes.io/version, e.g. the image tag. */
  readonly version: string;
}

/**
 * Distinguishes the stable and canary pods of a web service, as in the Kubernetes docs' canary
 * example (https://kubernetes.io/docs/concepts/workloads/management/#canary-deployments). It is in
 * web-service selectors from the start: adding it later would change an immutable selector.
 */
export const TRACK_LABEL = 'track';
export type Track = 'stable' | 'canary' | 'blue' | 'green';

/**
 * On a Service that exists only as a route's target (a blue-green colour's under the Gateway API):
 * its pods are scraped through the service's main Service already, so the ServiceMonitor skips it.
 */
export const ROUTE_TARGET_LABEL = 'route-target';

export function selectorLabels(ctx: LabelContext, name: string, track?: Track): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/instance': ctx.instance,
    ...(track ? { [TRACK_LABEL]: track } : {}),
  };
}

export function recommendedLabels(ctx: LabelContext, id: ComponentIdentity): Record<string, string> {
  return {
    ...selectorLabels(ctx, id.name, id.track),
    'app.kubernetes.io/version': labelValue(id.version),
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': ctx.partOf,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** Label values are at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}
