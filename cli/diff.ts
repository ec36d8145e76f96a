/**
 * `npm run diff`: what `npm run synth` would change in dist/, object by object and field by
 * field, without writing anything.
 *
 *   npm run diff                                    every environment and the Argo CD objects
 *   npm run diff -- --env prod                      only dist/prod/
 *   npm run diff -- --env staging --against prod    staging's objects compared with prod's
 *   --stat: only the summary (objects added, removed, changed per directory and file); --json: everything, for tools
 *   Colour (green added, red removed, yellow changed) when stdout is a terminal and NO_COLOR is unset.
 *
 * Exit code: 0 no differences, 1 differences, 2 an invalid config (or committed file) or usage,
 * as diff(1); 70 an internal error (cli/command.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { GITOPS_FILE } from '../config/gitops.js';
import { ENVIRONMENTS_DIR, listEnvironments, loadEnvironment, loadEnvironments } from '../config/load.js';
import { chartStaleness } from '../helm/chart.js';
import { environmentContext } from '../config/context.js';
import { diffFiles, formatDiff, formatStat, isEmptyDiff, summary, withPlaceholders, type ManifestDiff, type ManifestFile } from '../gitops/diff.js';
import { renderEnvironment } from '../charts/render.js';
import type { Manifest } from '../core/manifest.js';
import { outputDirectories, synthesize } from '../synth/synth.js';
import { environmentDirectories } from '../core/output.js';
import { consoleIo, EXIT, printWarnings, runCommand, runAsScript, UsageError, UserError, type Io } from './command.js';

const ENVIRONMENT_PLACEHOLDER = '<env>';

const DIFF = {
  usage: 'usage: npm run diff [-- --env <name> ...] [--against <env>] [--stat | --json] [--dist <dir>] [--config-dir <dir>] [--gitops <file>]',
  options: {
    stat: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    env: { type: 'string', multiple: true },
    against: { type: 'string' },
    dist: { type: 'string' },
    'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
    gitops: { type: 'string', default: GITOPS_FILE },
  },
  // 1 means "differs".
  userErrorCode: EXIT.usage,
} as const;

interface Section {
  readonly title: string;
  readonly diff: ManifestDiff;
  readonly note?: string;
}

/** ANSI colours: only for a terminal, and never when NO_COLOR is set to anything but the empty string (no-color.org). */
export function wantsColour(isTTY: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return isTTY === true && !env.NO_COLOR;
}

export function diffCommand(argv: string[], io: Io = consoleIo, colour = io === consoleIo && wantsColour(process.stdout.isTTY, process.env)): number {
  return runCommand(
    DIFF,
    argv,
    ({ values }) => {
      const dist = values.dist ?? process.env.CDK8S_OUTDIR ?? 'dist';
      const sections =
        values.against === undefined
          ? againstDist(io, dist, values['config-dir'], values.gitops, values.env)
          : againstEnvironment(io, values.env, values.against, values['config-dir']);
      if (values.stat && values.json) throw new UsageError('--stat and --json exclude each other');
      // The Helm chart, when there is one: its values files and whether its templates are stale.
      const chart = values.against === undefined && values.env === undefined ? helmChartStaleness(dist, values['config-dir']) : undefined;
      const differs = sections.some((s) => !isEmptyDiff(s.diff)) || (chart?.stale.length ?? 0) > 0;
      if (values.json) {
        // An absent field (before or after) is left out of its change, as JSON has no undefined.
        io.out(JSON.stringify({ differs, sections, ...(chart ? { chart } : {}) }, null, 2));
        return differs ? 1 : 0;
      }
      // The summary first, one line per directory and one per file that differs: a reviewer sees the extent before the details.
      for (const section of sections) {
        io.out(`${section.title}: ${isEmptyDiff(section.diff) ? 'no differences' : summary(section.diff)}`);
        for (const line of formatStat(section.diff, colour)) io.out(`  ${line}`);
      }
      if (chart) io.out(`${chart.dir}: ${chart.stale.length === 0 ? 'no differences' : `stale: ${chart.stale.join(', ')}; run \`npm run synth:helm\``}`);
      if (!values.stat) for (const section of sections.filter((s) => !isEmptyDiff(s.diff) || s.note)) print(io, section, colour);
      if (sections.some((s) => !isEmptyDiff(s.diff)) && values.against === undefined) io.out(`\n${dist}/ differs from what the config produces: run \`npm run synth\``);
      return differs ? 1 : 0;
    },
    io,
  );
}

/** The committed Helm chart (dist/helm/<app>/) against the config, when it exists (helm/chart.ts chartStaleness). */
function helmChartStaleness(distRoot: string, configDir: string): { dir: string; stale: string[] } | undefined {
  const environments = loadEnvironments(listEnvironments(configDir), configDir);
  if (environments.length === 0) return undefined;
  const dir = join(distRoot, 'helm', environments[0].config.app.name);
  if (!existsSync(join(dir, 'Chart.yaml'))) return undefined;
  const committed = new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .map((f): [string, string] => [f, readFileSync(join(dir, f), 'utf8')]),
  );
  return { dir, stale: chartStaleness(environments, committed) };
}

/** The committed directories against a fresh synthesis: `+` would be added, `-` removed, `~` changed by `npm run synth`. */
function againstDist(io: Io, distRoot: string, configDir: string, gitopsFile: string, environments: string[] | undefined): Section[] {
  const synthesis = synthesize({ configDir, gitopsFile, environments });
  printWarnings(io, synthesis.warnings);
  const expected = outputDirectories(synthesis);
  const produced = new Set(expected.map((d) => d.name));
  // Only a full synthesis knows every directory dist/ should have.
  const stale = environments ? [] : environmentDirectories(distRoot).filter((name) => !produced.has(name));
  return [
    ...expected.map((d) => ({
      title: join(distRoot, d.name),
      diff: diffFiles(readCommitted(join(distRoot, d.name)), d.files),
    })),
    ...stale.map((name) => ({
      title: join(distRoot, name),
      diff: diffFiles(readCommitted(join(distRoot, name)), []),
      note: 'no environment file produces this directory any more',
    })),
  ];
}

/**
 * One environment's rendered objects against another's, matched by kind/name. Differences every
 * pair of environments has are left out: the namespace field, and the namespace and instance
 * name wherever they appear (labels, DNS names), which both read <env>.
 */
function againstEnvironment(io: Io, environments: string[] | undefined, against: string, configDir: string): Section[] {
  if (environments?.length !== 1) throw new UsageError('--against compares one environment with another: give exactly one --env');
  const [name] = environments;
  const normalized = (env: string) => {
    const { config, warnings } = loadEnvironment(env, configDir);
    printWarnings(io, warnings);
    const context = environmentContext(env, config);
    const replacements = { [context.namespace]: ENVIRONMENT_PLACEHOLDER, [context.labels.instance]: ENVIRONMENT_PLACEHOLDER };
    return {
      files: renderEnvironment(env, config).files.map((f) => ({ name: f.name, objects: withPlaceholders(f.objects, replacements) })),
      identity: context.namespace === context.labels.instance ? context.namespace : `${context.namespace}, ${context.labels.instance}`,
    };
  };
  const [base, other] = [normalized(against), normalized(name)];
  return [
    {
      title: `${name} against ${against} (+ only in ${name}, - only in ${against}, ~ ${against} -> ${name})`,
      diff: diffFiles(base.files, other.files),
      note: `ignored: metadata.namespace, and the namespace and instance names (${base.identity} / ${other.identity}), shown as ${ENVIRONMENT_PLACEHOLDER}`,
    },
  ];
}

function print(io: Io, section: Section, colour: boolean): void {
  io.out('');
  io.out(`${section.title}:`);
  if (section.note) io.out(`  (${section.note})`);
  for (const line of formatDiff(section.diff, colour)) io.out(`  ${line}`);
}

/** Every object of every YAML file of a committed directory (and its subdirectories: restore/), file by file; none when it does not exist. */
function readCommitted(dir: string): ManifestFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split(sep).join('/'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const documents = parseAllDocuments(readFileSync(file, 'utf8'));
      const problem = documents.flatMap((d) => d.errors)[0];
      if (problem) throw new UserError(`${file}: not valid YAML: ${problem.message.split('\n')[0]}`);
      return { name: f, objects: documents.map((d) => d.toJS() as unknown).filter((o): o is Manifest => typeof o === 'object' && o !== null && !Array.isArray(o)) };
    });
}

runAsScript(import.meta.url, (argv) => diffCommand(argv));
