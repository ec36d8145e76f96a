/**
 * `npm run synth:helm`: writes the Helm chart to dist/helm/<app>/ (see helm/chart.ts).
 * Every environment file is loaded and checked first: a bad config writes nothing.
 *
 *   npm run synth:helm [-- --config-dir <dir>] [--outdir <dir>]
 */
import { join } from 'node:path';
import { ENVIRONMENTS_DIR, listEnvironments, loadEnvironments } from '../config/load.js';
import { writeDirectory } from '../core/output.js';
import { buildHelmChart } from '../helm/chart.js';
import { consoleIo, printWarnings, runAsScript, runCommand, UserError, type Io } from './command.js';

const OUTDIR = join('dist', 'helm');

const HELM = {
  usage: 'usage: npm run synth:helm [-- --config-dir <dir>] [--outdir <dir>]',
  options: {
    'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
    outdir: { type: 'string', default: OUTDIR },
  },
  afterUserError: ({ outdir }: { outdir?: string }) => `nothing was written; ${outdir ?? OUTDIR}/ is unchanged`,
} as const;

export function helmCommand(argv: string[], io: Io = consoleIo): number {
  return runCommand(
    HELM,
    argv,
    ({ values }) => {
      const configDir = values['config-dir'];
      const names = listEnvironments(configDir);
      if (names.length === 0) throw new UserError(`no environments in ${configDir}`);
      const loaded = loadEnvironments(names, configDir);
      const chart = buildHelmChart(loaded);
      printWarnings(
        io,
        loaded.flatMap((env) => env.warnings),
      );
      const target = writeDirectory(values.outdir, chart.name, chart.files);
      io.out(`synthesized ${target}/ (${chart.files.size} files, templates merged from ${chart.variants} configs)`);
      return 0;
    },
    io,
  );
}

runAsScript(import.meta.url, (argv) => helmCommand(argv));
