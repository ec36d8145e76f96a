/**
 * `npm run synth:helm`: writes the Helm chart to dist/helm/<app>/ (see lib/helm/chart.ts).
 * Every environment file is loaded and checked first: a bad config writes nothing.
 *
 *   npm run synth:helm [-- --config-dir <dir>] [--outdir <dir>]
 */
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, ENVIRONMENTS_DIR, listEnvironments, loadEnvironment } from '../config/load.js';
import { isEntryPoint } from '../lib/entry-point.js';
import { buildHelmChart, type HelmChart } from '../lib/helm/chart.js';

export function helmCommand(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: {
      'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
      outdir: { type: 'string', default: join('dist', 'helm') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: npm run synth:helm [-- --config-dir <dir>] [--outdir <dir>]');
    return 0;
  }
  const configDir = values['config-dir'];
  const names = listEnvironments(configDir);
  if (names.length === 0) {
    console.error(`error: no environments in ${configDir}`);
    return 1;
  }
  try {
    const chart = buildHelmChart(names.map((name) => loadEnvironment(name, configDir)));
    const target = writeChart(values.outdir, chart);
    console.log(`synthesized ${target}/ (${chart.files.size} files, templates merged from ${chart.variants} configs)`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`error: ${error.message}`);
      console.error(`nothing was written; ${values.outdir}/ is unchanged`);
      return 1;
    }
    throw error;
  }
}

/** Writes the chart next to its target and swaps it in with renames: never a half-written chart. */
export function writeChart(outRoot: string, chart: HelmChart): string {
  mkdirSync(outRoot, { recursive: true });
  const staging = mkdtempSync(join(outRoot, '.staging-'));
  const target = join(outRoot, chart.name);
  try {
    for (const [path, content] of chart.files) {
      mkdirSync(dirname(join(staging, chart.name, path)), { recursive: true });
      writeFileSync(join(staging, chart.name, path), content);
    }
    if (existsSync(target)) renameSync(target, join(staging, 'previous'));
    renameSync(join(staging, chart.name), target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

if (isEntryPoint(import.meta.url)) process.exitCode = helmCommand(process.argv.slice(2));
