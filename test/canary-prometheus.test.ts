/**
 * Canary analysis against a real Prometheus server: series for four scenarios are backfilled
 * with promtool into one TSDB (one namespace per scenario), then `analyze` queries it over HTTP, and
 * so do the queries of the argo-rollouts AnalysisTemplate, whose conditions must give the same verdict.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisMetrics } from '../delivery/analysis-template.js';
import { canaryAlertRules, canaryQueries, decide, measure, sampleValue } from '../delivery/canary-analysis.js';
import { evaluateMeasurements, runPhase } from './go/rollouts-eval.js';
import { configFromYaml } from './helpers.js';
import { REFERENCE_CONFIG_DIR } from './setup/reference.js';
import { checkRules, startPrometheus, type PrometheusServer } from './tools.js';

const analysis = configFromYaml('tier: prod\n').services.backend.canary.analysis;
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, Infinity];
/** Cumulative share of requests at or under each bucket bound. */
const FAST = [0.3, 0.6, 0.97, 0.99, 1, 1, 1, 1]; // p95 ≈ 0.23 s
const SLOW = [0.05, 0.1, 0.3, 0.6, 0.97, 1, 1, 1]; // p95 ≈ 0.92 s: 4x stable, under the 2 s limit
/** Every request slower than the largest finite bucket (5 s): all observations in the +Inf bucket. */
const OVERFLOW = [0, 0, 0, 0, 0, 0, 0, 1];

interface Track {
  readonly track: 'stable' | 'canary';
  readonly requestsPerSecond: number;
  readonly errorShare: number;
  readonly latency: number[];
}

// The analysis is evaluated at END over 30 minutes of 15 s samples: a fixed time, so that runs
// are identical (Prometheus keeps backfilled blocks relative to the newest one, not to the clock).
const END = Date.UTC(2026, 0, 1) / 1000;
const STEP = 15;
const SAMPLES = 120;

/** OpenMetrics text of one scenario: a request counter by status and a duration histogram per track. */
function scenarioSeries(namespace: string, tracks: Track[]): { counters: string[]; histograms: string[] } {
  const counters: string[] = [];
  const histograms: string[] = [];
  for (const t of tracks) {
    const service = t.track === 'canary' ? 'backend-canary' : 'backend';
    const labels = `namespace="${namespace}",service="${service}",pod="${service}-0",track="${t.track}"`;
    const perStep = t.requestsPerSecond * STEP;
    for (const [status, share] of [
      ['200', 1 - t.errorShare],
      ['500', t.errorShare],
    ] as const) {
      for (let i = 0; i < SAMPLES; i++) {
        counters.push(`http_requests_total{${labels},status_code="${status}"} ${(perStep * share * i).toFixed(3)} ${END - (SAMPLES - 1 - i) * STEP}`);
      }
    }
    BUCKETS.forEach((le, b) => {
      for (let i = 0; i < SAMPLES; i++) {
        histograms.push(
          `http_request_duration_seconds_bucket{${labels},le="${le === Infinity ? '+Inf' : le}"} ${(perStep * t.latency[b] * i).toFixed(3)} ${END - (SAMPLES - 1 - i) * STEP}`,
        );
      }
    });
  }
  return { counters, histograms };
}

function openMetrics(scenarios: Record<string, Track[]>): string {
  const all = Object.entries(scenarios).map(([ns, tracks]) => scenarioSeries(ns, tracks));
  return [
    '# TYPE http_requests counter',
    ...all.flatMap((s) => s.counters),
    '# TYPE http_request_duration_seconds histogram',
    ...all.flatMap((s) => s.histograms),
    '# EOF',
    '',
  ].join('\n');
}

const stable: Track = { track: 'stable', requestsPerSecond: 10, errorShare: 0.001, latency: FAST };
const SCENARIOS: Record<string, Track[]> = {
  healthy: [stable, { track: 'canary', requestsPerSecond: 2, errorShare: 0.002, latency: FAST }],
  errors: [stable, { track: 'canary', requestsPerSecond: 2, errorShare: 0.12, latency: FAST }],
  slow: [stable, { track: 'canary', requestsPerSecond: 2, errorShare: 0.001, latency: SLOW }],
  // 0.1 requests per second: 30 in the 5-minute window, fewer than minRequests (50).
  quiet: [stable, { track: 'canary', requestsPerSecond: 0.1, errorShare: 0, latency: FAST }],
  overflow: [stable, { track: 'canary', requestsPerSecond: 2, errorShare: 0.001, latency: OVERFLOW }],
};

let prometheus: PrometheusServer;
beforeAll(async () => {
  prometheus = await startPrometheus(openMetrics(SCENARIOS));
}, 60_000);
afterAll(async () => {
  await prometheus?.stop();
});

/** The sample values an instant query returns at END, as the Prometheus provider of Argo Rollouts reads them. */
async function vectorAt(query: string): Promise<string[]> {
  const url = new URL('api/v1/query', `${prometheus.url}/`);
  url.searchParams.set('query', query);
  url.searchParams.set('time', String(END));
  const body = (await (await fetch(url)).json()) as { status: string; data: { resultType: string; result: { value: [number, string] }[] } };
  expect(body.status).toBe('success');
  expect(body.data.resultType).toBe('vector');
  return body.data.result.map((r) => r.value[1]);
}

const analyzeAt = (namespace: string) => measure(prometheus.url, canaryQueries('backend', namespace, analysis), new Date(END * 1000));

describe('canary analysis against a real Prometheus', () => {
  it('promotes a healthy canary', async () => {
    const m = await analyzeAt('healthy');
    expect(m.canaryErrorRate).toBeCloseTo(0.002, 3);
    expect(m.canaryP95).toBeGreaterThan(0.1);
    expect(m.canaryP95).toBeLessThan(0.25);
    expect(decide(m, analysis)).toMatchObject({ verdict: 'promote' });
  });

  it('rolls back a canary with a high error rate', async () => {
    const decision = decide(await analyzeAt('errors'), analysis);
    expect(decision.verdict).toBe('rollback');
    expect(decision.reasons[0]).toMatch(/^canary error rate 12\.\d\d% > 5\.00%/);
  });

  it('rolls back a latency regression relative to stable', async () => {
    const m = await analyzeAt('slow');
    expect(m.canaryP95).toBeLessThan(analysis.maxP95LatencySeconds);
    const decision = decide(m, analysis);
    expect(decision.verdict).toBe('rollback');
    expect(decision.reasons).toEqual([expect.stringMatching(/^canary p95 0\.9\d\ds is more than 1\.5x stable 0\.2\d\ds$/)]);
  });

  it('rolls back a canary whose requests all land in the +Inf bucket', async () => {
    // Prometheus answers a quantile that lies in the +Inf bucket with the largest finite bound (5 s here).
    const m = await analyzeAt('overflow');
    expect(m.canaryP95).toBe(5);
    expect(decide(m, analysis)).toMatchObject({ verdict: 'rollback', reasons: [expect.stringMatching(/^canary p95 5\.000s > 2\.000s$/), expect.anything()] });
  });

  it('rolls back on a p95 of +Inf, as the AnalysisTemplate does, instead of taking it for no data', async () => {
    // A p95 answered as +Inf (histogram_quantile for a quantile above every finite bucket, as other
    // backends answer it), here made by the real server from the healthy canary's p95.
    const q = canaryQueries('backend', 'healthy', analysis);
    const infinite = `(${q.canaryP95}) * +Inf`;
    const m = await measure(prometheus.url, { ...q, canaryP95: infinite }, new Date(END * 1000));
    expect(m.canaryP95).toBe(Number.POSITIVE_INFINITY);
    const decision = decide(m, analysis);
    expect(decision.verdict).toBe('rollback');
    expect(decision.reasons[0]).toBe('canary p95 +Inf > 2.000s');
    // The template's queries on the same series, with the same p95: Failed (rollback), not Inconclusive.
    const metrics = analysisMetrics('backend', 'healthy', analysis).map((metric) => ({
      ...metric,
      query: metric.query === q.canaryP95 ? infinite : metric.query.replaceAll(`(${q.canaryP95})`, `(${infinite})`),
    }));
    expect(metrics.filter((metric) => metric.query.includes('* +Inf'))).toHaveLength(3);
    const phases = evaluateMeasurements(await Promise.all(metrics.map(async (metric) => ({ ...metric, result: await vectorAt(metric.query) }))));
    expect(runPhase(phases)).toBe('Failed');
    // No requests give NaN, not +Inf: no data, a hold under both.
    expect(sampleValue('NaN')).toBeUndefined();
    expect(sampleValue('+Inf')).toBe(Number.POSITIVE_INFINITY);
    expect(sampleValue('-Inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(sampleValue('0.25')).toBe(0.25);
  });

  it('holds when there is no data', async () => {
    expect(decide(await analyzeAt('nothing-deployed-here'), analysis)).toMatchObject({ verdict: 'hold' });
  });

  it('exits 4 (rollback) from the CLI, and holds with exit 3 when Prometheus is unreachable', async () => {
    // An environment whose namespace is the "errors" scenario's, with a canary running.
    const configDir = mkdtempSync(join(tmpdir(), 'analyze-'));
    const env = 'errors';
    const staging = readFileSync(join(REFERENCE_CONFIG_DIR, 'staging.yaml'), 'utf8');
    writeFileSync(
      join(configDir, `${env}.yaml`),
      staging.replace('namespace: webapp-staging', `namespace: ${env}`).replace('services:\n  backend:\n', 'services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0" }\n'),
    );
    const run = (prom: string) =>
      promisify(execFile)(process.execPath, ['cli/run.mjs', 'canary', 'analyze', '--env', env, '--config-dir', configDir, '--prometheus', prom, '--at', String(END)], {
        cwd: new URL('..', import.meta.url).pathname,
      }).then(
        (r) => ({ code: 0, stdout: r.stdout }),
        (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
      );
    // A port nothing listens on (port 9 would be one fetch refuses to try: a "bad port").
    const closed = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const [rollback, unreachable] = await Promise.all([run(prometheus.url), run(`http://127.0.0.1:${closed}`)]);
    expect(rollback.code).toBe(4);
    expect(rollback.stdout).toContain(`${env}/backend: canary 1.1.0 -> ROLLBACK`);
    expect(rollback.stdout).toMatch(/^ {2}error rate +12\.\d\d% +0\.10% +5\.00%, stable \+ 3\.00%$/m);
    expect(rollback.stdout).toMatch(/^ {2}CPU +n\/a$/m);
    expect(rollback.stdout).toMatch(/^ {2}memory +n\/a$/m);
    expect(unreachable.code).toBe(3);
    expect(unreachable.stdout).toContain(`could not query Prometheus at http://127.0.0.1:${closed}: connection refused by 127.0.0.1:${closed}`);
    rmSync(configDir, { recursive: true, force: true });
  });
});

describe('canary alert rules', () => {
  const RUNBOOKS = 'https://example.com/runbooks';
  it('pass promtool check rules', () => {
    const result = checkRules([{ name: 'backend-canary', rules: canaryAlertRules('backend', 'webapp-prod', analysis, RUNBOOKS) }]);
    expect(result.output).toContain('SUCCESS: 4 rules found');
    expect(result.code).toBe(0);
  });
  it('and promtool rejects a broken one (the check can fail)', () => {
    const [first] = canaryAlertRules('backend', 'webapp-prod', analysis, RUNBOOKS);
    expect(checkRules([{ name: 'broken', rules: [{ ...first, expr: `${first.expr} >` }] }]).code).not.toBe(0);
  });
  it('link each alert to its runbook', () => {
    expect(canaryAlertRules('backend', 'webapp-prod', analysis, RUNBOOKS).map((r) => r.annotations.runbook_url)).toEqual([
      `${RUNBOOKS}#canaryhigherrorrate`,
      `${RUNBOOKS}#canaryhighlatency`,
      `${RUNBOOKS}#canaryerrorrateabovestable`,
      `${RUNBOOKS}#canarylatencyabovestable`,
    ]);
  });
});

describe('the AnalysisTemplate of argo-rollouts against the same Prometheus', () => {
  const RUN_PHASE = { promote: 'Successful', hold: 'Inconclusive', rollback: 'Failed' } as const;

  it.each(['healthy', 'errors', 'slow', 'quiet', 'overflow', 'nothing-deployed-here'])('gives the verdict of analyze in scenario %s', async (namespace) => {
    const verdict = decide(await analyzeAt(namespace), analysis).verdict;
    const metrics = analysisMetrics('backend', namespace, analysis);
    const phases = evaluateMeasurements(await Promise.all(metrics.map(async (m) => ({ ...m, result: await vectorAt(m.query) }))));
    expect(phases.filter((p) => p.startsWith('Error'))).toEqual([]);
    expect(runPhase(phases)).toBe(RUN_PHASE[verdict]);
  });

  it('covers every verdict across the scenarios', async () => {
    const verdicts = await Promise.all(['healthy', 'errors', 'quiet'].map(async (ns) => decide(await analyzeAt(ns), analysis).verdict));
    expect(verdicts).toEqual(['promote', 'rollback', 'hold']);
  });
});
