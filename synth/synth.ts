import { basename, isAbsolute, relative, sep } from 'node:path';
import { renderArgoCd } from '../gitops/argocd-chart.js';
import { ENVIRONMENTS_DIR, listEnvironments, loadEnvironments, loadGitOps } from '../config/load.js';
import { GITOPS_FILE } from '../config/gitops.js';
import { environmentDirectory, type OutputDirectory } from '../core/output.js';
import { renderEnvironment } from '../charts/render.js';
import type { RenderedEnvironment } from '../core/manifest.js';

export interface SynthesisOptions {
  /** Directory of the environment files. */
  readonly configDir?: string;
  /** config/gitops.yaml */
  readonly gitopsFile?: string;
  /** Only these environments, and then no Argo CD objects; default: every environment file. */
  readonly environments?: readonly string[];
}

export interface Synthesis {
  readonly environments: RenderedEnvironment[];
  /** dist/argocd/ and dist/argocd-applicationset/, when every environment is synthesized. */
  readonly argocd: OutputDirectory[];
  /** Problems that do not stop synthesis (e.g. two environments sharing a host), one line each. */
  readonly warnings: string[];
}

/**
 * Loads and renders in memory everything `npm run synth` writes; throws ConfigError for any
 * mistake in any file, before anything is written. The Argo CD objects describe all the
 * environments, so they are rendered only when every environment is.
 */
export function synthesize(options: SynthesisOptions = {}): Synthesis {
  const configDir = options.configDir ?? ENVIRONMENTS_DIR;
  const all = options.environments === undefined;
  const loaded = loadEnvironments(options.environments ?? listEnvironments(configDir), configDir);
  const gitops = all ? loadGitOps(options.gitopsFile ?? GITOPS_FILE) : undefined;
  const environments = loaded.map(({ name, file, config }) => ({ ...renderEnvironment(name, config), source: sourceName(file) }));
  const argocd = gitops
    ? renderArgoCd(
        gitops,
        loaded.map(({ name, config }, i) => ({ name, config, objects: environments[i].files.flatMap((f) => f.objects) })),
      )
    : [];
  return { environments, argocd, warnings: loaded.flatMap((env) => env.warnings) };
}

/** The config file as generated files name it: relative to the working directory when inside it. */
function sourceName(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') || isAbsolute(rel) ? basename(file) : rel.split(sep).join('/');
}

/** Every directory of dist/ a synthesis produces, as written. */
export function outputDirectories(synthesis: Synthesis): OutputDirectory[] {
  return [...synthesis.environments.map(environmentDirectory), ...synthesis.argocd];
}
