/**
 * cdk8s entry point (`npm run synth`, `npx cdk8s synth`): loads the environment configs, builds
 * their charts, validates every object and writes dist/<env>/ (or $CDK8S_OUTDIR/<env>/), and,
 * when synthesizing all environments, the Argo CD objects (dist/argocd/, dist/argocd-applicationset/).
 *
 *   npm run synth                 all environments in config/environments/, and the Argo CD objects
 *   npm run synth -- --env prod   only prod (repeat --env for more)
 */
import { parseArgs } from 'node:util';
import { GITOPS_FILE } from './config/gitops.js';
import { ConfigError, ENVIRONMENTS_DIR, listEnvironments } from './config/load.js';
import { isEntryPoint } from './lib/entry-point.js';
import { writeEnvironments } from './lib/output.js';
import { synthesize } from './lib/synth.js';
import { validateRendered } from './lib/validate-rendered.js';

export function synthCommand(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      env: { type: 'string', multiple: true },
      'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
      gitops: { type: 'string', default: GITOPS_FILE },
      outdir: { type: 'string', default: process.env.CDK8S_OUTDIR ?? 'dist' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run synth [-- --env <name> ...] [--config-dir <dir>] [--gitops <file>] [--outdir <dir>]');
    return 0;
  }
  const outRoot = values.outdir;
  const configDir = values['config-dir'];
  if ((values.env ?? listEnvironments(configDir)).length === 0) {
    console.error('error: no environments: add config/environments/<name>.yaml');
    return 1;
  }
  try {
    // Every config is checked before anything is written: one bad file changes nothing.
    const { environments, argocd } = synthesize({ configDir, gitopsFile: values.gitops, environments: values.env });
    validateRendered([...environments, ...argocd]);
    for (const target of writeEnvironments(outRoot, environments, argocd)) console.log(`synthesized ${target}/`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      console.error(`nothing was written; ${outRoot}/ is unchanged`);
      return 1;
    }
    throw error;
  }
}

if (isEntryPoint(import.meta.url)) process.exitCode = synthCommand(process.argv.slice(2));
