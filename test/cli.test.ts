/**
 * The synth command as users run it, on real files. Each scenario runs against a copy of the
 * environment files and a scratch output directory, never the committed dist/. The command runs
 * in-process (the schemas compile once, not once per run); the checks of what only a real
 * process shows (exit code, no stack trace, `npx cdk8s synth`) start one.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ENVIRONMENTS_DIR } from '../config/load.js';
import { synthCommand } from '../main.js';
import { fileTree } from './helpers.js';

const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'synth-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function synth(args: string[], outdir: string, configDir: string): Promise<Result> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  try {
    const code = synthCommand(['--config-dir', configDir, '--outdir', outdir, ...args]);
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

async function synthProcess(args: string[], outdir: string, configDir: string): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'main.ts', '--config-dir', configDir, ...args], {
      cwd: root,
      env: { ...process.env, CDK8S_OUTDIR: outdir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}


/** A scenario's own copy of the environment files and an output dir synthesized from them. */
async function scenario(name: string): Promise<{ configDir: string; outdir: string }> {
  const configDir = join(scratch, name, 'environments');
  const outdir = join(scratch, name, 'dist');
  mkdirSync(configDir, { recursive: true });
  cpSync(ENVIRONMENTS_DIR, configDir, { recursive: true });
  const first = await synth([], outdir, configDir);
  expect(first.code, first.stderr).toBe(0);
  return { configDir, outdir };
}

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
    const result = await synth(['--env', 'qa'], outdir, configDir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('qa.yaml: invalid configuration\n  - no such environment file (environments: dev, prod, staging)');
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

  it('adds an environment when a file is added (qa.yaml)', async () => {
    const { configDir, outdir } = await scenario('qa');
    writeFileSync(join(configDir, 'qa.yaml'), 'tier: staging\ningress: { host: qa.app.example.com }\n');
    expect((await synth([], outdir, configDir)).code).toBe(0);
    expect(readFileSync(join(outdir, 'qa', '00-namespace.yaml'), 'utf8')).toContain('name: webapp-qa');
  });
});

describe('npx cdk8s synth', () => {
  it('respects CDK8S_OUTDIR and writes the same files as npm run synth (dist/ without the Helm chart)', async () => {
    const outdir = join(scratch, 'cdk8s-cli');
    await run('npx', ['cdk8s', 'synth', '--output', outdir], { cwd: root });
    // dist/helm/ is written by `npm run synth:helm`, not by the cdk8s app.
    const manifests = Object.fromEntries(Object.entries(fileTree(join(root, 'dist'))).filter(([path]) => !path.startsWith('helm/')));
    expect(fileTree(outdir)).toEqual(manifests);
  });
});
