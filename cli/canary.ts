/**
 * `npm run canary`: progressive delivery, one command per step (the commands are listed in HELP
 * below, printed by --help). Each change edits config/environments/<env>.yaml in place (comments
 * and layout are kept), validates it, re-synthesizes dist/<env>/ and prints a summary. Nothing is
 * written when the transition is not allowed or the result would be invalid.
 * Exit codes: those of cli/command.ts; analyze exits 0 promote, 3 hold, 4 rollback.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { appFileOf, ENVIRONMENTS_DIR, listEnvironments, loadEnvironment, loadEnvironments, parseConfig } from '../config/load.js';
import { chartValuesFiles } from '../helm/chart.js';
import type { Config, WebServiceConfig } from '../config/schema.js';
import {
  canaryQueries,
  decide,
  formatMeasurements,
  measure,
  noDataHints,
  PrometheusQueryError,
  VERDICT_EXIT_CODES,
  type CanaryMeasurements,
  type CanaryQueries,
  type Decision,
  type PrometheusEndpoint,
  type Verdict,
} from '../delivery/canary-analysis.js';
import { liveWeight, type LiveWeight } from '../delivery/live-weight.js';
import { environmentContext } from '../config/context.js';
import { serviceDelivery } from '../config/delivery.js';
import { replaceFiles, writeEnvironments } from '../core/output.js';
import { applyEdits } from '../delivery/yaml-edit.js';
import { describeRelease, releaseTransition, type ReleaseCommand } from '../delivery/release.js';
import { renderEnvironment } from '../charts/render.js';
import { validateRendered } from '../core/validate/rendered.js';
import { diffManifests, formatDiff, isEmptyDiff, summary } from '../gitops/diff.js';
import { valueAt } from '../helm/knobs.js';
import { bakeTimeLeft, currentWeight, nextStep, type Edit } from '../delivery/canary.js';
import { idleColour, idleState } from '../delivery/blue-green.js';
import { consoleIo, EXIT, printWarnings, runAsScript, runCommand, UsageError, UserError, type CommandArgs, type Io } from './command.js';

const COMMANDS = ['start', 'promote', 'rollback', 'switch', 'status', 'analyze'] as const;
type Command = (typeof COMMANDS)[number];

const HELP = `commands:
  start --image-tag <tag>   start a canary at the first step (blue-green: stage it on the idle colour)
  promote [--force]         next step once the bake time (canary.minStepDuration) is over, else exit 3;
                            after the last step the canary becomes stable
  rollback                  remove the canary; stable untouched (blue-green: switch back)
  switch                    blue-green services: send all traffic to the idle colour
  status                    current step, weight, tags and what the next command would do
  analyze --prometheus <url> [--at <time>] [--apply] [--timeout <duration>]
          [--bearer-token-file <file>] [--header 'Name: value' ...]
                            verdict from canary vs stable metrics: exit 0 promote, 3 hold, 4 rollback;
                            --apply then runs promote or rollback; --timeout per query (default 10s);
                            credentials: a bearer token read from a file, or any header (repeatable)
  status and analyze also compare the live canary weight (Ingress, HTTPRoute) with the config's when kubectl
  has a current context.
  Repeating a command whose result holds already changes nothing, says so and exits 0.
options:
  --dry-run                 print the config change and the manifest diff; write nothing
  --json                    one JSON object on stdout, for machines
  --service <name>          the web service (default: the one running a canary, else backend)
  --config-dir <dir>        environment files (default config/environments)
  --outdir <dir>            output root (default $CDK8S_OUTDIR or dist)`;

const CANARY = {
  usage: `usage: npm run canary -- <${COMMANDS.join('|')}> --env <env> [--service <name>] [--image-tag <tag>] [--force] [--dry-run] [--json] [--prometheus <url>] [--at <time>] [--apply] [--timeout <duration>] [--bearer-token-file <file>] [--header <header>]`,
  help: HELP,
  maxPositionals: 1,
  options: {
    env: { type: 'string' },
    service: { type: 'string' },
    'image-tag': { type: 'string' },
    prometheus: { type: 'string' },
    timeout: { type: 'string' },
    'bearer-token-file': { type: 'string' },
    header: { type: 'string', multiple: true },
    at: { type: 'string' },
    apply: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
    outdir: { type: 'string' },
  },
} as const;

/** What a run may take from outside: the clock (tests fix it). */
export interface CanaryContext {
  readonly now?: () => Date;
}

/** Runs one canary command; returns the exit code. */
export function canaryCommand(argv: string[], io: Io = consoleIo, context: CanaryContext = {}): Promise<number> {
  return runCommand(CANARY, argv, (args) => run(args, io, context.now ?? (() => new Date())), io);
}

/** Exit code of a promote refused while the bake time runs: "not yet", like analyze's hold. */
const EXIT_WAIT = VERDICT_EXIT_CODES.hold;

async function run({ values, positionals }: CommandArgs<typeof CANARY.options>, io: Io, now: () => Date): Promise<number> {
  const [command] = positionals;
  if (!command) throw new UsageError('missing command');
  if (!isCommand(command)) throw new UsageError(`unknown command '${command}'`);
  const envName = values.env;
  if (!envName) throw new UsageError('--env is required');
  const request = requestOf(command, values);
  const when = values.at === undefined ? undefined : parseTime(values.at);
  if (values.force && command !== 'promote' && command !== 'analyze') throw new UsageError('--force is an option of promote (and analyze --apply)');
  if (values['dry-run'] && (command === 'status' || (command === 'analyze' && !values.apply))) throw new UsageError(`--dry-run: ${command} writes nothing anyway`);
  const outRoot = values.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
  const { file, config, warnings } = loadEnvironment(envName, values['config-dir']);
  printWarnings(io, warnings);
  const service = pickService(config, values.service);
  // --json: what the steps report goes into one object, printed at the end (analyze --apply: the change under `apply`).
  const reports: Report[] = [];
  const options: ChangeOptions = { dryRun: values['dry-run'], report: values.json ? (value) => void reports.push(value) : undefined, now: now() };
  const target: Target = { envName, file, outRoot, service };
  const code = await (async (): Promise<number> => {
    switch (request.command) {
      case 'status': {
        const live = liveCheck(envName, config, service);
        const engine = serviceDelivery(config, config.services[service]).engine;
        // An Argo Rollout runs its releases in the cluster: the config holds no step to report.
        const text =
          engine === 'argo-rollouts'
            ? `${service}: released by Argo Rollouts (delivery.engine argo-rollouts), image ${config.services[service].image.tag}; where the rollout stands: kubectl argo rollouts get rollout ${service} -n ${environmentContext(envName, config).namespace}`
            : describeRelease(service, config.services[service], options.now);
        if (options.report) {
          options.report({ env: envName, service, engine, status: statusOf(config.services[service], options.now), live: live ?? null, text });
        } else {
          io.out(text);
          if (live) io.out(`  ${live.summary}`);
        }
        return 0;
      }
      case 'start':
        return change(io, target, { kind: 'start', tag: request.tag, now: options.now }, options);
      case 'promote':
        return change(io, target, { kind: 'promote', now: options.now, force: values.force }, options);
      case 'rollback':
      case 'switch':
        return change(io, target, { kind: request.command }, options);
      case 'analyze': {
        const endpoint: PrometheusEndpoint = {
          url: request.prometheus,
          timeoutMs: timeoutMs(values.timeout),
          headers: requestHeaders(values.header, values['bearer-token-file']),
        };
        const verdict = await analyze(io, envName, config, service, endpoint, { when, report: options.report });
        if (verdict === undefined) return EXIT.userError;
        if (values.apply && verdict !== 'hold') {
          const code = change(io, target, verdict === 'promote' ? { kind: 'promote', now: options.now, force: values.force } : { kind: 'rollback' }, options);
          if (code !== 0) return code;
        }
        return VERDICT_EXIT_CODES[verdict];
      }
    }
  })();
  if (reports.length > 0) io.out(json(reports.length === 1 ? reports[0] : { ...reports[0], apply: reports[1] }));
  return code;
}

/** What a step reports for --json. */
type Report = Record<string, unknown>;

const isCommand = (name: string): name is Command => (COMMANDS as readonly string[]).includes(name);

/** A command with the option it requires: start its image tag, analyze the Prometheus URL. */
type Request = { command: 'start'; tag: string } | { command: 'analyze'; prometheus: string } | { command: Exclude<Command, 'start' | 'analyze'> };

const ANALYZE_OPTIONS = ['prometheus', 'timeout', 'bearer-token-file', 'header', 'at', 'apply'] as const;

function requestOf(command: Command, values: CommandArgs<typeof CANARY.options>['values']): Request {
  switch (command) {
    case 'start':
      if (!values['image-tag']) throw new UsageError('start needs --image-tag <tag>');
      return { command, tag: values['image-tag'] };
    case 'analyze':
      if (!values.prometheus) throw new UsageError('analyze needs --prometheus <url>');
      return { command, prometheus: prometheusUrl(values.prometheus) };
    default: {
      const stray = ANALYZE_OPTIONS.find((option) => values[option] !== undefined && values[option] !== false);
      if (stray) throw new UsageError(`--${stray} is an option of analyze`);
      return { command };
    }
  }
}

/** --prometheus: an http(s) URL with a host (checked before anything is asked, so a typo is a usage error, not a hold). */
function prometheusUrl(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  // "prometheus:9090" parses, as the scheme "prometheus:".
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new UsageError(`--prometheus: not an http(s) URL: ${text} (e.g. http://prometheus.monitoring:9090)`);
  }
  if (url.search || url.hash) throw new UsageError(`--prometheus: the base URL of Prometheus, without ?query or #fragment: ${text}`);
  return text;
}

/** --timeout: a duration such as 10s, 500ms or 1m. */
function timeoutMs(text: string | undefined): number {
  if (text === undefined) return 10_000;
  const match = /^([0-9]+)(ms|s|m)$/.exec(text);
  if (!match || Number(match[1]) === 0) throw new UsageError(`--timeout: not a duration: ${text} (e.g. 10s, 500ms, 1m)`);
  return Number(match[1]) * { ms: 1, s: 1000, m: 60_000 }[match[2] as 'ms' | 's' | 'm'];
}

/** --header 'Name: value' (repeatable) and --bearer-token-file: the request headers of every query. */
function requestHeaders(headers: readonly string[] | undefined, tokenFile: string | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const header of headers ?? []) {
    const match = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):\s*(.*)$/.exec(header);
    if (!match?.[2]) throw new UsageError(`--header: not 'Name: value': ${header}`);
    result[match[1]] = match[2].trim();
  }
  if (tokenFile !== undefined) {
    if (Object.keys(result).some((name) => name.toLowerCase() === 'authorization')) throw new UsageError('--bearer-token-file and --header Authorization exclude each other');
    let token: string;
    try {
      token = readFileSync(tokenFile, 'utf8').trim();
    } catch (error) {
      throw new UserError(`--bearer-token-file: cannot read ${tokenFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
    if (!token || /\s/.test(token)) throw new UserError(`--bearer-token-file: ${tokenFile} ${token ? 'holds more than one word' : 'is empty'}: it must hold the token alone`);
    result.Authorization = `Bearer ${token}`;
  }
  return result;
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

interface Target {
  readonly envName: string;
  readonly file: string;
  readonly outRoot: string;
  readonly service: string;
}

interface ChangeOptions {
  readonly dryRun: boolean;
  /** --json: where the step's object goes (printed by run); undefined: print for people. */
  readonly report?: (value: Report) => void;
  readonly now: Date;
}

/** One changed key of the service's config: its effective value before and after (undefined: not set). */
interface ConfigChange {
  readonly key: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * Applies a transition to the environment file, validates, writes the file and re-synthesizes;
 * with --dry-run prints what would change instead. A transition without edits (the state asked
 * for holds already) writes nothing and exits 0.
 */
function change(io: Io, target: Target, command: ReleaseCommand, options: ChangeOptions): number {
  const { envName, file, outRoot, service } = target;
  const text = readFileSync(file, 'utf8');
  // The file is edited; the application layer and the environments it extends stay as they are.
  const layers = { appFile: appFileOf(dirname(file)) };
  const current = parseConfig(text, file, layers);
  const result = releaseTransition(current.services[service], command);
  const base = { env: envName, service, command: command.kind, dryRun: options.dryRun };
  if (!result.ok) {
    io.err(`error: ${envName}/${service}: ${result.error}`);
    io.err('nothing was changed');
    if (options.report)
      options.report({ ...base, ok: false, changed: false, error: result.error, ...(result.waitSeconds === undefined ? {} : { waitSeconds: result.waitSeconds }) });
    return result.waitSeconds === undefined ? EXIT.userError : EXIT_WAIT;
  }
  if (result.edits.length === 0) {
    if (options.report) options.report({ ...base, ok: true, changed: false, summary: result.summary, status: statusOf(current.services[service], options.now) });
    else {
      io.out(`${envName}/${service}: ${result.summary}`);
      io.out(`nothing to change in ${file}`);
    }
    return 0;
  }
  const updated = applyEdits(text, ['services', service], result.edits);
  // Problems cite the file as it is on disk, not the edited text.
  const config = parseConfig(updated, file, { ...layers, onDisk: text });
  const rendered = renderEnvironment(envName, config);
  validateRendered([rendered]);
  const changes = configChanges(current.services[service], config.services[service], service, result.edits);
  if (options.dryRun) {
    const before = renderEnvironment(envName, current).files.flatMap((f) => f.objects);
    const manifests = diffManifests(
      before,
      rendered.files.flatMap((f) => f.objects),
    );
    if (options.report) {
      options.report({ ...base, ok: true, changed: true, summary: result.summary, file, config: changes, manifests, status: statusOf(config.services[service], options.now) });
      return 0;
    }
    io.out(`${envName}/${service}: would do: ${result.summary} (dry run: nothing written)`);
    io.out('');
    io.out(`${file}:`);
    for (const line of table(
      ['key', 'now', 'after'],
      changes.map((c) => [c.key, show(c.before), show(c.after)]),
    ))
      io.out(`  ${line}`);
    io.out('');
    io.out(`${join(outRoot, envName)}/: ${isEmptyDiff(manifests) ? 'no differences' : summary(manifests)}`);
    for (const line of formatDiff(manifests)) io.out(`  ${line}`);
    return 0;
  }
  writeFileSync(file, updated);
  const [written] = writeEnvironments(outRoot, [rendered]);
  const chart = updateChartValues(outRoot, dirname(file), config.app.name);
  if (options.report) {
    const files = [file, `${written}/`, ...(chart ? [`${chart}/values*.yaml`] : [])];
    options.report({ ...base, ok: true, changed: true, summary: result.summary, file, config: changes, written: files, status: statusOf(config.services[service], options.now) });
    return 0;
  }
  io.out(`${envName}/${service}: ${result.summary}`);
  io.out(`updated ${file}, ${written}/${chart ? ` and ${chart}/values*.yaml` : ''}; commit them to roll it out`);
  io.out(describeRelease(service, config.services[service], options.now));
  return 0;
}

/** The keys a transition edits, with their values before and after. */
function configChanges(before: WebServiceConfig, after: WebServiceConfig, service: string, edits: readonly Edit[]): ConfigChange[] {
  return edits
    .map((edit) => ({ key: ['services', service, ...edit.path].join('.'), before: valueAt(before, edit.path), after: valueAt(after, edit.path) }))
    .filter((c) => JSON.stringify(c.before) !== JSON.stringify(c.after));
}

const show = (value: unknown): string => (value === undefined ? '-' : typeof value === 'string' ? value : JSON.stringify(value));

const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** Rows under a header, columns padded to their widest cell. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)];
}

/** The release state of a service, for --json. */
function statusOf(service: WebServiceConfig, now: Date): Record<string, unknown> {
  if (service.blueGreen.enabled) {
    const bg = service.blueGreen;
    return {
      strategy: 'blue-green',
      active: bg.active,
      activeTag: service.image.tag,
      idle: idleColour(service),
      idleTag: bg.idleTag ?? null,
      idleState: idleState(service) ?? null,
    };
  }
  const canary = service.canary;
  if (!canary.enabled) return { strategy: 'canary', running: false, stableTag: service.image.tag, minStepDuration: canary.minStepDuration };
  return {
    strategy: 'canary',
    running: true,
    stableTag: service.image.tag,
    canaryTag: canary.tag,
    weight: currentWeight(canary),
    weightTotal: canary.weightTotal,
    steps: canary.steps,
    nextWeight: nextStep(canary) ?? null,
    stepStartedAt: canary.stepStartedAt ?? null,
    minStepDuration: canary.minStepDuration,
    bakeSecondsLeft: Math.ceil(bakeTimeLeft(canary, now)),
  };
}

/**
 * Measures and decides; prints the verdict, its reasons, the figures and hints. Undefined (exit 1)
 * when Prometheus answers in a way that waiting will not change (a 4xx, not its JSON API, a
 * rejected query); a refused connection, a timeout or a 5xx is a hold: never a promotion.
 */
async function analyze(
  io: Io,
  envName: string,
  config: Config,
  service: string,
  endpoint: PrometheusEndpoint,
  options: { when?: Date; report?: (value: Report) => void },
): Promise<Verdict | undefined> {
  const canary = config.services[service].canary;
  if (!canary.enabled) throw new UserError(`${envName}/${service}: no canary is running, nothing to analyze`);
  const namespace = environmentContext(envName, config).namespace;
  const queries = canaryQueries(service, namespace, canary.analysis);
  let decision: Decision;
  let measured: CanaryMeasurements = {};
  let hints: string[] = [];
  try {
    measured = await measure(endpoint, queries, options.when);
    decision = decide(measured, canary.analysis);
    if (decision.verdict === 'hold') hints = noDataHints(measured, canary.analysis, { service, namespace, serviceMonitorLabels: config.monitoring.serviceMonitorLabels });
  } catch (error) {
    if (!(error instanceof PrometheusQueryError)) throw error;
    const line = `could not query Prometheus at ${endpoint.url}: ${error.message}`;
    if (!error.transient) {
      io.err(`error: ${envName}/${service}: ${line}`);
      if (options.report) options.report({ env: envName, service, canaryTag: canary.tag, verdict: null, error: line, failure: error.kind });
      return undefined;
    }
    decision = { verdict: 'hold', reasons: [line] };
  }
  const live = liveCheck(envName, config, service);
  if (options.report) {
    options.report({
      env: envName,
      service,
      canaryTag: canary.tag,
      verdict: decision.verdict,
      exitCode: VERDICT_EXIT_CODES[decision.verdict],
      reasons: decision.reasons,
      // JSON has no infinity: +Inf as Prometheus writes it (JSON.stringify would make it null, "no data").
      measurements: Object.fromEntries(
        (Object.keys(queries) as (keyof CanaryQueries)[]).map((key) => {
          const value = measured[key];
          return [key, value === undefined ? null : Number.isFinite(value) ? value : value > 0 ? '+Inf' : '-Inf'];
        }),
      ),
      hints,
      live: live ?? null,
    });
    return decision.verdict;
  }
  io.out(`${envName}/${service}: canary ${canary.tag} -> ${decision.verdict.toUpperCase()}`);
  for (const reason of decision.reasons) io.out(`  - ${reason}`);
  io.out(formatMeasurements(measured, canary.analysis));
  for (const hint of hints) io.out(`  hint: ${hint}`);
  if (live) io.out(`  ${live.summary}`);
  return decision.verdict;
}

type LiveCheck = LiveWeight | { readonly error: string; readonly summary: string };

/**
 * The live canary weight, when kubectl has a current context (a kubeconfig); undefined otherwise,
 * as there is no cluster to ask. Ingresses (ingress-nginx) and, where the cluster has the kind,
 * HTTPRoutes (Gateway API); a blue-green service has no weight.
 */
function liveCheck(envName: string, config: Config, service: string): LiveCheck | undefined {
  // Blue-green has no weight; an Argo Rollout sets the weights itself, so the config has none to compare.
  if (config.services[service].blueGreen.enabled || serviceDelivery(config, config.services[service]).engine === 'argo-rollouts') return undefined;
  const kubectl = (args: string[]) => spawnSync('kubectl', args, { encoding: 'utf8', timeout: 20_000 });
  const context = kubectl(['config', 'current-context']);
  if (context.error || context.status !== 0 || !context.stdout.trim()) return undefined;
  const namespace = environmentContext(envName, config).namespace;
  const list = (resource: string): { items: unknown } | { error: string } => {
    const answer = kubectl(['get', resource, '--namespace', namespace, '--output', 'json', '--request-timeout=10s']);
    if (answer.error || answer.status !== 0) return { error: (answer.stderr || answer.error?.message || `exit ${answer.status}`).trim().split('\n')[0] };
    try {
      return { items: JSON.parse(answer.stdout) as unknown };
    } catch {
      return { error: 'kubectl printed no JSON' };
    }
  };
  const ingresses = list('ingress');
  if ('error' in ingresses) return { error: ingresses.error, summary: `live: could not read the Ingresses of ${namespace} (context ${context.stdout.trim()}): ${ingresses.error}` };
  // A cluster without the Gateway API CRDs has no HTTPRoutes to compare.
  const httpRoutes = list('httproutes.gateway.networking.k8s.io');
  return liveWeight({ ingresses: ingresses.items, httpRoutes: 'error' in httpRoutes ? undefined : httpRoutes.items }, service, config.services[service]);
}

runAsScript(import.meta.url, (argv) => canaryCommand(argv));
