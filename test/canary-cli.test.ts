/**
 * `npm run canary` as a release engineer runs it, on a scratch copy of the config and dist/,
 * in-process (test/cli-usage.test.ts shows exit codes reach the shell; test/canary-prometheus.test.ts
 * runs analyze as a real process).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canaryCommand } from '../cli/canary.js';
import { appFileOf, ENVIRONMENTS_DIR } from '../config/load.js';
import { ENVIRONMENTS } from './helpers.js';
import { unusedName } from './setup/names.js';

const scratch = mkdtempSync(join(tmpdir(), 'canary-cli-'));
const configDir = join(scratch, 'environments');
const outdir = join(scratch, 'dist');
cpSync(ENVIRONMENTS_DIR, configDir, { recursive: true });
cpSync(appFileOf(), appFileOf(configDir));
const prodFile = join(configDir, 'prod.yaml');
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a canary command on the scratch copy (on prod unless args give --env). */
async function canary(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { out: (line: string) => void stdout.push(line), err: (line: string) => void stderr.push(line) };
  const env = args.includes('--env') ? [] : ['--env', 'prod'];
  const code = await canaryCommand([...args, ...env, '--config-dir', configDir, '--outdir', outdir], io);
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

const ingressFile = () => readFileSync(join(outdir, 'prod', '40-ingress.yaml'), 'utf8');

describe('npm run canary (one command per step)', () => {
  it('walks a full rollout: start 10% -> 25% -> 50% -> promoted, editing the file and dist/', async () => {
    const original = readFileSync(prodFile, 'utf8');
    expect(original).toContain('# Keep full capacity during rollouts.');

    const start = await canary('start', '--image-tag', '1.1.0');
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('prod/backend: started canary 1.1.0 at 10% of traffic (stable: 1.0.0)');
    expect(ingressFile()).toContain('nginx.ingress.kubernetes.io/canary-weight: "10"');
    expect(readdirSync(join(outdir, 'prod'))).toContain('30-backend.yaml');
    expect(readFileSync(join(outdir, 'prod', '30-backend.yaml'), 'utf8')).toContain('name: backend-canary');

    expect((await canary('promote')).stdout).toContain('10% -> 25%');
    expect(ingressFile()).toContain('canary-weight: "25"');
    const edited = readFileSync(prodFile, 'utf8');
    expect(edited).toContain('# Keep full capacity during rollouts.');
    expect(edited).toContain('# Three members, keyfile auth, initiated by the mongodb-rs-init Job.');

    expect((await canary('status')).stdout).toContain('canary 1.1.0 at 25% of traffic (step 2 of 4');
    expect((await canary('promote')).stdout).toContain('25% -> 50%');
    const promoted = await canary('promote');
    expect(promoted.stdout).toContain('promoted 1.1.0 to stable (was 1.0.0); canary removed');
    expect(ingressFile()).not.toContain('canary');
    expect(readFileSync(join(outdir, 'prod', '30-backend.yaml'), 'utf8')).toContain('image: ghcr.io/example/webapp-backend:1.1.0');
  });

  it('refuses invalid transitions and changes nothing', async () => {
    const before = readFileSync(prodFile, 'utf8');
    const promote = await canary('promote');
    expect(promote.code).toBe(1);
    expect(promote.stderr).toContain('no canary is running');
    expect(readFileSync(prodFile, 'utf8')).toBe(before);

    expect((await canary('start', '--image-tag', '1.2.0')).code).toBe(0);
    const again = await canary('start', '--image-tag', '1.3.0');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a canary (1.2.0) is already running at 10%');
    const rollback = await canary('rollback');
    expect(rollback.stdout).toContain('rolled back canary 1.2.0; all traffic on stable 1.1.0');
    expect(ingressFile()).not.toContain('canary');
  });

  it('rejects a tag the schema rejects, without touching the file', async () => {
    const before = readFileSync(prodFile, 'utf8');
    const latest = await canary('start', '--image-tag', 'latest');
    expect(latest.code).toBe(1);
    expect(latest.stderr).toContain('services.backend.canary.tag');
    expect(readFileSync(prodFile, 'utf8')).toBe(before);
  });

  it('names an unknown environment and exits 1, without a stack trace', async () => {
    const result = await canary('status', '--env', unusedName('qa', ENVIRONMENTS));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`no such environment file (environments: ${ENVIRONMENTS.join(', ')})`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('prints the config warnings of the environment before its answer', async () => {
    const staging = readFileSync(join(configDir, 'staging.yaml'), 'utf8');
    writeFileSync(join(configDir, 'kube.yaml'), staging.replace(/^namespace: .*$/m, 'namespace: kube-webapp'));
    const result = await canary('status', '--env', 'kube');
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^warning: .*kube\.yaml: namespace \(line \d+, column \d+\): "kube-webapp": the prefix "kube-" is reserved/);
    expect(result.stdout).toContain('backend');
  });
});
