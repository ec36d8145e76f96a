/**
 * Runs once per `vitest run`, before any test file: checks that the tools the tests need are here
 * (`npm test` installs them first, see provision.sh; a bare `vitest run` gets the same single
 * message instead of a failure per test), builds helm-render once for all test files, and builds
 * the commands (cli/run.mjs --build) when their sources changed, so that the test files that start
 * them in parallel do not each build them.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { helms } from '../helm/render.js';

const provision = fileURLToPath(new URL('./provision.sh', import.meta.url));
const launcher = fileURLToPath(new URL('../../cli/run.mjs', import.meta.url));

export default function setup(): void {
  try {
    execFileSync('bash', [provision, '--check'], { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(stderr || String(error));
  }
  execFileSync(process.execPath, [launcher, '--build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const used = helms();
  const real = used.find((h) => h.name === 'helm');
  console.log(
    real
      ? `chart tests: render and lint with ${used.map((h) => `${h.name} (${h.path})`).join(' and ')}`
      : 'chart tests: render and lint with helm-render, the stand-in (no helm on PATH)',
  );
}
