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

/**
 * Measured values; undefined when Prometheus had no sample (no traffic, no scrape) or NaN (0/0: no
 * requests in the window). A p95 of +Inf is kept: see decide().
 */
export type CanaryMeasurements = { readonly [K in keyof CanaryQueries]?: number };

export interface Decision {
  readonly verdict: Verdict;
  readonly reasons: string[];
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const secs = (x: number) => (x === Number.POSITIVE_INFINITY ? '+Inf' : `${x.toFixed(3)}s`);

/**
 * Rollback when any trigger fires (error rate or p95 over its limit, or worse than stable by
 * more than allowed); hold when there is too little data to judge; promote otherwise.
 * Missing data never promotes.
 *
 * A p95 of +Inf is a measurement, not missing data: histogram_quantile answers +Inf when the
 * quantile lies above every finite bucket (the requests are slower than the histogram can tell),
 * and only when there were requests (none gives NaN, which is no data). Slower than every bucket
 * is slower than any threshold, so it rolls back, as the AnalysisTemplate's `> limit` filter does
 * (delivery/analysis-template.ts): both judge the same sample alike. Holding instead would keep a
 * canary whose requests all time out running until someone looks.
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
  if (m.canaryRequests === undefined) hold.push(`canary requests in the last ${a.window}: n/a, no data (need ${a.minRequests})`);
  else if (m.canaryRequests < a.minRequests) hold.push(`only ${Math.round(m.canaryRequests)} canary requests in the last ${a.window} (need ${a.minRequests})`);
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

/** The numbers behind a verdict as a table, with the limits they are held to; "n/a" where Prometheus had no sample. */
export function formatMeasurements(m: CanaryMeasurements, a: CanaryAnalysis): string {
  const show = (value: number | undefined, format: (x: number) => string) => (value === undefined ? 'n/a' : format(value));
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(0)}Mi`;
  const rows = [
    ['', 'canary', 'stable', 'limit'],
    ['error rate', show(m.canaryErrorRate, pct), show(m.stableErrorRate, pct), `${pct(a.maxErrorRate)}, stable + ${pct(a.maxErrorRateIncrease)}`],
    ['p95 latency', show(m.canaryP95, secs), show(m.stableP95, secs), `${secs(a.maxP95LatencySeconds)}, ${a.maxLatencyRatio}x stable`],
    ['requests', show(m.canaryRequests, (x) => x.toFixed(0)), '', `at least ${a.minRequests} in ${a.window}`],
    ['CPU', show(m.canaryCpuCores, (x) => `${(x * 1000).toFixed(0)}m`), '', ''],
    ['memory', show(m.canaryMemoryBytes, mib), '', ''],
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => `  ${r.map((cell, i) => cell.padEnd(widths[i])).join('  ')}`.trimEnd()).join('\n');
}

export const VERDICT_EXIT_CODES: Record<Verdict, number> = { promote: 0, hold: 3, rollback: 4 };

/** Where `analyze` asks: the Prometheus base URL, extra request headers (credentials) and a timeout per query. */
export interface PrometheusEndpoint {
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/**
 * Why a query failed, in one line. `transient` failures (refused, timeout, host not found, a 5xx
 * or 429 answer) may pass, so the verdict is "hold"; the others (a 4xx, an answer that is not the
 * API's JSON, a query Prometheus rejects) will not pass by waiting.
 */
export class PrometheusQueryError extends Error {
  override name = 'PrometheusQueryError';
  constructor(
    readonly kind: 'refused' | 'timeout' | 'unreachable' | 'http' | 'not-json' | 'rejected',
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** Runs an instant query against the Prometheus HTTP API; undefined when the result is empty or NaN. */
async function queryScalar(endpoint: PrometheusEndpoint, query: string, at?: Date): Promise<number | undefined> {
  const base = endpoint.url.endsWith('/') ? endpoint.url : `${endpoint.url}/`;
  const url = new URL('api/v1/query', base);
  url.searchParams.set('query', query);
  if (at) url.searchParams.set('time', String(at.getTime() / 1000));
  const timeoutMs = endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { headers: endpoint.headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    text = await response.text();
  } catch (error) {
    throw fetchFailure(error, new URL(base), timeoutMs);
  }
  const body = apiAnswer(text);
  if (!response.ok) {
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    const transient = response.status >= 500 || response.status === 429;
    if (body?.error) throw new PrometheusQueryError(body.status === 'error' && response.status === 400 ? 'rejected' : 'http', `${status}: ${body.error}`, transient);
    const hint =
      response.status === 401 || response.status === 403
        ? ' (credentials: --bearer-token-file, --header)'
        : response.status >= 300 && response.status < 400
          ? ` (redirected to ${response.headers.get('location') ?? '?'}: a login page?)`
          : '';
    throw new PrometheusQueryError('http', `${status} from ${url.origin}${url.pathname}${hint}`, transient);
  }
  if (!body) {
    const type = response.headers.get('content-type')?.split(';')[0] || 'no content type';
    throw new PrometheusQueryError(
      'not-json',
      `${url.origin}${url.pathname} answered with ${type}, not the JSON of the Prometheus API: a proxy or login page in front of it? (check the URL and the credentials)`,
      false,
    );
  }
  if (body.status !== 'success') throw new PrometheusQueryError('rejected', `Prometheus rejected the query: ${body.error ?? 'no reason given'}: ${query}`, false);
  return sampleValue(body.data?.result?.[0]?.value?.[1]);
}

/**
 * A sample value as the Prometheus API writes it (Go's strconv: "0.25", "+Inf", "-Inf", "NaN");
 * undefined for no sample or NaN. JavaScript's Number() reads "+Inf" as NaN, which would turn an
 * infinite p95 into missing data.
 */
export function sampleValue(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = text === '+Inf' ? Number.POSITIVE_INFINITY : text === '-Inf' ? Number.NEGATIVE_INFINITY : Number(text);
  return Number.isNaN(value) ? undefined : value;
}

interface ApiAnswer {
  readonly status?: string;
  readonly error?: string;
  readonly data?: { readonly result?: { readonly value?: [number, string] }[] };
}

/** The body as the API's JSON answer (an object with a status), or undefined. */
function apiAnswer(text: string): ApiAnswer | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null && 'status' in body ? (body as ApiAnswer) : undefined;
  } catch {
    return undefined;
  }
}

/** A failed fetch (no answer at all) in one line. */
function fetchFailure(error: unknown, base: URL, timeoutMs: number): PrometheusQueryError {
  const where = base.host;
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new PrometheusQueryError('timeout', `no answer from ${where} within ${timeoutMs / 1000}s (--timeout)`, true);
  }
  const cause = (error as { cause?: NodeJS.ErrnoException }).cause;
  const code = cause?.code ?? (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNREFUSED')
    return new PrometheusQueryError('refused', `connection refused by ${where}: nothing listens there (is Prometheus running, the port-forward up?)`, true);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new PrometheusQueryError('unreachable', `host not found: ${base.hostname}`, true);
  const detail = cause?.message ?? (error instanceof Error ? error.message : String(error));
  // fetch never connects to the Fetch standard's "bad ports" (9, 6000, 6665-6669, 10080, ...):
  // waiting cannot help, so not a hold that never ends.
  if (detail === 'bad port')
    return new PrometheusQueryError(
      'unreachable',
      `fetch refuses port ${base.port || '?'} (a "bad port" of the Fetch standard): reach Prometheus on another port, e.g. through a port-forward`,
      false,
    );
  return new PrometheusQueryError('unreachable', `cannot reach ${where}: ${detail}`, true);
}

export async function measure(endpoint: PrometheusEndpoint | string, queries: CanaryQueries, at?: Date): Promise<CanaryMeasurements> {
  const target = typeof endpoint === 'string' ? { url: endpoint } : endpoint;
  const entries = await Promise.all((Object.keys(queries) as (keyof CanaryQueries)[]).map(async (key) => [key, await queryScalar(target, queries[key], at)] as const));
  return Object.fromEntries(entries);
}

/** What to check when Prometheus returned no canary data: the metric names, the track label, the ServiceMonitor's selection. */
export function noDataHints(
  m: CanaryMeasurements,
  a: CanaryAnalysis,
  where: { service: string; namespace: string; serviceMonitorLabels: Readonly<Record<string, string>> },
): string[] {
  const noCanary = m.canaryRequests === undefined && m.canaryErrorRate === undefined && m.canaryP95 === undefined;
  const noStable = m.stableErrorRate === undefined && m.stableP95 === undefined;
  const key = `services.${where.service}.canary.analysis`;
  const selection = Object.entries(where.serviceMonitorLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  if (noCanary && noStable) {
    return [
      `no series at all for ${where.service} in namespace ${where.namespace}: does the service export ${a.requestsMetric} and ${a.durationMetric}_bucket (${key}.requestsMetric, .durationMetric)?`,
      `does Prometheus select the ServiceMonitor ${where.service} (monitoring.serviceMonitorLabels: ${selection || 'none'}, against the Prometheus serviceMonitorSelector)? its targets page lists what it scrapes`,
    ];
  }
  const hints: string[] = [];
  if (noCanary) {
    hints.push(
      `stable has data but the canary none: is ${names.track(where.service, 'canary')} running and taking traffic? its series need the label track="canary", which the ServiceMonitor copies from the pod label`,
    );
  } else if (m.canaryP95 === undefined) {
    hints.push(`no latency data for the canary: is ${a.durationMetric}_bucket the histogram's name (${key}.durationMetric)?`);
  }
  return hints;
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
