/**
 * cdk8s entry point (`npm run synth`, `npx cdk8s synth`): loads the environment configs, builds
 * their charts, validates every object and writes dist/<env>/ (or $CDK8S_OUTDIR/<env>/).
 *
 *   npm run synth                 all environments in config/environments/
 *   npm run synth -- --env prod   only prod (repeat --env for more)
 */
import { parseArgs } from 'node:util';
import { ConfigError, ENVIRONMENTS_DIR, listEnvironments, loadEnvironment } from './config/load.js';
import { writeEnvironments } from './lib/output.js';
import { renderEnvironment } from './lib/render.js';
import { validateRendered } from './lib/validate-rendered.js';

function main(): number {
  const { values } = parseArgs({
    options: {
      env: { type: 'string', multiple: true },
      'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run synth [-- --env <name> ...] [--config-dir <dir>]');
    return 0;
  }
  const outRoot = process.env.CDK8S_OUTDIR ?? 'dist';
  const configDir = values['config-dir'];
  const names = values.env ?? listEnvironments(configDir);
  if (names.length === 0) {
    console.error('error: no environments: add config/environments/<name>.yaml');
    return 1;
  }
  try {
    // Every config is checked before anything is written: one bad file changes nothing.
    const loaded = names.map((name) => loadEnvironment(name, configDir));
    const rendered = loaded.map(({ name, config }) => renderEnvironment(name, config));
    validateRendered(rendered);
    for (const target of writeEnvironments(outRoot, rendered)) console.log(`synthesized ${target}/`);
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

process.exitCode = main();
