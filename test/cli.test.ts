/**
 * The synth command as users run it, on real files. Each scenario runs against a copy of the
 * environment files and a scratch output directory, never the committed dist/. The command runs
 * in-process (the schemas compile once, not once per run); the checks of what only a real
 * process shows (exit code, no stack trace, `npx cdk8s synth`) start one.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { GITOPS_FILE } from '../config/gitops.js';
import { appFileOf, ENVIRONMENTS_DIR, listEnvironments } from '../config/load.js';
import { unusedName } from './setup/names.js';
import { REFERENCE_CONFIG_DIR } from './setup/reference.js';
import { CDK8S_SCRATCH_DIR, synthCommand, synthTarget } from '../main.js';
import { fileTree } from './helpers.js';
import { checkCommand } from '../cli/check.js';
import type { Io } from '../cli/command.js';
import { diffCommand } from '../cli/diff.js';
import { ENVIRONMENT_MARKER } from '../core/output.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'synth-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

interface Output extends Result {
  /** stdout and stderr lines in the order they were printed, stderr's prefixed with "2> ". */
  lines: string[];
}

async function synth(args: string[], outdir: string | undefined, configDir: string, env: NodeJS.ProcessEnv = {}): Promise<Output> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const lines: string[] = [];
  const io = {
    out: (line: string) => {
      stdout.push(line);
      lines.push(line);
    },
    err: (line: string) => {
      stderr.push(line);
      lines.push(`2> ${line}`);
    },
  };
  const code = synthCommand(['--config-dir', configDir, ...(outdir === undefined ? [] : ['--outdir', outdir]), ...args], io, env);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n'), lines };
}

async function synthProcess(args: string[], outdir: string, configDir: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['cli/run.mjs', 'synth', '--config-dir', configDir, ...args], {
      cwd: root,
      env: { ...process.env, CDK8S_OUTDIR: outdir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

let synthesized: Promise<string> | undefined;

/** dist/ synthesized once from the reference environments: every scenario starts from a copy of it. */
function referenceOutput(): Promise<string> {
  synthesized ??= (async () => {
    const configDir = join(scratch, 'reference-output', 'environments');
    const outdir = join(scratch, 'reference-output', 'dist');
    mkdirSync(configDir, { recursive: true });
    cpSync(REFERENCE_CONFIG_DIR, configDir, { recursive: true });
    const first = await synth([], outdir, configDir);
    expect(first.code, first.stderr).toBe(0);
    return outdir;
  })();
  return synthesized;
}

/** A scenario's own copy of the environment files and of the output dir synthesized from them. */
async function scenario(name: string): Promise<{ configDir: string; outdir: string }> {
  const configDir = join(scratch, name, 'environments');
  const outdir = join(scratch, name, 'dist');
  mkdirSync(configDir, { recursive: true });
  cpSync(REFERENCE_CONFIG_DIR, configDir, { recursive: true });
  cpSync(await referenceOutput(), outdir, { recursive: true });
  return { configDir, outdir };
}

/** A command of cli/ run in-process with its own output lines (no console, so tests may run concurrently). */
function commandIn(command: (argv: string[], io: Io) => number, argv: string[]): Result {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = command(argv, { out: (line) => void stdout.push(line), err: (line) => void stderr.push(line) });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}
const diffIn = async (outdir: string, configDir: string) => commandIn(diffCommand, ['--dist', outdir, '--config-dir', configDir]);
const checkDistIn = async (outdir: string, configDir: string) => commandIn(checkCommand, ['--dist', '--outdir', outdir, '--config-dir', configDir]);

describe.concurrent('npm run synth', () => {
  it('writes every environment, byte-identical on a second run', async () => {
    const { configDir, outdir } = await scenario('deterministic');
    const before = fileTree(outdir);
    expect(Object.keys(before).some((f) => f.startsWith('prod/'))).toBe(true);
    expect((await synth([], outdir, configDir)).code).toBe(0);
    expect(fileTree(outdir)).toEqual(before);
  });

  it('rejects a bad config with file, key path and expectation, no stack trace, and leaves dist/ untouched', async () => {
    const { configDir, outdir } = await scenario('bad-config');
    const before = fileTree(outdir);
    writeFileSync(join(configDir, 'staging.yaml'), 'services:\n  backend:\n    replicas: -1\n');
    const result = await synthProcess([], outdir, configDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('staging.yaml: invalid configuration');
    expect(result.stderr).toContain('services.backend.replicas (line 3, column 5): Too small: expected number to be >=0');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(fileTree(outdir)).toEqual(before);
  });

  it('rejects malformed YAML with line and column and leaves dist/ untouched', async () => {
    const { configDir, outdir } = await scenario('bad-yaml');
    const before = fileTree(outdir);
    writeFileSync(join(configDir, 'prod.yaml'), 'services:\n  backend: {replicas: 2\n');
    const result = await synth(['--env', 'prod'], outdir, configDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/prod\.yaml: invalid configuration\n {2}- line \d+, column \d+: YAML syntax error/);
    expect(fileTree(outdir)).toEqual(before);
  });

  it('names the known environments when one does not exist', async () => {
    const { configDir, outdir } = await scenario('missing');
    const missing = unusedName('qa', listEnvironments(configDir));
    const result = await synth(['--env', missing], outdir, configDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${missing}.yaml: invalid configuration\n  - no such environment file (environments: ${listEnvironments(configDir).join(', ')})`);
  });

  it('synthesizes only the requested environment and removes files of objects that were removed', async () => {
    const { configDir, outdir } = await scenario('one-env');
    const staging = readFileSync(join(outdir, 'staging', '30-frontend.yaml'), 'utf8');
    const argocd = fileTree(join(outdir, 'argocd'));
    writeFileSync(join(configDir, 'prod.yaml'), readFileSync(join(configDir, 'prod.yaml'), 'utf8').replace('services:\n', 'services:\n  frontend:\n    enabled: false\n'));
    const result = await synth(['--env', 'prod'], outdir, configDir);
    expect(result.code, result.stderr).toBe(0);
    expect(readdirSync(join(outdir, 'prod'))).not.toContain('30-frontend.yaml');
    expect(readFileSync(join(outdir, 'staging', '30-frontend.yaml'), 'utf8')).toBe(staging);
    // The Argo CD objects describe every environment: only a full synth rewrites them.
    expect(fileTree(join(outdir, 'argocd'))).toEqual(argocd);
  });

  it('prints the config warnings to stderr before what it wrote', async () => {
    const { configDir, outdir } = await scenario('warnings');
    writeFileSync(join(configDir, 'prod.yaml'), readFileSync(join(configDir, 'prod.yaml'), 'utf8').replace(/^namespace: .*$/m, 'namespace: kube-webapp'));
    const result = await synth(['--env', 'prod'], outdir, configDir);
    expect(result.code, result.stderr).toBe(0);
    const warning = result.lines.findIndex((line) => line.startsWith('2> warning: '));
    expect(result.lines[warning]).toMatch(/^2> warning: .*prod\.yaml: namespace \(line \d+, column \d+\): "kube-webapp": the prefix "kube-" is reserved/);
    expect(warning).toBeLessThan(result.lines.findIndex((line) => line.startsWith('synthesized ')));
  });

  it('removes the directory of an environment whose file is gone, on a full synth only, and never other directories', async () => {
    const { configDir, outdir } = await scenario('removed-env');
    const [gone, ...kept] = listEnvironments(configDir);
    expect(readFileSync(join(outdir, gone, ENVIRONMENT_MARKER), 'utf8')).toContain(`environment: ${gone}\n`);
    rmSync(join(configDir, `${gone}.yaml`));
    mkdirSync(join(outdir, 'helm', 'webapp'), { recursive: true });
    writeFileSync(join(outdir, 'helm', 'webapp', 'Chart.yaml'), 'name: webapp\n');
    // A directory of one's own that looks like an environment (a kustomize overlay) but has no marker.
    mkdirSync(join(outdir, 'overlay'));
    writeFileSync(join(outdir, 'overlay', 'kustomization.yaml'), `resources: [../${kept[0]}]\n`);
    const one = await synth(['--env', kept[0]], outdir, configDir);
    expect(one.code, one.stderr).toBe(0);
    expect(existsSync(join(outdir, gone))).toBe(true);
    // Before the synth: diff reports the stale directory (and only it), check --dist checks only environments.
    const stale = await diffIn(outdir, configDir);
    expect(stale.code, stale.stderr).toBe(1);
    expect(stale.stdout).toContain(`${join(outdir, gone)}: 0 added, `);
    expect(stale.stdout).toContain('(no environment file produces this directory any more)');
    expect(stale.stdout).not.toContain('overlay');
    expect(stale.stdout).not.toContain(`${join(outdir, 'helm')}: `);
    const checked = await checkDistIn(outdir, configDir);
    expect(
      checked.stdout
        .split('\n')
        .filter((line) => / in \d+ objects$/.test(line))
        .map((line) => line.split(':')[0]),
    ).toEqual([gone, ...kept].sort());
    const all = await synth([], outdir, configDir);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toContain(`removed ${join(outdir, gone)}/ (its environment file is gone)`);
    expect(readdirSync(outdir).sort()).toEqual([...kept, 'argocd', 'argocd-applicationset', 'helm', 'overlay'].sort());
    expect(readFileSync(join(outdir, 'helm', 'webapp', 'Chart.yaml'), 'utf8')).toBe('name: webapp\n');
    expect(readFileSync(join(outdir, 'overlay', 'kustomization.yaml'), 'utf8')).toBe(`resources: [../${kept[0]}]\n`);
    const after = await diffIn(outdir, configDir);
    expect(after.stdout).not.toContain('no environment file produces');
  });

  it('adds an environment when a file is added (qa.yaml)', async () => {
    const { configDir, outdir } = await scenario('qa');
    writeFileSync(join(configDir, 'qa.yaml'), 'tier: staging\ningress: { host: qa.app.example.com }\n');
    expect((await synth([], outdir, configDir)).code).toBe(0);
    expect(readFileSync(join(outdir, 'qa', '00-namespace.yaml'), 'utf8')).toContain('name: webapp-qa');
  });
});

describe('where synth writes', () => {
  const CLI = { CDK8S_RECORD_CONSTRUCT_METADATA: 'false' };

  it('--outdir, else $CDK8S_OUTDIR, else dist/', () => {
    expect(synthTarget(undefined, {})).toEqual({ outdir: 'dist', cdk8sOutput: undefined, underCdk8s: false });
    expect(synthTarget('out', { CDK8S_OUTDIR: 'elsewhere' })).toMatchObject({ outdir: 'out', underCdk8s: false });
    expect(synthTarget(undefined, { CDK8S_OUTDIR: '/tmp/x' })).toMatchObject({ outdir: '/tmp/x', underCdk8s: false });
    // Set by hand for `npm run synth`, the scratch name is just a directory.
    expect(synthTarget(undefined, { CDK8S_OUTDIR: CDK8S_SCRATCH_DIR })).toMatchObject({ outdir: CDK8S_SCRATCH_DIR, cdk8sOutput: undefined });
  });

  it("under `cdk8s synth` with cdk8s.yaml's scratch output: dist/, and a copy in the scratch directory", () => {
    for (const scratchDir of [CDK8S_SCRATCH_DIR, resolve(CDK8S_SCRATCH_DIR)]) {
      expect(synthTarget(undefined, { ...CLI, CDK8S_OUTDIR: scratchDir })).toEqual({ outdir: 'dist', cdk8sOutput: scratchDir, underCdk8s: true });
    }
    // `cdk8s synth --output X` and `--stdout` (a temp dir) ask for that directory.
    expect(synthTarget(undefined, { ...CLI, CDK8S_OUTDIR: '/tmp/x' })).toEqual({ outdir: '/tmp/x', cdk8sOutput: undefined, underCdk8s: true });
  });

  it('cdk8s.yaml points `cdk8s synth` at the scratch directory, which git ignores', () => {
    expect(parse(readFileSync(join(root, 'cdk8s.yaml'), 'utf8'))).toMatchObject({ app: 'node cli/run.mjs synth', output: CDK8S_SCRATCH_DIR });
    expect(readFileSync(join(root, '.gitignore'), 'utf8').split('\n')).toContain(`${CDK8S_SCRATCH_DIR}/`);
  });

  it('with a bad config under `cdk8s synth --output X`, says that cdk8s deleted X/', async () => {
    const configDir = join(scratch, 'deleted', 'environments');
    mkdirSync(configDir, { recursive: true });
    cpSync(ENVIRONMENTS_DIR, configDir, { recursive: true });
    writeFileSync(join(configDir, 'dev.yaml'), 'tier: dev\nservices: { backend: { port: 0 } }\n');
    const outdir = join(scratch, 'deleted', 'dist');
    const result = await synth([], undefined, configDir, { ...CLI, CDK8S_OUTDIR: outdir });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`nothing was written; ${outdir}/ does not exist: \`cdk8s synth\` deletes its output directory before it starts the app`);
  });
});

/**
 * `npx cdk8s synth` with the committed cdk8s.yaml, in a scratch project: the command launcher
 * (cli/run.mjs, which builds from and caches in the repository it belongs to) and node_modules linked, a copy of the config (the app line gets --config-dir and --gitops for it), and a dist/
 * that already holds a Helm chart.
 */
describe.concurrent('npx cdk8s synth', () => {
  const reference = join(scratch, 'reference');
  beforeAll(async () => {
    const result = await synth([], reference, ENVIRONMENTS_DIR);
    expect(result.code, result.stderr).toBe(0);
  });

  function project(name: string): { dir: string; configDir: string } {
    const dir = join(scratch, name);
    const configDir = join(dir, 'config', 'environments');
    mkdirSync(configDir, { recursive: true });
    cpSync(ENVIRONMENTS_DIR, configDir, { recursive: true });
    cpSync(appFileOf(), appFileOf(configDir));
    cpSync(GITOPS_FILE, join(dir, 'config', 'gitops.yaml'));
    mkdirSync(join(dir, 'cli'));
    symlinkSync(join(root, 'cli', 'run.mjs'), join(dir, 'cli', 'run.mjs'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
    const cdk8sYaml = readFileSync(join(root, 'cdk8s.yaml'), 'utf8');
    writeFileSync(join(dir, 'cdk8s.yaml'), cdk8sYaml.replace(/^app: .*$/m, '$& --config-dir config/environments --gitops config/gitops.yaml'));
    mkdirSync(join(dir, 'dist', 'helm', 'webapp'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'helm', 'webapp', 'Chart.yaml'), 'name: webapp\n');
    return { dir, configDir };
  }

  async function cdk8sSynth(cwd: string): Promise<Result> {
    // The CLI reads every CDK8S_* variable as an option: none of the test's own.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CDK8S_')));
    return promisify(execFile)(join(root, 'node_modules', '.bin', 'cdk8s'), ['synth', '--no-check-upgrade'], { cwd, env }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  }

  it('writes dist/ like npm run synth, keeps dist/helm/, and leaves a copy in its scratch output', async () => {
    const { dir } = project('cdk8s-valid');
    mkdirSync(join(dir, 'dist', 'prod'));
    writeFileSync(join(dir, 'dist', 'prod', '30-removed.yaml'), 'kind: ConfigMap\n');
    const result = await cdk8sSynth(dir);
    expect(result.code, result.stderr).toBe(0);
    const { 'helm/webapp/Chart.yaml': chart, ...manifests } = fileTree(join(dir, 'dist'));
    expect(chart).toBe('name: webapp\n');
    expect(manifests).toEqual(fileTree(reference));
    expect(fileTree(join(dir, CDK8S_SCRATCH_DIR))).toEqual(fileTree(reference));
  });

  it('with a bad config, exits non-zero and dist/ is unchanged, as the app says', async () => {
    const { dir, configDir } = project('cdk8s-bad');
    cpSync(reference, join(dir, 'dist'), { recursive: true });
    writeFileSync(join(configDir, 'staging.yaml'), 'tier: staging\nservices:\n  backend:\n    replicas: -1\n');
    const before = fileTree(join(dir, 'dist'));
    const result = await cdk8sSynth(dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('services.backend.replicas (line 4, column 5): Too small: expected number to be >=0');
    expect(result.stderr).toContain('nothing was written; dist/ is unchanged');
    expect(fileTree(join(dir, 'dist'))).toEqual(before);
    expect(existsSync(join(dir, CDK8S_SCRATCH_DIR))).toBe(false);
  });
});
