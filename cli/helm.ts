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
import { ChartGenerationError } from '../helm/merge.js';
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
      const chart = buildChart(loaded);
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

/** The chart, with a difference it cannot express reported as the user's to fix (one line, exit 1). */
function buildChart(environments: Parameters<typeof buildHelmChart>[0]): ReturnType<typeof buildHelmChart> {
  try {
    return buildHelmChart(environments);
  } catch (error) {
    if (error instanceof ChartGenerationError) throw new UserError(`the Helm chart cannot express ${error.message}`);
    throw error;
  }
}

runAsScript(import.meta.url, (argv) => helmCommand(argv));
