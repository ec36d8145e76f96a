/**
 * The reporter that ends every run (skipped-tests-reporter.ts), run for real: vitest runs a
 * small test file with a passing, a skipped, a todo and a self-skipping test.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const reporter = fileURLToPath(new URL('./skipped-tests-reporter.ts', import.meta.url));
// Inside the project, so that the test file resolves vitest from its node_modules.
mkdirSync(join(root, '.cache'), { recursive: true });
const project = mkdtempSync(join(root, '.cache', 'reporter-'));
afterAll(() => rmSync(project, { recursive: true, force: true }));

// Worker threads: vitest gives a worker 5 s to start (WORKER_START_TIMEOUT), which a forked
// process can miss on two cores shared by parallel test runs; threads start within it.
writeFileSync(join(project, 'vitest.config.ts'), `export default { test: { include: ['*.check.ts'], pool: 'threads', reporters: ['default', ${JSON.stringify(reporter)}] } };\n`);
writeFileSync(
  join(project, 'demo.check.ts'),
  [
    "import { expect, it } from 'vitest';",
    "it('runs', () => expect(1).toBe(1));",
    "it.skip('is skipped', () => {});",
    "it.todo('comes later');",
    "it('skips itself', (ctx) => ctx.skip('no frobnicator on this machine'));",
  ].join('\n'),
);

async function vitest(env: Record<string, string | undefined>, ...args: string[]): Promise<{ code: number; stdout: string }> {
  const { CI: _, ...inherited } = process.env;
  return promisify(execFile)(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project, ...args], {
    env: { ...inherited, ...env, NO_COLOR: '1' },
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
  );
}

describe('the skipped-tests reporter', async () => {
  // One after the other, for the same reason.
  const local = await vitest({});
  const ci = await vitest({ CI: 'true' });
  const filtered = await vitest({ CI: 'true' }, '-t', '^runs$');

  it('ends a local run by listing what did not run and why, and lets it pass', () => {
    expect(local.code, local.stdout).toBe(0);
    expect(local.stdout).toContain(
      [
        '3 tests did not run:',
        '  demo.check.ts > is skipped: marked skip in the source, without a reason',
        '  demo.check.ts > comes later: todo: not written yet',
        '  demo.check.ts > skips itself: no frobnicator on this machine',
        'tests: 1 passed, 0 failed, 3 skipped',
      ].join('\n'),
    );
  });

  it('fails the run with CI=true', () => {
    expect(ci.code, ci.stdout).toBe(1);
    expect(ci.stdout).toContain('CI=true: skipped and todo tests fail the run');
    expect(ci.stdout.trimEnd().split('\n').at(-1)).toBe('tests: 1 passed, 0 failed, 3 skipped');
  });

  it('does not count tests left out by a name filter as skipped', () => {
    expect(filtered.code, filtered.stdout).toBe(0);
    expect(filtered.stdout).not.toContain('did not run');
    expect(filtered.stdout).toContain('tests: 1 passed, 0 failed, 0 skipped');
  });
});
