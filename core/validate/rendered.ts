import { ConfigError } from '../../config/load.js';
import type { OutputDirectory } from '../output.js';
import { validateManifests } from './index.js';

class InvalidManifestsError extends Error {
  constructor(readonly problems: string[]) {
    super(`synthesized objects failed schema validation (a bug in cdk8s-platform, not in your config):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'InvalidManifestsError';
  }
}

type Rendered = Pick<OutputDirectory, 'name' | 'files'> & { readonly source?: string; readonly unlisted?: OutputDirectory['files'] };

/**
 * Validates every object of every environment (or other directory of dist/) against the Kubernetes
 * and CRD schemas and the API server's size limits. A schema error is a bug (InvalidManifestsError);
 * an object over a size limit is what the config asked for: a ConfigError naming the config file,
 * the object and what to change.
 */
export function validateRendered(environments: readonly Rendered[]): void {
  const schemaProblems: string[] = [];
  const limitProblems = new Map<string, string[]>();
  for (const env of environments) {
    for (const file of [...env.files, ...(env.unlisted ?? [])]) {
      for (const issue of validateManifests(file.objects)) {
        if (!issue.limit) schemaProblems.push(`${env.name}/${file.name}: ${issue.kind}/${issue.name}: ${issue.message}`);
        else {
          const source = env.source ?? env.name;
          limitProblems.set(source, [...(limitProblems.get(source) ?? []), `${env.name}/${file.name}: ${issue.message}`]);
        }
      }
    }
  }
  if (schemaProblems.length) throw new InvalidManifestsError(schemaProblems);
  for (const [source, problems] of limitProblems) throw new ConfigError(source, problems);
}
