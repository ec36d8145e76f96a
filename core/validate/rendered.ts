import type { OutputDirectory } from '../output.js';
import { validateManifests } from './index.js';

class InvalidManifestsError extends Error {
  constructor(readonly problems: string[]) {
    super(`synthesized objects failed schema validation (a bug in cdk8s-platform, not in your config):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidManifestsError';
  }
}

/** Validates every object of every environment (or other directory of dist/) against the Kubernetes and CRD schemas. */
export function validateRendered(environments: readonly Pick<OutputDirectory, 'name' | 'files'>[]): void {
  const problems = environments.flatMap((env) =>
    env.files.flatMap((file) => validateManifests(file.objects).map((i) => `${env.name}/${file.name}: ${i.kind}/${i.name}: ${i.message}`)),
  );
  if (problems.length) throw new InvalidManifestsError(problems);
}
