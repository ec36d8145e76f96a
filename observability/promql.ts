/**
 * PromQL shared by the alert rules and the dashboards, so both measure the same thing.
 *
 * Web-service series carry the labels the ServiceMonitor gives them: namespace, service (the
 * Service name: `<name>` for stable, `<name>-canary` for the canary), pod and track.
 * Kubernetes state comes from kube-state-metrics v2 (kube_*), container usage from cAdvisor
 * (container_*), volume usage from the kubelet (kubelet_volume_stats_*).
 */
import type { Track } from '../config/labels.js';
import { names } from '../config/names.js';

type MatchOp = '=' | '!=' | '=~' | '!~';
export type Matcher = readonly [label: string, op: MatchOp, value: string];

/** `{a="x",b=~"y|z"}`; JSON string escaping is valid PromQL string escaping. */
export function selector(matchers: readonly Matcher[]): string {
  return `{${matchers.map(([label, op, value]) => `${label}${op}${JSON.stringify(value)}`).join(',')}}`;
}

/** `sum(...)` or `sum by (a, b) (...)`. */
export function sumBy(labels: readonly string[], expr: string): string {
  return labels.length ? `sum by (${labels.join(', ')}) (${expr})` : `sum(${expr})`;
}

/** Names of the HTTP metrics a service exposes (prom-client / express-prom-bundle by default). */
export interface HttpMetrics {
  readonly requestsMetric: string;
  readonly durationMetric: string;
  readonly statusLabel: string;
}

/** The requests of one web service in one namespace: both tracks, or one when `track` is set. */
export interface HttpScope {
  readonly namespace: string;
  readonly service: string;
  readonly metrics: HttpMetrics;
  readonly track?: Track;
}

function httpMatchers(s: HttpScope, extra: readonly Matcher[] = []): Matcher[] {
  return [
    ['namespace', '=', s.namespace],
    ['service', '=~', `${s.service}|${names.track(s.service, 'canary')}`],
    ...(s.track ? [['track', '=', s.track] as Matcher] : []),
    ...extra,
  ];
}

const SERVER_ERRORS = (s: HttpScope): Matcher => [s.metrics.statusLabel, '=~', '5..'];

/** Requests per second. */
export function requestRate(s: HttpScope, window: string, by: readonly string[] = [], extra: readonly Matcher[] = []): string {
  return sumBy(by, `rate(${s.metrics.requestsMetric}${selector(httpMatchers(s, extra))}[${window}])`);
}

/** Requests counted over `window` (how much data a ratio rests on). */
export function requestCount(s: HttpScope, window: string): string {
  return sumBy([], `increase(${s.metrics.requestsMetric}${selector(httpMatchers(s))}[${window}])`);
}

/** Share of requests answered 5xx (NaN without traffic, so a ratio alert stays silent then). */
export function errorRatio(s: HttpScope, window: string, by: readonly string[] = []): string {
  return `${requestRate(s, window, by, [SERVER_ERRORS(s)])} / ${requestRate(s, window, by)}`;
}

/** The q-quantile (0.95 = p95) of request durations, in seconds, from the histogram buckets. */
export function latencyQuantile(q: number, s: HttpScope, window: string, by: readonly string[] = []): string {
  const buckets = `rate(${s.metrics.durationMetric}_bucket${selector(httpMatchers(s))}[${window}])`;
  return `histogram_quantile(${q}, ${sumBy(['le', ...by], buckets)})`;
}

/**
 * The requests of the web services of a namespace whose metrics have the same names, per
 * service: one expression for any number of services, so a dashboard does not grow with them.
 * A canary's series (service `<name>-canary`) count for its service. Without `services`, every
 * series of the metric in the namespace (only the ServiceMonitors of measured services scrape them).
 */
export interface ServicesScope {
  readonly namespace: string;
  readonly metrics: HttpMetrics;
  /** Only these services (and their canaries): needed when another group of services uses the same metric names differently. */
  readonly services?: readonly string[];
}

function servicesSeries(s: ServicesScope, metric: string, window: string, extra: readonly Matcher[] = []): string {
  const canary = names.track('', 'canary');
  const matchers: Matcher[] = [['namespace', '=', s.namespace], ...(s.services ? [['service', '=~', `(${s.services.join('|')})(${canary})?`] as Matcher] : []), ...extra];
  return `label_replace(rate(${metric}${selector(matchers)}[${window}]), "service", "$1", "service", ${JSON.stringify(`(.+)${canary}`)})`;
}

/** Requests per second, per service (and per `by`). */
export function servicesRequestRate(s: ServicesScope, window: string, by: readonly string[] = [], extra: readonly Matcher[] = []): string {
  return sumBy(['service', ...by], servicesSeries(s, s.metrics.requestsMetric, window, extra));
}

/** Share of requests answered 5xx, per service. */
export function servicesErrorRatio(s: ServicesScope, window: string): string {
  return `${servicesRequestRate(s, window, [], [[s.metrics.statusLabel, '=~', '5..']])} / ${servicesRequestRate(s, window)}`;
}

/** The q-quantile of request durations in seconds, per service. */
export function servicesLatencyQuantile(q: number, s: ServicesScope, window: string): string {
  return `histogram_quantile(${q}, ${sumBy(['le', 'service'], servicesSeries(s, `${s.metrics.durationMetric}_bucket`, window))})`;
}

/** Whether any scrape target of the service is up (1) or none (empty). */
export function serviceUp(s: HttpScope): string {
  return `up${selector(httpMatchers(s))} == 1`;
}

/** Pods of a Deployment (`<name>-<hash>-<hash>`), excluding those of `<name>-canary`. */
export function podsOf(deployment: string, namespace: string, container?: string): Matcher[] {
  return [['namespace', '=', namespace], ['pod', '=~', `${deployment}-[a-z0-9]+-[a-z0-9]+`], ...(container ? [['container', '=', container] as Matcher] : [])];
}
