/**
 * The real tools that consume what we emit, for tests: promtool (rules, unit tests, backfill)
 * and a throwaway Prometheus server (Debian package `prometheus`; `npm test` installs it, see
 * test/setup/provision.sh).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface ToolResult {
  readonly code: number;
  readonly output: string;
}

/** Runs promtool; a missing binary is an error, not a skipped check. */
function promtool(args: string[]): ToolResult {
  try {
    const output = execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, output };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool not found: install the Debian package "prometheus" (npm test does, see test/setup/provision.sh)');
    return { code: e.status ?? 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Writes rule groups to a rules file in a temp dir and returns its path. */
function writeRulesFile(groups: unknown[], dir = mkdtempSync(join(tmpdir(), 'rules-'))): string {
  const file = join(dir, 'rules.yaml');
  writeFileSync(file, stringify({ groups }));
  return file;
}

/** `promtool check rules` on the given groups. */
export function checkRules(groups: unknown[]): ToolResult {
  return promtool(['check', 'rules', writeRulesFile(groups)]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface PrometheusServer {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Backfills OpenMetrics text into a fresh TSDB with `promtool tsdb create-blocks-from openmetrics`
 * and starts a Prometheus server on it, on 127.0.0.1 and a free port; resolves once it is ready.
 */
export async function startPrometheus(openMetrics: string): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
  const input = join(dir, 'data.om');
  writeFileSync(input, openMetrics);
  const backfill = promtool(['tsdb', 'create-blocks-from', 'openmetrics', input, join(dir, 'tsdb')]);
  if (backfill.code !== 0) throw new Error(`backfill failed:\n${backfill.output}`);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 15s\n');
  const port = await freePort();
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => (stderr += chunk));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Until it is ready or has exited; the deadline only ends a server that hangs (startup takes
  // well under a second when idle, many seconds on a loaded machine).
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const why = child.exitCode === null ? 'not ready after 120 s' : `exited with code ${child.exitCode}`;
  await stop();
  throw new Error(`prometheus did not become ready (${why}):\n${stderr}`);
}

/** `promtool check rules` on several rule files in one process (name -> groups): one call for many checks. */
export function checkRuleFiles(files: Record<string, unknown[]>): ToolResult {
  const dir = mkdtempSync(join(tmpdir(), 'rules-'));
  const paths = Object.entries(files).map(([name, groups]) => {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, stringify({ groups }));
    return file;
  });
  return promtool(['check', 'rules', ...paths]);
}

/**
 * `promtool test rules`: evaluates `groups` against the input series of each test in `tests`
 * (https://prometheus.io/docs/prometheus/latest/configuration/unit_testing_rules/).
 */
export function testRules(groups: unknown[], tests: unknown[], evaluationInterval = '1m'): ToolResult {
  const dir = mkdtempSync(join(tmpdir(), 'rule-tests-'));
  writeRulesFile(groups, dir);
  const testFile = join(dir, 'tests.yaml');
  writeFileSync(testFile, stringify({ rule_files: ['rules.yaml'], evaluation_interval: evaluationInterval, tests }));
  return promtool(['test', 'rules', testFile]);
}

export interface RuleTestSuite {
  /** The rule groups the tests evaluate. */
  readonly groups: unknown[];
  /** promtool's test groups (`tests:` of a test file). */
  readonly tests: unknown[];
  readonly evaluationInterval?: string;
}

/**
 * `promtool test rules` on several suites (name -> rule groups and their tests) in one process:
 * each suite is a test file with a rules file of its own, and promtool reports each file on its own
 * ("Unit Testing: <file>" and SUCCESS or FAILED). A suite's code is 0 when its file succeeded;
 * its output is promtool's output for it, with the failures (which name their test group).
 */
export function testRuleSuites(suites: Record<string, RuleTestSuite>): Record<string, ToolResult> {
  const dir = mkdtempSync(join(tmpdir(), 'rule-tests-'));
  const names = Object.keys(suites);
  const testFiles = names.map((name, i) => {
    const { groups, tests, evaluationInterval = '1m' } = suites[name];
    writeFileSync(join(dir, `rules-${i}.yaml`), stringify({ groups }));
    writeFileSync(join(dir, `tests-${i}.yaml`), stringify({ rule_files: [`rules-${i}.yaml`], evaluation_interval: evaluationInterval, tests }));
    return `tests-${i}.yaml`;
  });
  const run = spawnSync('promtool', ['test', 'rules', ...testFiles], { cwd: dir, encoding: 'utf8' });
  if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
    throw new Error('promtool not found: install the Debian package "prometheus" (npm test does, see test/setup/provision.sh)');
  rmSync(dir, { recursive: true, force: true });
  // stdout: "Unit Testing:  <file>" then "  SUCCESS" for each file; the failures go to stderr.
  const sections = new Map(
    run.stdout
      .split(/^Unit Testing:\s+/m)
      .slice(1)
      .map((section) => [section.slice(0, section.indexOf('\n')).trim(), section]),
  );
  return Object.fromEntries(
    names.map((name, i) => {
      const section = sections.get(testFiles[i]) ?? '';
      const passed = run.status === 0 || /^\s*SUCCESS\s*$/m.test(section);
      return [name, { code: passed ? 0 : 1, output: `Unit Testing: ${name}: ${section.trim() || '(no result)'}\n${passed ? '' : run.stderr}` }];
    }),
  );
}
