/**
 * Rules on a whole, schema-valid environment config that a field schema cannot express: names
 * derived from several keys, collisions between user keys and generated ones, limits of the
 * objects the config becomes, and rules across environments. Each problem names the key path it
 * is about, so the loader can point at the line in the file; warnings do not stop synthesis.
 */
import { derivedNameProblems } from '../lib/context.js';
import type { Config } from './schema.js';

export interface ConfigProblem {
  /** Key path in the environment file, e.g. ['services', 'admin', 'env', 'PORT']; [] for the whole file. */
  readonly path: readonly PropertyKey[];
  /** What is wrong and what to do instead. */
  readonly message: string;
  /** A warning is printed but does not stop synthesis. */
  readonly severity: 'error' | 'warning';
}

/** Problems of one environment's config (the environment name is the file's base name). */
export function environmentProblems(name: string, config: Config): ConfigProblem[] {
  return derivedNameProblems(name, config).map((text) => {
    const [key, ...rest] = text.split(': ');
    return { path: key.split('.'), message: rest.join(': '), severity: 'error' as const };
  });
}

export interface NamedConfig {
  readonly name: string;
  readonly file: string;
  readonly config: Config;
}

export interface EnvironmentSetProblem extends ConfigProblem {
  /** The environment file the problem is reported against. */
  readonly file: string;
}

/** Problems that only show across environments (e.g. two environments sharing a namespace). */
export function crossEnvironmentProblems(_environments: readonly NamedConfig[]): EnvironmentSetProblem[] {
  return [];
}
