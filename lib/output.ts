import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toYaml, type RenderedEnvironment } from './render.js';

/**
 * Writes each environment into a staging directory next to the output, then swaps it in place of
 * <outRoot>/<env> with renames, so a failed run never leaves a half-written or emptied dist/ and
 * objects that were removed from the config disappear with their files.
 */
export function writeEnvironments(outRoot: string, environments: readonly RenderedEnvironment[]): string[] {
  mkdirSync(outRoot, { recursive: true });
  const staging = mkdtempSync(join(outRoot, '.staging-'));
  const written: string[] = [];
  try {
    for (const env of environments) {
      const dir = join(staging, env.name);
      mkdirSync(dir);
      for (const file of env.files) writeFileSync(join(dir, file.name), toYaml(file.objects));
    }
    for (const env of environments) {
      const target = join(outRoot, env.name);
      if (existsSync(target)) renameSync(target, join(staging, `${env.name}.previous`));
      renameSync(join(staging, env.name), target);
      written.push(target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return written;
}
