/**
 * Canary analysis (the reference workflow's "Stage 2: Monitor"): PromQL for canary vs stable and
 * the verdict the thresholds give. Series are told apart by the `track` label that the
 * ServiceMonitor copies from the pods, within the service's namespace.
 */
import type { z } from 'zod';
import type { canaryAnalysisSchema } from '../config/schema.js';
import type { Track } from '../config/labels.js';
import { runbookUrl, type AlertRule } from '../observability/alerts.js';
import { errorRatio, latencyQuantile, podsOf, requestCount, selector, type HttpScope } from '../observability/promql.js';
import { names } from '../config/names.js';

export type CanaryAnalysis = z.infer<typeof canaryAnalysisSchema>;
export type Verdict = 'promote' | 'hold' | 'rollback';

export interface CanaryQueries {
  readonly canaryRequests: string;
  readonly canaryErrorRate: string;
  readonly stableErrorRate: string;
  readonly canaryP95: string;
  readonly stableP95: string;
  readonly canaryCpuCores: string;
  readonly canaryMemoryBytes: string;
}

export function canaryQueries(service: string, namespace: string, a: CanaryAnalysis): CanaryQueries {
  const track = (t: Track): HttpScope => ({ namespace, service, metrics: a, track: t });
  const canaryPods = selector(podsOf(names.track(service, 'canary'), namespace, service));
  return {
    canaryRequests: requestCount(track('canary'), a.window),
    canaryErrorRate: errorRatio(track('canary'), a.window),
    stableErrorRate: errorRatio(track('stable'), a.window),
    canaryP95: latencyQuantile(0.95, track('canary'), a.window),
    stableP95: latencyQuantile(0.95, track('stable'), a.window),
    canaryCpuCores: `sum(rate(container_cpu_usage_seconds_total${canaryPods}[${a.window}]))`,
    canaryMemoryBytes: `sum(container_memory_working_set_bytes${canaryPods})`,
  };
}

/** Measured values; undefined when Prometheus had no sample (no traffic, no scrape). */
export type CanaryMeasurements = { readonly [K in keyof CanaryQueries]?: number };

export interface Decision {
  readonly verdict: Verdict;
  readonly reasons: string[];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (x: number) => `${x.toFixed(3)}s`;

/**
 * Rollback when any trigger fires (error rate or p95 over its limit, or worse than stable by
 * more than allowed); hold when there is too little data to judge; promote otherwise.
 * Missing data never promotes.
 */
export function decide(m: CanaryMeasurements, a: CanaryAnalysis): Decision {
  const rollback: string[] = [];
  if (m.canaryErrorRate !== undefined && m.canaryErrorRate > a.maxErrorRate) {
    rollback.push(`canary error rate ${pct(m.canaryErrorRate)} > ${pct(a.maxErrorRate)}`);
  }
  if (m.canaryP95 !== undefined && m.canaryP95 > a.maxP95LatencySeconds) {
    rollback.push(`canary p95 ${secs(m.canaryP95)} > ${secs(a.maxP95LatencySeconds)}`);
  }
  if (m.canaryErrorRate !== undefined && m.stableErrorRate !== undefined && m.canaryErrorRate - m.stableErrorRate > a.maxErrorRateIncrease) {
    rollback.push(`canary error rate ${pct(m.canaryErrorRate)} is more than ${pct(a.maxErrorRateIncrease)} above stable ${pct(m.stableErrorRate)}`);
  }
  if (m.canaryP95 !== undefined && m.stableP95 !== undefined && m.stableP95 > 0 && m.canaryP95 > a.maxLatencyRatio * m.stableP95) {
    rollback.push(`canary p95 ${secs(m.canaryP95)} is more than ${a.maxLatencyRatio}x stable ${secs(m.stableP95)}`);
  }
  if (rollback.length) return { verdict: 'rollback', reasons: rollback };

  const hold: string[] = [];
  if (m.canaryRequests === undefined || m.canaryRequests < a.minRequests) {
    hold.push(`only ${Math.round(m.canaryRequests ?? 0)} canary requests in the last ${a.window} (need ${a.minRequests})`);
  }
  const { canaryErrorRate, canaryP95 } = m;
  if (canaryErrorRate === undefined) hold.push('no canary error-rate data');
  if (canaryP95 === undefined) hold.push('no canary latency data');
  if (hold.length || canaryErrorRate === undefined || canaryP95 === undefined) return { verdict: 'hold', reasons: hold };

  return {
    verdict: 'promote',
    reasons: [
      `canary error rate ${pct(canaryErrorRate)} (stable ${m.stableErrorRate === undefined ? 'n/a' : pct(m.stableErrorRate)})`,
      `canary p95 ${secs(canaryP95)} (stable ${m.stableP95 === undefined ? 'n/a' : secs(m.stableP95)})`,
    ],
  };
}

/** The numbers behind a verdict, one per line; "n/a" where Prometheus had no sample. */
export function formatMeasurements(m: CanaryMeasurements): string {
  const show = (value: number | undefined, format: (x: number) => string) => (value === undefined ? 'n/a' : format(value));
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(0)}Mi`;
  return [
    `  error rate   canary ${show(m.canaryErrorRate, pct)}, stable ${show(m.stableErrorRate, pct)}`,
    `  p95 latency  canary ${show(m.canaryP95, secs)}, stable ${show(m.stableP95, secs)}`,
    `  canary       ${show(m.canaryRequests, (x) => x.toFixed(0))} requests, CPU ${show(m.canaryCpuCores, (x) => `${(x * 1000).toFixed(0)}m`)}, memory ${show(m.canaryMemoryBytes, mib)}`,
  ].join('\n');
}

export const VERDICT_EXIT_CODES: Record<Verdict, number> = { promote: 0, hold: 3, rollback: 4 };

/** Runs an instant query against the Prometheus HTTP API; undefined when the result is empty or NaN. */
async function queryScalar(prometheusUrl: string, query: string, at?: Date, timeoutMs = 10_000): Promise<number | undefined> {
  const url = new URL('api/v1/query', prometheusUrl.endsWith('/') ? prometheusUrl : `${prometheusUrl}/`);
  url.searchParams.set('query', query);
  if (at) url.searchParams.set('time', String(at.getTime() / 1000));
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: { value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`Prometheus rejected the query: ${body.error ?? response.statusText}\n  ${query}`);
  const value = Number(body.data?.result[0]?.value[1]);
  return Number.isFinite(value) ? value : undefined;
}

export async function measure(prometheusUrl: string, queries: CanaryQueries, at?: Date): Promise<CanaryMeasurements> {
  const entries = await Promise.all((Object.keys(queries) as (keyof CanaryQueries)[]).map(async (key) => [key, await queryScalar(prometheusUrl, queries[key], at)] as const));
  return Object.fromEntries(entries);
}

/**
 * The analysis's rollback triggers as alert rules, so Alertmanager warns even when nobody runs
 * `analyze`. `{{ $value }}` is Prometheus alert templating, rendered by Prometheus, not by us.
 */
export function canaryAlertRules(service: string, namespace: string, a: CanaryAnalysis, runbookBaseUrl: string): AlertRule[] {
  const q = canaryQueries(service, namespace, a);
  const labels = { severity: 'critical', service, namespace, track: 'canary' };
  const rule = (alert: string, expr: string, summary: string, description: string): AlertRule => ({
    alert,
    expr,
    for: '2m',
    labels,
    annotations: { summary, description, runbook_url: runbookUrl(runbookBaseUrl, alert) },
  });
  return [
    rule(
      'CanaryHighErrorRate',
      `(${q.canaryErrorRate}) > ${a.maxErrorRate}`,
      `Canary of ${service} fails more than ${a.maxErrorRate * 100}% of requests`,
      `The canary of ${service} in ${namespace} answers {{ $value | humanizePercentage }} of requests with 5xx. Roll it back: npm run canary -- rollback.`,
    ),
    rule(
      'CanaryHighLatency',
      `(${q.canaryP95}) > ${a.maxP95LatencySeconds}`,
      `Canary of ${service} p95 latency above ${a.maxP95LatencySeconds}s`,
      `The canary of ${service} in ${namespace} has a p95 latency of {{ $value | humanizeDuration }}.`,
    ),
    rule(
      'CanaryErrorRateAboveStable',
      `(${q.canaryErrorRate}) - (${q.stableErrorRate}) > ${a.maxErrorRateIncrease}`,
      `Canary of ${service} errs more than stable`,
      `The canary of ${service} in ${namespace} has an error rate {{ $value | humanizePercentage }} above stable.`,
    ),
    rule(
      'CanaryLatencyAboveStable',
      `(${q.canaryP95}) > ${a.maxLatencyRatio} * (${q.stableP95})`,
      `Canary of ${service} is slower than stable`,
      `The canary of ${service} in ${namespace} has a p95 latency of {{ $value | humanizeDuration }}, more than ${a.maxLatencyRatio}x stable.`,
    ),
  ];
}
