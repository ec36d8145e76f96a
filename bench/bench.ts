/**
 * Performance benchmark (`npm run bench`). Prints plain-text tables; never asserts timings.
 *
 *   1. The commands as users run them (`node cli/run.mjs <command>`, what the npm scripts run) on
 *      the default config, beside the floors and the tools they replace, in interleaved rounds so
 *      that the machine's load falls on all alike: the import floor (`node -e
 *      "require('cdk8s-plus-27')"`), the serialize-and-write floor (bench/serialize-floor.mjs:
 *      the same objects serialized and written, byte-identical), npm run synth (every environment
 *      and the Argo CD objects, into a temp dir), check, diff, synth:helm, Helm's engine rendering
 *      the chart for each environment (helm, or the tests' stand-in helm-render) and
 *      `kubectl kustomize` of each environment. Ratios of synth to the floors, against the targets.
 *   2. Scaling: one generated prod environment of 1..200 web services; synth, check, diff and
 *      synth:helm each in a fresh process: time, peak RSS, output bytes, and the fitted line.
 *   3. Config loading: environment files of 25k..100k keys, which must load in linear time.
 *   4. CRD validators in a fresh process: compiled (empty cache) vs loaded from .cache-style standalone code.
 *
 * Wall times are of whole processes (node start-up included); peak RSS from GNU time when
 * /usr/bin/time is there. BENCH_ROUNDS (default 5) and BENCH_SIZES (default 1,10,50,100,200)
 * change the work.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Parser, parseAllDocuments, stringify } from 'yaml';
import type { ConfigInput } from '../config/schema.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const SCALING_SIZES = (process.env.BENCH_SIZES ?? '1,10,50,100,200').split(',').map(Number);
/** The targets of issue 20: synth of the default config against the floors. */
const TARGETS = { importFloor: 3.5, serializeFloor: 2 };
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

// ---------------------------------------------------------------------------
// Timing and statistics helpers.
// ---------------------------------------------------------------------------

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const min = (values: readonly number[]): number => Math.min(...values);
const ms = (value: number): string => `${value.toFixed(value < 100 ? 1 : 0)} ms`;
const mib = (kib: number | undefined): string => (kib === undefined ? 'n/a' : `${(kib / 1024).toFixed(0)} MiB`);
const kb = (bytes: number): string => `${(bytes / 1000).toFixed(0)} kB`;

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
  const widths = headers.map((h, col) => Math.max(h.length, ...rows.map((row) => (row[col] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, col) => (cell ?? '').padEnd(widths[col]))
      .join('  ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(line(headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

const load = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(', ')} on ${cpus().length} CPUs`;

// ---------------------------------------------------------------------------
// Child processes.
// ---------------------------------------------------------------------------

interface Run {
  ms: number;
  /** Peak resident set size in KiB (GNU time), when measured. */
  maxRssKiB?: number;
  stdout: string;
  /** Why it failed: exit code and the first line of stderr. */
  failure?: string;
}

/** Runs `command args` once: wall time, peak RSS, stdout. `ok` tells which exit codes are success (default 0). */
function runOnce(command: string, args: readonly string[], options: { cwd?: string; ok?: readonly number[] } = {}): Run {
  const rssFile = join(tmpdir(), `cdk8s-bench-rss-${process.pid}`);
  const [cmd, argv] = GNU_TIME ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, [...args]];
  const start = performance.now();
  const result = spawnSync(cmd, argv, { cwd: options.cwd ?? PROJECT_ROOT, encoding: 'utf8', maxBuffer: 1 << 30 });
  const elapsed = performance.now() - start;
  let maxRssKiB: number | undefined;
  if (GNU_TIME) {
    const lines = existsSync(rssFile) ? readFileSync(rssFile, 'utf8').trim().split('\n') : [];
    maxRssKiB = Number(lines[lines.length - 1]) || undefined;
    rmSync(rssFile, { force: true });
  }
  const ok = options.ok ?? [0];
  if (result.error || result.status === null || !ok.includes(result.status)) {
    const reason =
      result.error?.message ??
      (result.stderr
        .trim()
        .split('\n')
        .find((l) => l.trim()) ||
        `exit ${result.status}`);
    return { ms: elapsed, maxRssKiB, stdout: result.stdout ?? '', failure: `exit ${result.status}: ${reason}` };
  }
  return { ms: elapsed, maxRssKiB, stdout: result.stdout };
}

/** Total bytes of the files under `dir`. */
function treeBytes(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((sum, e) => sum + statSync(join(e.parentPath, e.name)).size, 0);
}

const launcher = (command: string, ...args: string[]): [string, string[]] => [process.execPath, ['cli/run.mjs', command, ...args]];

// ---------------------------------------------------------------------------
// 1. The commands on the default config, beside the floors and the tools they replace.
// ---------------------------------------------------------------------------

/**
 * The input of bench/serialize-floor.mjs: the objects of every file of dist/ except the Helm
 * chart, each file's leading comment lines, and the strings that are written double-quoted.
 */
function serializeFloorInput(dist: string): { input: object; outputs: string[] } {
  const files: { path: string; header: string; objects: unknown[] }[] = [];
  const quoted = new Set<string>();
  for (const dir of readdirSync(dist).filter((d) => d !== 'helm' && statSync(join(dist, d)).isDirectory())) {
    const names = readdirSync(join(dist, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => statSync(join(dist, dir, name)).isFile())
      .sort();
    for (const name of names) {
      const text = readFileSync(join(dist, dir, name), 'utf8');
      const header = /^(#.*\n)*/.exec(text)?.[0] ?? '';
      files.push({ path: `${dir}/${name}`, header, objects: parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: -1 })) });
      for (const token of new Parser().parse(text)) collectQuoted(token, quoted);
    }
  }
  return { input: { files, quoted: [...quoted] }, outputs: files.map((f) => f.path) };
}

/** Double-quoted one-line scalars of a CST token (keys and values). */
function collectQuoted(token: unknown, out: Set<string>): void {
  if (Array.isArray(token)) {
    for (const t of token) collectQuoted(t, out);
    return;
  }
  if (typeof token !== 'object' || token === null) return;
  const t = token as { type?: string; source?: string };
  if (t.type === 'double-quoted-scalar' && typeof t.source === 'string' && !t.source.includes('\n')) out.add(JSON.parse(t.source) as string);
  for (const value of Object.values(token)) if (typeof value === 'object') collectQuoted(value, out);
}

/** helm (on PATH) or the tests' stand-in helm-render (built from Debian's Go packages), or undefined. */
function helmEngine(): { name: string; path: string } | undefined {
  const onPath = spawnSync('sh', ['-c', 'command -v helm'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return { name: 'helm', path: onPath };
  const built = spawnSync('bash', ['test/helm/build-renderer.sh'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const path = built.stdout.trim().split('\n').pop();
  return built.status === 0 && path ? { name: 'helm-render', path } : undefined;
}

interface Contender {
  readonly label: string;
  /** One or more processes, run one after another; their times add up, the largest RSS counts. */
  readonly processes: readonly [string, string[]][];
  readonly ok?: readonly number[];
}

function benchCommands(): void {
  const scratch = mkdtempSync(join(tmpdir(), 'cdk8s-bench-cli-'));
  try {
    const dist = join(PROJECT_ROOT, 'dist');
    const environments = readdirSync(join(PROJECT_ROOT, 'config', 'environments'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.replace(/\.yaml$/, ''))
      .sort();
    const { input, outputs } = serializeFloorInput(dist);
    const inputFile = join(scratch, 'objects.json');
    writeFileSync(inputFile, JSON.stringify(input));
    const build = runOnce(...launcher('--build'));
    if (build.failure) throw new Error(`node cli/run.mjs --build failed: ${build.failure}`);

    const engine = helmEngine();
    const kubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
    const chart = join(dist, 'helm', 'webapp');
    const contenders: Contender[] = [
      { label: 'import floor: node -e "require(\'cdk8s-plus-27\')"', processes: [[process.execPath, ['-e', "require('cdk8s-plus-27')"]]] },
      { label: 'serialize-and-write floor (bench/serialize-floor.mjs)', processes: [[process.execPath, ['bench/serialize-floor.mjs', inputFile, join(scratch, 'floor')]]] },
      { label: 'npm run synth (all environments + Argo CD)', processes: [launcher('synth', '--outdir', join(scratch, 'synth'))] },
      // What `npm run synth` ran before the prebuilt commands (issue 20), for comparison.
      { label: 'before: node --import tsx main.ts (TypeScript at every start)', processes: [[process.execPath, ['--import', 'tsx', 'main.ts', '--outdir', join(scratch, 'tsx')]]] },
      { label: 'npm run check', processes: [launcher('check')] },
      { label: 'npm run diff', processes: [launcher('diff')] },
      { label: 'npm run synth:helm', processes: [launcher('synth:helm', '--outdir', join(scratch, 'helm'))] },
      ...(engine && existsSync(chart)
        ? [
            {
              label: `${engine.name} template, ${environments.length} environments (${environments.length} processes)`,
              processes: environments.map((env): [string, string[]] => [
                engine.path,
                ['template', `webapp-${env}`, chart, '--namespace', 'default', '-f', join(chart, `values-${env}.yaml`), '--kube-version', 'v1.27.0'],
              ]),
            },
          ]
        : []),
      ...(kubectl
        ? [
            {
              label: `kubectl kustomize, ${environments.length} environments (${environments.length} processes)`,
              processes: environments.map((env): [string, string[]] => [kubectl, ['kustomize', join(dist, env)]]),
            },
          ]
        : []),
    ];
    const samples: { ms: number[]; rss: number[]; failure?: string }[] = contenders.map(() => ({ ms: [], rss: [] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, contender] of contenders.entries()) {
        const sample = samples[i];
        if (sample.failure) continue;
        let total = 0;
        let rss = 0;
        for (const [command, args] of contender.processes) {
          const run = runOnce(command, args, { ok: contender.ok });
          if (run.failure) sample.failure = run.failure;
          total += run.ms;
          rss = Math.max(rss, run.maxRssKiB ?? 0);
        }
        sample.ms.push(total);
        if (rss) sample.rss.push(rss);
      }
    }
    const [importFloor, serializeFloor, synth] = samples.map((s) => median(s.ms));
    printTable(
      `1. The commands on the default config (${environments.join(', ')}), ${ROUNDS} interleaved rounds; ${load()} at the start`,
      ['process', 'median', 'min', 'peak RSS', 'vs synth', 'vs import floor'],
      contenders.map((c, i) => {
        const s = samples[i];
        if (s.failure) return [c.label, 'FAILED', s.failure];
        const m = median(s.ms);
        return [c.label, ms(m), ms(min(s.ms)), mib(s.rss.length ? median(s.rss) : undefined), `${(m / synth).toFixed(2)}x`, `${(m / importFloor).toFixed(2)}x`];
      }),
    );
    const identical = outputs.every((path) => readFileSync(join(scratch, 'floor', path), 'utf8') === readFileSync(join(dist, path), 'utf8'));
    console.log(`serialize-and-write floor output byte-identical to dist/: ${identical ? 'yes' : 'NO'} (${outputs.length} files)`);
    const verdict = (ratio: number, target: number) => `${ratio.toFixed(2)}x (target <= ${target}x: ${ratio <= target ? 'met' : 'NOT met'})`;
    console.log(`npm run synth vs import floor: ${verdict(synth / importFloor, TARGETS.importFloor)}`);
    console.log(`npm run synth vs serialize-and-write floor: ${verdict(synth / serializeFloor, TARGETS.serializeFloor)}`);
    if (!engine) console.log('Helm engine: not measured (no helm on PATH and helm-render could not be built)');
    if (!kubectl) console.log('kubectl kustomize: not measured (no kubectl on PATH)');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------
// 2. Scaling with the number of web services.
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

interface ScaleRow {
  count: number;
  command: string;
  run: Run;
  bytes: number;
}

function benchScaling(): void {
  const rows: ScaleRow[] = [];
  const failed = new Set<string>();
  for (const count of SCALING_SIZES) {
    const dir = mkdtempSync(join(tmpdir(), `cdk8s-bench-scale-${count}-`));
    try {
      const configDir = join(dir, 'environments');
      const out = join(dir, 'dist');
      const helm = join(dir, 'helm');
      spawnSync('mkdir', ['-p', configDir]);
      writeFileSync(join(configDir, 'generated.yaml'), generatedConfigYaml(count));
      const commands: [string, [string, string[]], () => number, number[]?][] = [
        ['synth', launcher('synth', '--config-dir', configDir, '--outdir', out), () => treeBytes(out)],
        ['check', launcher('check', '--config-dir', configDir), () => -1],
        ['diff', launcher('diff', '--config-dir', configDir, '--dist', out), () => -1, [0, 1]],
        ['synth:helm', launcher('synth:helm', '--config-dir', configDir, '--outdir', helm), () => treeBytes(helm)],
      ];
      for (const [command, [cmd, args], bytes, ok] of commands) {
        if (failed.has(command)) continue;
        const run = runOnce(cmd, args, { ok });
        if (run.failure) failed.add(command);
        rows.push({ count, command, run, bytes: bytes() < 0 ? Buffer.byteLength(run.stdout) : bytes() });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  printTable(
    `2. Scaling: one generated prod environment of N web services, each command once in a fresh process (${load()} at the end)`,
    ['command', 'services', 'time', 'peak RSS', 'output', 'per service'],
    rows.map((r) =>
      r.run.failure
        ? [r.command, String(r.count), 'FAILED', r.run.failure.slice(0, 160)]
        : [r.command, String(r.count), ms(r.run.ms), mib(r.run.maxRssKiB), kb(r.bytes), ms(r.run.ms / r.count)],
    ),
  );
  console.log('output: bytes written (synth: the environment and Argo CD directories; synth:helm: the chart), printed (check, diff)');
  for (const command of ['synth', 'check', 'diff', 'synth:helm']) {
    const ok = rows.filter((r) => r.command === command && !r.run.failure);
    if (ok.length < 2) {
      console.log(
        `${command}: ${ok.length ? 'too few sizes' : 'no size'} succeeded for a fit${failed.has(command) ? ` (failed from ${rows.find((r) => r.command === command && r.run.failure)?.count} services on)` : ''}`,
      );
      continue;
    }
    const xs = ok.map((r) => r.count);
    const time = fitLine(
      xs,
      ok.map((r) => r.run.ms),
    );
    const rss = ok.every((r) => r.run.maxRssKiB)
      ? fitLine(
          xs,
          ok.map((r) => (r.run.maxRssKiB ?? 0) / 1024),
        )
      : undefined;
    const bytes = fitLine(
      xs,
      ok.map((r) => r.bytes),
    );
    console.log(
      `${command}: time ${time.intercept.toFixed(0)} ms + ${time.slope.toFixed(1)} ms/service (R^2 ${time.rSquared.toFixed(3)})` +
        (rss ? `; peak RSS ${rss.intercept.toFixed(0)} MiB + ${rss.slope.toFixed(2)} MiB/service (R^2 ${rss.rSquared.toFixed(3)})` : '') +
        `; output ${(bytes.slope / 1000).toFixed(1)} kB/service` +
        (failed.has(command) ? `; FAILED from ${rows.find((r) => r.command === command && r.run.failure)?.count} services on` : ''),
    );
  }
}

// ---------------------------------------------------------------------------
// 3 and 4: config loading and the CRD validator cache, in-process and in a fresh process.
// ---------------------------------------------------------------------------

type Pipeline = Awaited<ReturnType<typeof importPipeline>>;

async function importPipeline() {
  return import('../config/load.js');
}

interface CommandTiming {
  samples: number[];
  failure?: string;
}

/** Wall time of `command args` run `runs` times; stops at the first failure. */
function timeCommand(command: string, args: readonly string[], runs: number): CommandTiming {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const run = runOnce(command, args);
    if (run.failure) return { samples, failure: run.failure };
    samples.push(run.ms);
  }
  return { samples };
}

/** Runs `action` once to warm up, then `runs` times; returns the timed samples. */
function sample(runs: number, action: () => void): number[] {
  action();
  return Array.from({ length: runs }, () => {
    const start = performance.now();
    action();
    return performance.now() - start;
  });
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
      `3. loadEnvironment of a file with N unknown top-level keys (ends in a ConfigError; ${LOADING_RUNS} runs after a warm-up)`,
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
      `4. Validators of ${SYNTHESIZED_CRD_KINDS.map(([, kind]) => kind).join(', ')} in a fresh process (${CRD_RUNS} runs)`,
      ['process', 'median', 'min'],
      [row('import only (baseline)', baseline), row('cold cache: parse + compile + write', cold), row('warm cache: load standalone code', warm)],
    );
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`npm run bench: node ${process.version}, ${load()}`);
  benchCommands();
  benchScaling();
  benchLoading(await importPipeline());
  benchCrdCache();
  console.log(`\nbenchmark finished in ${((performance.now() - started) / 1000).toFixed(1)} s; ${load()}`);
}

await main();
