/**
 * `npm run canary` as a release engineer runs it, on a scratch copy of the config and dist/,
 * in-process (test/cli-usage.test.ts shows exit codes reach the shell; test/canary-prometheus.test.ts
 * runs analyze as a real process).
 */
import { spawn } from 'node:child_process';
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

/** The clock of the commands: each test sets the time it needs; no test waits. */
let clock = new Date('2026-03-01T12:00:00Z');
const later = (minutes: number) => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};

/** Runs a canary command on the scratch copy (on prod unless args give --env). */
async function canary(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io = { out: (line: string) => void stdout.push(line), err: (line: string) => void stderr.push(line) };
  const env = args.includes('--env') ? [] : ['--env', 'prod'];
  const code = await canaryCommand([...args, ...env, '--config-dir', configDir, '--outdir', outdir], io, { now: () => clock });
  return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
}

/** Every file under the scratch copy's config and dist/, to show a command wrote nothing. */
function snapshot(): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of [configDir, outdir]) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.set(join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name), 'utf8'));
    }
  }
  return files;
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

    expect(readFileSync(prodFile, 'utf8')).toContain('stepStartedAt: 2026-03-01T12:00:00Z');
    later(10);
    expect((await canary('promote')).stdout).toContain('10% -> 25%');
    expect(ingressFile()).toContain('canary-weight: "25"');
    const edited = readFileSync(prodFile, 'utf8');
    expect(edited).toContain('# Keep full capacity during rollouts.');
    expect(edited).toContain('# Three members, keyfile auth, initiated by the mongodb-rs-init Job.');

    expect((await canary('status')).stdout).toContain('canary 1.1.0 at 25% of traffic (step 2 of 4');
    later(10);
    expect((await canary('promote')).stdout).toContain('25% -> 50%');
    later(10);
    const promoted = await canary('promote');
    expect(promoted.stdout).toContain('promoted 1.1.0 to stable (was 1.0.0); canary removed');
    expect(ingressFile()).not.toContain('canary');
    expect(readFileSync(join(outdir, 'prod', '30-backend.yaml'), 'utf8')).toContain('image: ghcr.io/example/webapp-backend:1.1.0');
  });

  it('refuses invalid transitions and changes nothing', async () => {
    const before = snapshot();
    const promote = await canary('promote');
    expect(promote.code).toBe(0);
    expect(promote.stdout).toContain('no canary is running: nothing to promote; stable 1.1.0 takes all traffic');
    expect(snapshot()).toEqual(before);

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

describe('safe to automate: repeated commands, bake time, --dry-run, --json', () => {
  it('a repeated start, promote or rollback changes nothing, says so and exits 0', async () => {
    expect((await canary('start', '--image-tag', '1.2.0')).code).toBe(0);
    const before = snapshot();
    const again = await canary('start', '--image-tag', '1.2.0');
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toContain('prod/backend: canary 1.2.0 is already running at 10% of traffic: nothing to start');
    expect(snapshot()).toEqual(before);

    expect((await canary('rollback')).code).toBe(0);
    const rolledBack = snapshot();
    const twice = await canary('rollback');
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('no canary is running: nothing to roll back; stable 1.1.0 takes all traffic');
    expect(snapshot()).toEqual(rolledBack);
  });

  it('promote waits for the bake time: exit 3 with the time left, nothing written; --force overrides', async () => {
    clock = new Date('2026-03-02T09:00:00Z');
    expect((await canary('start', '--image-tag', '1.2.0')).code).toBe(0);
    later(3);
    const before = snapshot();
    const early = await canary('promote');
    expect(early.code).toBe(3);
    expect(early.stderr).toBe(
      'error: prod/backend: canary 1.2.0 has been at 10% since 2026-03-02T09:00:00Z; the bake time (minStepDuration) is 10m: promote again in 7m0s, or with --force\nnothing was changed',
    );
    expect(snapshot()).toEqual(before);
    expect((await canary('status')).stdout).toContain('step started 2026-03-02T09:00:00Z; bake time 10m: promote in 7m0s');

    const forced = await canary('promote', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('10% -> 25%');
    // The forced step starts its own bake time.
    expect(readFileSync(prodFile, 'utf8')).toContain('stepStartedAt: 2026-03-02T09:03:00Z');
    expect((await canary('promote')).code).toBe(3);
    expect((await canary('rollback', '--force')).code).toBe(2);
  });

  it('--dry-run prints the config change and the manifest diff and writes nothing', async () => {
    const before = snapshot();
    const dry = await canary('promote', '--force', '--dry-run');
    expect(dry.code, dry.stderr).toBe(0);
    const lines = dry.stdout.split('\n');
    expect(lines[0]).toBe('prod/backend: would do: canary 1.2.0: 25% -> 50% of traffic (dry run: nothing written)');
    expect(lines).toContain(`${prodFile}:`);
    expect(lines.find((l) => l.includes('services.backend.canary.weight'))).toMatch(/^ {2}services\.backend\.canary\.weight +25 +50$/);
    expect(dry.stdout).toContain('0 added, 0 removed, 1 changed');
    expect(dry.stdout).toContain('~ Ingress/webapp-prod/backend-canary');
    expect(dry.stdout).toContain('metadata.annotations["nginx.ingress.kubernetes.io/canary-weight"]: "25" -> "50"');
    expect(snapshot()).toEqual(before);
  });

  it('--json: one object a machine reads, for changes, refusals and status', async () => {
    later(1);
    const refused = await canary('promote', '--json');
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout)).toEqual({
      env: 'prod',
      service: 'backend',
      command: 'promote',
      dryRun: false,
      ok: false,
      changed: false,
      error: expect.stringContaining('promote again in 9m0s'),
      waitSeconds: 540,
    });
    const dry = JSON.parse((await canary('rollback', '--json', '--dry-run')).stdout);
    expect(dry).toMatchObject({ command: 'rollback', dryRun: true, ok: true, changed: true, summary: 'rolled back canary 1.2.0; all traffic on stable 1.1.0' });
    expect(dry.config).toContainEqual({ key: 'services.backend.canary.enabled', before: true, after: false });
    expect(dry.manifests.removed).toContain('Deployment/webapp-prod/backend-canary');
    const status = JSON.parse((await canary('status', '--json')).stdout);
    expect(status.status).toEqual({
      strategy: 'canary',
      running: true,
      stableTag: '1.1.0',
      canaryTag: '1.2.0',
      weight: 25,
      weightTotal: 100,
      steps: [10, 25, 50, 100],
      nextWeight: 50,
      stepStartedAt: '2026-03-02T09:03:00Z',
      minStepDuration: '10m',
      bakeSecondsLeft: 540,
    });
    const done = JSON.parse((await canary('rollback', '--json')).stdout);
    expect(done).toMatchObject({ ok: true, changed: true, status: { running: false } });
    expect(JSON.parse((await canary('rollback', '--json')).stdout)).toMatchObject({ ok: true, changed: false, summary: expect.stringContaining('nothing to roll back') });
  });

  it('an invalid result cites the line of the file on disk, not of the edited text', async () => {
    // The file states services.backend.canary (earlier tests left `enabled: false`) but no tag: the nearest key it states.
    const line = readFileSync(prodFile, 'utf8').split('\n').indexOf('    canary:') + 1;
    expect(line).toBeGreaterThan(0);
    const latest = await canary('start', '--image-tag', 'latest');
    expect(latest.code).toBe(1);
    expect(latest.stderr).toContain(`services.backend.canary.tag (line ${line}, column 5): the "latest" tag is not allowed in a prod environment`);
  });
});

describe('blue-green through the command: every step safe to repeat', () => {
  const bgFile = join(configDir, 'bg.yaml');
  const bg = (...args: string[]) => canary(...args, '--env', 'bg');
  const activeImage = () => readFileSync(join(outdir, 'bg', '30-backend.yaml'), 'utf8');

  it('start, switch, switch again (no-op), rollback, rollback again (no-op)', async () => {
    writeFileSync(bgFile, readFileSync(prodFile, 'utf8').replace(/^ {2}backend:\n/m, '  backend:\n    blueGreen:\n      enabled: true\n'));
    expect((await bg('start', '--image-tag', '2.0.0')).stdout).toContain('green now runs 2.0.0 (idle)');
    const switched = await bg('switch');
    expect(switched.stdout).toContain('switched traffic from blue (1.1.0) to green (2.0.0)');
    expect(readFileSync(bgFile, 'utf8')).toContain('idleState: previous');

    let before = snapshot();
    const again = await bg('switch');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already switched: green (2.0.0) serves all traffic; blue keeps 1.1.0 for rollback');
    expect(snapshot()).toEqual(before);

    const rollback = await bg('rollback');
    expect(rollback.stdout).toContain('rolled back traffic from green (2.0.0) to blue (1.1.0)');
    expect(activeImage()).toMatch(/track: blue[\s\S]*webapp-backend:1\.1\.0/);
    before = snapshot();
    const twice = await bg('rollback');
    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('already rolled back: blue (1.1.0) serves all traffic; green keeps 2.0.0');
    expect(snapshot()).toEqual(before);

    const rerelease = await bg('switch');
    expect(rerelease.code).toBe(1);
    expect(rerelease.stderr).toContain('green runs 2.0.0, which was rolled back: stage it again with start --image-tag 2.0.0');
    expect(snapshot()).toEqual(before);
  });
});

describe('a reader that closes the pipe early (`... | head -1`)', () => {
  const root = new URL('..', import.meta.url).pathname;

  /** Runs the command as a real process whose stdout is closed before it writes. */
  function closedPipe(...args: string[]): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, ['cli/run.mjs', 'canary', ...args, '--config-dir', configDir, '--outdir', outdir], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
  }

  it('never crashes with EPIPE: the command finishes its work and keeps its exit code', async () => {
    expect(await closedPipe('status', '--env', 'prod', '--json')).toEqual({ code: 0, stderr: '' });
    const help = await closedPipe('--help');
    expect(help).toEqual({ code: 0, stderr: '' });
    // A change still completes when nobody reads what it prints.
    const before = readFileSync(prodFile, 'utf8');
    expect(await closedPipe('start', '--env', 'prod', '--image-tag', '1.3.0')).toEqual({ code: 0, stderr: '' });
    expect(readFileSync(prodFile, 'utf8')).not.toBe(before);
    expect(readFileSync(prodFile, 'utf8')).toContain('tag: 1.3.0');
  });
});
