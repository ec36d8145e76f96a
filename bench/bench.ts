/**
 * Performance benchmark (`npm run bench`). Prints plain-text tables; never asserts timings.
 *
 *   1. Import floor: `node -e "require('cdk8s-plus-27')"`, the least any synth run can cost.
 *   2. In-process: load + render + validate every environment of config/environments/.
 *   3. Scaling: generated configs with 10..100 web services, render + validate per size.
 *   4. Whole CLI: `npx tsx main.ts` and `node --import tsx main.ts`, writing to a temp dir.
 *   5. Helm chart generation, in-process.
 *   6. Config loading: environment files of 25k..100k keys, which must load in linear time.
 *   7. CRD validators in a fresh process: compiled (empty cache) vs loaded from .cache-style standalone code.
 *
 * The project modules are imported dynamically so the first (cold) run includes loading them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ConfigInput } from '../config/schema.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FLOOR_RUNS = 5;
const IN_PROCESS_RUNS = 7;
const SCALING_RUNS = 7;
const SCALING_SIZES = [10, 25, 50, 100];
const CLI_RUNS = 3;
const TARGET_RATIO = 1.5;

// ---------------------------------------------------------------------------
// Timing and statistics helpers.
// ---------------------------------------------------------------------------

function timeMs(action: () => void): number {
  const start = performance.now();
  action();
  return performance.now() - start;
}

async function timeMsAsync<T>(action: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = performance.now();
  const result = await action();
  return { ms: performance.now() - start, result };
}

/** Runs `action` once to warm up, then `runs` times; returns the timed samples. */
function sample(runs: number, action: () => void): number[] {
  action();
  return Array.from({ length: runs }, () => timeMs(action));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const min = (values: readonly number[]): number => Math.min(...values);
const ms = (value: number): string => `${value.toFixed(1)} ms`;

interface LinearFit {
  slope: number;
  intercept: number;
  rSquared: number;
}

/** Ordinary least-squares fit y = slope * x + intercept. */
function fitLine(xs: readonly number[], ys: readonly number[]): LinearFit {
  const n = xs.length;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  const meanY = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i] - meanX) * (ys[i] - meanY);
    sxx += (xs[i] - meanX) ** 2;
    syy += (ys[i] - meanY) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: meanY - slope * meanX, rSquared: syy === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

// ---------------------------------------------------------------------------
// Output.
// ---------------------------------------------------------------------------

function printTable(title: string, headers: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = headers.map((h, col) => Math.max(h.length, ...rows.map((row) => row[col].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, col) => cell.padEnd(widths[col]))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

// ---------------------------------------------------------------------------
// Child processes.
// ---------------------------------------------------------------------------

interface CommandTiming {
  samples: number[];
  failure?: string;
}

/** Wall time of `command args` run `runs` times; stops at the first failure. */
function timeCommand(command: string, args: readonly string[], runs: number, env: NodeJS.ProcessEnv = process.env): CommandTiming {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    const result = spawnSync(command, args, { cwd: PROJECT_ROOT, env, encoding: 'utf8' });
    const elapsed = performance.now() - start;
    if (result.status !== 0) {
      const reason = result.error?.message ?? result.stderr.trim().split('\n')[0] ?? `exit ${result.status}`;
      return { samples, failure: reason };
    }
    samples.push(elapsed);
  }
  return { samples };
}

/** Runs the CLI with CDK8S_OUTDIR in a fresh temp dir, removed afterwards. */
function timeCli(command: string, args: readonly string[]): CommandTiming {
  const outDir = mkdtempSync(join(tmpdir(), 'cdk8s-bench-'));
  try {
    return timeCommand(command, args, CLI_RUNS, { ...process.env, CDK8S_OUTDIR: outDir });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// The project's pipeline, loaded on demand.
// ---------------------------------------------------------------------------

type Pipeline = Awaited<ReturnType<typeof importPipeline>>;

async function importPipeline() {
  const [load, render, validate] = await Promise.all([import('../config/load.js'), import('../charts/render.js'), import('../core/validate/rendered.js')]);
  return { ...load, ...render, ...validate };
}

/** What `main.ts` does before writing: load, render and validate every environment. */
function synthesizeAll(pipeline: Pipeline): void {
  const loaded = pipeline.listEnvironments().map((name) => pipeline.loadEnvironment(name));
  pipeline.validateRendered(loaded.map(({ name, config }) => pipeline.renderEnvironment(name, config)));
}

// ---------------------------------------------------------------------------
// Generated configurations.
// ---------------------------------------------------------------------------

type ServiceInput = NonNullable<ConfigInput['services']>[string];

/** Service i: always an ingress path; datastores, autoscaling and a volume for some. */
function generatedService(i: number): ServiceInput {
  const usesByRemainder: ServiceInput['uses'][] = [['mongodb', 'redis'], ['redis'], []];
  return {
    image: { registry: 'ghcr.io', repository: `example/svc-${i}`, tag: '1.0.0' },
    port: 8080,
    env: { NODE_ENV: 'production' },
    uses: usesByRemainder[i % 3],
    ingress: { paths: [{ path: `/svc-${i}` }] },
    ...(i % 2 === 0 && { autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6 } }),
    ...(i % 4 === 0 && { volumes: { data: { size: '1Gi', mountPath: '/data' } } }),
  };
}

/** YAML text of a prod environment with exactly `count` enabled web services. */
function generatedConfigYaml(count: number): string {
  const services: Record<string, ServiceInput | { enabled: false }> = {
    // The schema's default services stay in the merged config; disable them so `count` is exact.
    backend: { enabled: false },
    frontend: { enabled: false },
  };
  for (let i = 1; i <= count; i++) services[`svc-${i}`] = generatedService(i);
  return stringify({ tier: 'prod', namespace: 'webapp-generated', services });
}

// ---------------------------------------------------------------------------
// The benchmark sections.
// ---------------------------------------------------------------------------

function benchImportFloor(): number {
  const { samples, failure } = timeCommand(process.execPath, ['-e', "require('cdk8s-plus-27')"], FLOOR_RUNS);
  if (failure) throw new Error(`import floor command failed: ${failure}`);
  printTable(`1. Import floor: node -e "require('cdk8s-plus-27')" (${FLOOR_RUNS} runs)`, ['median', 'min'], [[ms(median(samples)), ms(min(samples))]]);
  return median(samples);
}

async function benchInProcess(floorMs: number): Promise<Pipeline> {
  const { ms: importMs, result: loadedPipeline } = await timeMsAsync(importPipeline);
  const coldRunMs = timeMs(() => synthesizeAll(loadedPipeline));
  const warm = Array.from({ length: IN_PROCESS_RUNS }, () => timeMs(() => synthesizeAll(loadedPipeline)));
  const environments = loadedPipeline.listEnvironments();
  const coldTotal = importMs + coldRunMs;
  const ratio = (value: number) => `${(value / floorMs).toFixed(2)}x`;
  printTable(
    `2. In-process load+render+validate, all environments (${environments.join(', ')}); warm = ${IN_PROCESS_RUNS} runs after the cold one`,
    ['run', 'time', 'vs import floor'],
    [
      ['cold: import project modules', ms(importMs), ratio(importMs)],
      ['cold: first run (validators compiled)', ms(coldRunMs), ratio(coldRunMs)],
      ['cold: total', ms(coldTotal), ratio(coldTotal)],
      ['warm: median', ms(median(warm)), ratio(median(warm))],
      ['warm: min', ms(min(warm)), ratio(min(warm))],
    ],
  );
  const verdict = (value: number) => (value / floorMs < TARGET_RATIO ? 'met' : 'NOT met');
  console.log(`target "< ${TARGET_RATIO}x import floor in-process": warm median ${verdict(median(warm))}, cold total ${verdict(coldTotal)}`);
  return loadedPipeline;
}

interface ScalingResult {
  count: number;
  parseMs: number;
  medianMs: number;
  minMs: number;
}

/** Parses the generated config of `count` services, then times render+validate of it. */
function measureScaling(pipeline: Pipeline, count: number): ScalingResult {
  const yamlText = generatedConfigYaml(count);
  const parseMs = median(sample(SCALING_RUNS, () => pipeline.parseConfig(yamlText, '<generated>')));
  const config = pipeline.parseConfig(yamlText, '<generated>');
  const samples = sample(SCALING_RUNS, () => pipeline.validateRendered([pipeline.renderEnvironment('generated', config)]));
  return { count, parseMs, medianMs: median(samples), minMs: min(samples) };
}

function describeLinearity(label: string, results: readonly ScalingResult[], pick: (r: ScalingResult) => number): string {
  const fit = fitLine(
    results.map((r) => r.count),
    results.map(pick),
  );
  const [first, last] = [results[0], results[results.length - 1]];
  const growth = pick(last) / last.count / (pick(first) / first.count);
  return (
    `linearity (${label}): fit ${fit.slope.toFixed(2)} ms/service ${fit.intercept < 0 ? '-' : '+'} ${Math.abs(fit.intercept).toFixed(1)} ms, ` +
    `R^2 = ${fit.rSquared.toFixed(3)}; per-service cost at ${last.count} vs ${first.count}: ${growth.toFixed(2)}x`
  );
}

function benchScaling(pipeline: Pipeline): void {
  const results = SCALING_SIZES.map((count) => measureScaling(pipeline, count));
  printTable(
    `3. Generated configs: parseConfig, then render+validate (${SCALING_RUNS} runs after a warm-up)`,
    ['services', 'parseConfig (median)', 'render+validate median', 'min', 'per service (median)'],
    results.map((r) => [String(r.count), ms(r.parseMs), ms(r.medianMs), ms(r.minMs), ms(r.medianMs / r.count)]),
  );
  console.log(describeLinearity('medians', results, (r) => r.medianMs));
  console.log(describeLinearity('mins, less sensitive to load', results, (r) => r.minMs));
}

function benchCli(): void {
  const variants: [string, string, string[]][] = [
    ['npx tsx main.ts', 'npx', ['tsx', 'main.ts']],
    ['node --import tsx main.ts', process.execPath, ['--import', 'tsx', 'main.ts']],
  ];
  const rows = variants.map(([label, command, args]) => {
    const { samples, failure } = timeCli(command, args);
    if (failure) return [label, 'failed', failure];
    return [label, ms(median(samples)), ms(min(samples))];
  });
  printTable(`4. Whole CLI, all environments, CDK8S_OUTDIR = temp dir (${CLI_RUNS} runs)`, ['command', 'median', 'min'], rows);
}

/** `npm run synth:helm` in-process: variant renderings (two per config), merge and template writing. */
async function benchHelm(pipeline: Pipeline): Promise<void> {
  const { buildHelmChart } = await import('../helm/chart.js');
  const environments = pipeline.listEnvironments().map((name) => pipeline.loadEnvironment(name));
  let variants = 0;
  const samples = sample(3, () => {
    variants = buildHelmChart(environments).variants;
  });
  printTable(
    '5. Helm chart generation, in-process (3 runs)',
    ['configs merged', 'median', 'min', 'per config'],
    [[String(variants), ms(median(samples)), ms(min(samples)), ms(median(samples) / variants)]],
  );
}

const LOADING_SIZES = [25_000, 50_000, 100_000];
const LOADING_RUNS = 5;

/** An environment file of `tier: prod` and `keys` unknown top-level keys, each `k<i>: 0`. */
function manyKeysYaml(keys: number): string {
  return `tier: prod\n${Array.from({ length: keys }, (_, i) => `k${i}: 0\n`).join('')}`;
}

/**
 * loadEnvironment of generated files with many keys in one mapping: read, parse, duplicate-key
 * check, schema (which rejects the unknown keys: the expected outcome). The `yaml` package's own
 * duplicate-key check was quadratic (40k keys: 10 s); the loader's must stay linear.
 */
function benchLoading(pipeline: Pipeline): void {
  const dir = mkdtempSync(join(tmpdir(), 'cdk8s-bench-load-'));
  try {
    const results = LOADING_SIZES.map((keys) => {
      const text = manyKeysYaml(keys);
      writeFileSync(join(dir, `keys-${keys}.yaml`), text);
      const load = () => {
        try {
          pipeline.loadEnvironment(`keys-${keys}`, dir);
        } catch (error) {
          if (error instanceof pipeline.ConfigError && /unknown keys/.test(error.problems[0])) return;
          throw error;
        }
        throw new Error(`keys-${keys}.yaml loaded without the expected "unknown keys" error`);
      };
      const samples = sample(LOADING_RUNS, load);
      return { keys, kib: text.length / 1024, median: median(samples), min: min(samples) };
    });
    printTable(
      `6. loadEnvironment of a file with N unknown top-level keys (ends in a ConfigError; ${LOADING_RUNS} runs after a warm-up)`,
      ['keys', 'file size', 'median', 'min', 'per 1000 keys (median)'],
      results.map((r) => [String(r.keys), `${r.kib.toFixed(0)} KiB`, ms(r.median), ms(r.min), ms((r.median / r.keys) * 1000)]),
    );
    const fit = fitLine(
      results.map((r) => r.keys),
      results.map((r) => r.median),
    );
    const [first, last] = [results[0], results[results.length - 1]];
    console.log(
      `linearity: fit ${(fit.slope * 1000).toFixed(2)} ms per 1000 keys ${fit.intercept < 0 ? '-' : '+'} ${Math.abs(fit.intercept).toFixed(1)} ms, R^2 = ${fit.rSquared.toFixed(3)}; ` +
        `per-key cost at ${last.keys} vs ${first.keys}: ${(last.median / last.keys / (first.median / first.keys)).toFixed(2)}x`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CRD_RUNS = 5;
/** The custom resource kinds the platform synthesizes, i.e. the validators a synthesis needs. */
const SYNTHESIZED_CRD_KINDS = [
  ['monitoring.coreos.com/v1', 'ServiceMonitor'],
  ['monitoring.coreos.com/v1', 'PrometheusRule'],
  ['argoproj.io/v1alpha1', 'Application'],
  ['argoproj.io/v1alpha1', 'AppProject'],
  ['argoproj.io/v1alpha1', 'ApplicationSet'],
];

/**
 * A fresh `node --import tsx` process that looks up the validators of SYNTHESIZED_CRD_KINDS with a
 * temp cache directory: cold (emptied before each run: YAML parse + ajv compile + cache write)
 * and warm (standalone code loaded). Wall time includes the process start and module loading.
 */
function benchCrdCache(): void {
  const cacheDir = mkdtempSync(join(tmpdir(), 'cdk8s-bench-crd-cache-'));
  const script =
    `const { CRD_DIR, CrdCatalog } = await import('./core/validate/index.ts');` +
    `const catalog = new CrdCatalog(CRD_DIR, { cacheDir: ${JSON.stringify(cacheDir)} });` +
    `for (const [apiVersion, kind] of ${JSON.stringify(SYNTHESIZED_CRD_KINDS)}) {` +
    `  if (!('checker' in (catalog.lookup(apiVersion, kind) ?? {}))) throw new Error('no validator for ' + kind);` +
    `}`;
  const node = (code: string, runs: number) => timeCommand(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], runs);
  try {
    const cold: CommandTiming = { samples: [] };
    for (let i = 0; i < CRD_RUNS && !cold.failure; i++) {
      rmSync(cacheDir, { recursive: true, force: true });
      const { samples, failure } = node(script, 1);
      cold.samples.push(...samples);
      cold.failure = failure;
    }
    const warm = node(script, CRD_RUNS);
    const baseline = node(`await import('./core/validate/index.ts');`, CRD_RUNS);
    const row = (label: string, t: CommandTiming) => (t.failure ? [label, 'failed', t.failure] : [label, ms(median(t.samples)), ms(min(t.samples))]);
    printTable(
      `7. Validators of ${SYNTHESIZED_CRD_KINDS.map(([, kind]) => kind).join(', ')} in a fresh process (${CRD_RUNS} runs)`,
      ['process', 'median', 'min'],
      [row('import only (baseline)', baseline), row('cold cache: parse + compile + write', cold), row('warm cache: load standalone code', warm)],
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const floorMs = benchImportFloor();
  const pipeline = await benchInProcess(floorMs);
  benchScaling(pipeline);
  benchCli();
  await benchHelm(pipeline);
  benchLoading(pipeline);
  benchCrdCache();
  console.log(`\nbenchmark finished in ${((performance.now() - started) / 1000).toFixed(1)} s (node ${process.version})`);
}

await main();
