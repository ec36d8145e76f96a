import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kustomization, KUSTOMIZATION_FILE } from './kustomize.js';
import { toYaml, type RenderedEnvironment, type RenderedFile } from './render.js';

/** A directory of dist/: an environment with its kustomization.yaml, or the Argo CD objects. */
export interface OutputDirectory {
  readonly name: string;
  readonly files: readonly RenderedFile[];
}

/** What dist/<env>/ holds: the environment's files and a kustomization.yaml listing them. */
export function environmentDirectory(env: RenderedEnvironment): OutputDirectory {
  return {
    name: env.name,
    files: [...env.files, { name: KUSTOMIZATION_FILE, objects: [kustomization(env.files.map((f) => f.name))] }],
  };
}

/**
 * Writes each environment (with its kustomization.yaml) and each of `others` (e.g. argocd/) into a
 * staging directory next to the output, then swaps them in place of <outRoot>/<name> with
 * renames, so a failed run never leaves a half-written or emptied dist/ and objects that were
 * removed from the config disappear with their files.
 */
export function writeEnvironments(outRoot: string, environments: readonly RenderedEnvironment[], others: readonly OutputDirectory[] = []): string[] {
  const directories = [...environments.map(environmentDirectory), ...others];
  mkdirSync(outRoot, { recursive: true });
  const staging = mkdtempSync(join(outRoot, '.staging-'));
  const written: string[] = [];
  try {
    for (const directory of directories) {
      const dir = join(staging, directory.name);
      mkdirSync(dir);
      for (const file of directory.files) writeFileSync(join(dir, file.name), toYaml(file.objects));
    }
    for (const { name } of directories) {
      const target = join(outRoot, name);
      if (existsSync(target)) renameSync(target, join(staging, `${name}.previous`));
      renameSync(join(staging, name), target);
      written.push(target);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return written;
}
