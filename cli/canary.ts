/**
 * `npm run canary`: progressive delivery, one command per step (the commands are listed in HELP
 * below, printed by --help). Each change edits config/environments/<env>.yaml in place (comments
 * and layout are kept), validates it, re-synthesizes dist/<env>/ and prints a summary. Nothing is
 * written when the transition is not allowed or the result would be invalid.
 * Exit codes: those of cli/command.ts; analyze exits 0 promote, 3 hold, 4 rollback.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appFileOf, ENVIRONMENTS_DIR, listEnvironments, loadEnvironment, loadEnvironments, parseConfig } from '../config/load.js';
import { chartValuesFiles } from '../helm/chart.js';
import type { Config } from '../config/schema.js';
import { canaryQueries, decide, formatMeasurements, measure, VERDICT_EXIT_CODES, type CanaryMeasurements, type Decision } from '../delivery/canary-analysis.js';
import { environmentContext } from '../config/context.js';
import { replaceFiles, writeEnvironments } from '../core/output.js';
import { applyEdits } from '../delivery/yaml-edit.js';
import { describeRelease, releaseTransition, type ReleaseCommand } from '../delivery/release.js';
import { renderEnvironment } from '../charts/render.js';
import { validateRendered } from '../core/validate/rendered.js';
import { consoleIo, printWarnings, runAsScript, runCommand, UsageError, UserError, type CommandArgs, type Io } from './command.js';

const COMMANDS = ['start', 'promote', 'rollback', 'switch', 'status', 'analyze'] as const;
type Command = (typeof COMMANDS)[number];

const HELP = `commands:
  start --image-tag <tag>   start a canary at the first step (blue-green: stage it on the idle colour)
  promote                   next step; after the last step the canary becomes stable
  rollback                  remove the canary; stable untouched (blue-green: switch back)
  switch                    blue-green services: send all traffic to the idle colour
  status                    current step, weight, tags and what the next command would do
  analyze --prometheus <url> [--at <time>] [--apply]
                            verdict from canary vs stable metrics: exit 0 promote, 3 hold, 4 rollback;
                            --apply then runs promote or rollback
options:
  --service <name>          the web service (default: the one running a canary, else backend)
  --config-dir <dir>        environment files (default config/environments)
  --outdir <dir>            output root (default $CDK8S_OUTDIR or dist)`;

const CANARY = {
  usage: `usage: npm run canary -- <${COMMANDS.join('|')}> --env <env> [--service <name>] [--image-tag <tag>] [--prometheus <url>] [--at <time>] [--apply]`,
  help: HELP,
  maxPositionals: 1,
  options: {
    env: { type: 'string' },
    service: { type: 'string' },
    'image-tag': { type: 'string' },
    prometheus: { type: 'string' },
    at: { type: 'string' },
    apply: { type: 'boolean', default: false },
    'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
    outdir: { type: 'string' },
  },
} as const;

/** Runs one canary command; returns the exit code. */
export function canaryCommand(argv: string[], io: Io = consoleIo): Promise<number> {
  return runCommand(CANARY, argv, (args) => run(args, io), io);
}

async function run({ values, positionals }: CommandArgs<typeof CANARY.options>, io: Io): Promise<number> {
  const [command] = positionals;
  if (!command) throw new UsageError('missing command');
  if (!isCommand(command)) throw new UsageError(`unknown command '${command}'`);
  const envName = values.env;
  if (!envName) throw new UsageError('--env is required');
  const request = requestOf(command, values);
  const when = values.at === undefined ? undefined : parseTime(values.at);
  const outRoot = values.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
  const { file, config, warnings } = loadEnvironment(envName, values['config-dir']);
  printWarnings(io, warnings);
  const service = pickService(config, values.service);

  switch (request.command) {
    case 'status':
      io.out(describeRelease(service, config.services[service]));
      return 0;
    case 'start':
      return change(io, envName, file, outRoot, service, { kind: 'start', tag: request.tag });
    case 'promote':
    case 'rollback':
    case 'switch':
      return change(io, envName, file, outRoot, service, { kind: request.command });
    case 'analyze': {
      const verdict = await analyze(io, envName, config, service, request.prometheus, when);
      if (values.apply && verdict !== 'hold') {
        const code = change(io, envName, file, outRoot, service, { kind: verdict === 'promote' ? 'promote' : 'rollback' });
        if (code !== 0) return code;
      }
      return VERDICT_EXIT_CODES[verdict];
    }
  }
}

const isCommand = (name: string): name is Command => (COMMANDS as readonly string[]).includes(name);

/** A command with the option it requires: start its image tag, analyze the Prometheus URL. */
type Request = { command: 'start'; tag: string } | { command: 'analyze'; prometheus: string } | { command: Exclude<Command, 'start' | 'analyze'> };

function requestOf(command: Command, values: CommandArgs<typeof CANARY.options>['values']): Request {
  switch (command) {
    case 'start':
      if (!values['image-tag']) throw new UsageError('start needs --image-tag <tag>');
      return { command, tag: values['image-tag'] };
    case 'analyze':
      if (!values.prometheus) throw new UsageError('analyze needs --prometheus <url>');
      return { command, prometheus: values.prometheus };
    default:
      return { command };
  }
}

/** --at: RFC 3339 or Unix seconds. */
function parseTime(at: string): Date {
  const when = new Date(Number.isNaN(Number(at)) ? at : Number(at) * 1000);
  if (Number.isNaN(when.getTime())) throw new UsageError(`--at: not a time: ${at} (use RFC 3339 or Unix seconds)`);
  return when;
}

/** --service, else the one service running a canary, else "backend". */
function pickService(config: Config, requested?: string): string {
  const names = Object.keys(config.services).filter((n) => config.services[n].enabled);
  if (requested) {
    if (!names.includes(requested)) throw new UserError(`no enabled web service "${requested}" (services: ${names.join(', ')})`);
    return requested;
  }
  const running = names.filter((n) => config.services[n].canary.enabled);
  if (running.length === 1) return running[0];
  if (running.length > 1) throw new UserError(`canaries run for ${running.join(', ')}: choose one with --service`);
  if (names.includes('backend')) return 'backend';
  throw new UserError(`choose a service with --service (services: ${names.join(', ')})`);
}

/**
 * The Helm chart's values files, when the chart exists: rollout state is values only (helm/chart.ts),
 * so a step rewrites them and leaves the templates as they are.
 */
function updateChartValues(outRoot: string, configDir: string, app: string): string | undefined {
  const chartDir = join(outRoot, 'helm', app);
  if (!existsSync(join(chartDir, 'Chart.yaml'))) return undefined;
  replaceFiles(chartDir, chartValuesFiles(loadEnvironments(listEnvironments(configDir), configDir)).files);
  return chartDir;
}

/** Applies a transition to the environment file, validates, writes the file and re-synthesizes. */
function change(io: Io, envName: string, file: string, outRoot: string, service: string, command: ReleaseCommand): number {
  const text = readFileSync(file, 'utf8');
  // The file is edited; the application layer and the environments it extends stay as they are.
  const layers = { appFile: appFileOf(dirname(file)) };
  const current = parseConfig(text, file, layers);
  const result = releaseTransition(current.services[service], command);
  if (!result.ok) {
    io.err(`error: ${envName}/${service}: ${result.error}`);
    io.err('nothing was changed');
    return 1;
  }
  const updated = applyEdits(text, ['services', service], result.edits);
  const config = parseConfig(updated, file, layers);
  const rendered = renderEnvironment(envName, config);
  validateRendered([rendered]);
  writeFileSync(file, updated);
  const [target] = writeEnvironments(outRoot, [rendered]);
  const chart = updateChartValues(outRoot, dirname(file), config.app.name);
  io.out(`${envName}/${service}: ${result.summary}`);
  io.out(`updated ${file}, ${target}/${chart ? ` and ${chart}/values*.yaml` : ''}; commit them to roll it out`);
  io.out(describeRelease(service, config.services[service]));
  return 0;
}

async function analyze(io: Io, envName: string, config: Config, service: string, prometheus: string, when?: Date): Promise<'promote' | 'hold' | 'rollback'> {
  const canary = config.services[service].canary;
  if (!canary.enabled) throw new UserError(`${envName}/${service}: no canary is running, nothing to analyze`);
  const queries = canaryQueries(service, environmentContext(envName, config).namespace, canary.analysis);
  let decision: Decision;
  let measured: CanaryMeasurements = {};
  try {
    measured = await measure(prometheus, queries, when);
    decision = decide(measured, canary.analysis);
  } catch (error) {
    // An unreachable Prometheus is never a reason to promote.
    decision = { verdict: 'hold' as const, reasons: [`could not query Prometheus at ${prometheus}: ${(error as Error).message}`] };
  }
  io.out(`${envName}/${service}: canary ${canary.tag} -> ${decision.verdict.toUpperCase()}`);
  for (const reason of decision.reasons) io.out(`  - ${reason}`);
  io.out(formatMeasurements(measured));
  return decision.verdict;
}

runAsScript(import.meta.url, (argv) => canaryCommand(argv));
