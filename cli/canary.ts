/**
 * npm run canary -- <command> --env <env> [--service <name>]
 *
 *   start --image-tag <tag>   start a canary at the first step (blue-green: stage it on the idle colour)
 *   promote                   next step; after the last step the canary becomes stable
 *   rollback                  remove the canary; stable untouched (blue-green: switch back)
 *   switch                    blue-green services: send all traffic to the idle colour
 *   status                    current step, weight, tags and what the next command would do
 *   analyze --prometheus <url> [--at <time>] [--apply]
 *                             verdict from canary vs stable metrics: exit 0 promote, 3 hold, 4 rollback;
 *                             --apply then runs promote or rollback
 *
 * Each change edits config/environments/<env>.yaml in place (comments and layout are kept),
 * validates it, re-synthesizes dist/<env>/ and prints a summary. Nothing is written when the
 * transition is not allowed or the result would be invalid. Errors exit 1.
 * Options: --config-dir <dir> (default config/environments), --outdir <dir> (default $CDK8S_OUTDIR or dist).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, ENVIRONMENTS_DIR, loadEnvironment, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { canaryQueries, decide, formatMeasurements, measure, VERDICT_EXIT_CODES, type CanaryMeasurements } from '../lib/canary-analysis.js';
import { environmentContext } from '../lib/context.js';
import { writeEnvironments } from '../lib/output.js';
import { isEntryPoint } from '../lib/entry-point.js';
import { applyEdits } from '../lib/yaml-edit.js';
import { describeRelease, releaseTransition, type ReleaseCommand } from '../lib/release.js';
import { renderEnvironment } from '../lib/render.js';
import { validateRendered } from '../lib/validate-rendered.js';

class UsageError extends Error {}

const USAGE = 'usage: npm run canary -- <start|promote|rollback|switch|status|analyze> --env <env> [--service <name>] [--image-tag <tag>] [--prometheus <url>] [--at <time>] [--apply]';

/** Runs one canary command; returns the exit code. Only bugs throw. */
export async function canaryCommand(argv: string[]): Promise<number> {
  try {
    return await run(argv);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(`error: ${error.message}`);
      if (error instanceof UsageError) console.error(USAGE);
      return 1;
    }
    throw error;
  }
}

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      env: { type: 'string' },
      service: { type: 'string' },
      'image-tag': { type: 'string' },
      prometheus: { type: 'string' },
      at: { type: 'string' },
      apply: { type: 'boolean', default: false },
      'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
      outdir: { type: 'string', default: process.env.CDK8S_OUTDIR ?? 'dist' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command] = positionals;
  if (!values.env) throw new UsageError('--env is required');
  const configDir = values['config-dir'];
  const outRoot = values.outdir;
  const { file, config } = loadEnvironment(values.env, configDir);
  const service = pickService(config, values.service);

  switch (command) {
    case 'status':
      console.log(describeRelease(service, config.services[service]));
      return 0;
    case 'start':
      if (!values['image-tag']) throw new UsageError('start needs --image-tag <tag>');
      return change(values.env, file, outRoot, service, { kind: 'start', tag: values['image-tag'] });
    case 'promote':
    case 'rollback':
    case 'switch':
      return change(values.env, file, outRoot, service, { kind: command });
    case 'analyze': {
      if (!values.prometheus) throw new UsageError('analyze needs --prometheus <url>');
      const verdict = await analyze(values.env, config, service, values.prometheus, values.at);
      if (values.apply && verdict !== 'hold') {
        const code = change(values.env, file, outRoot, service, { kind: verdict === 'promote' ? 'promote' : 'rollback' });
        if (code !== 0) return code;
      }
      return VERDICT_EXIT_CODES[verdict];
    }
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  }
}

/** --service, else the one service running a canary, else "backend". */
function pickService(config: Config, requested?: string): string {
  const names = Object.keys(config.services).filter((n) => config.services[n].enabled);
  if (requested) {
    if (!names.includes(requested)) throw new UsageError(`no enabled web service "${requested}" (services: ${names.join(', ')})`);
    return requested;
  }
  const running = names.filter((n) => config.services[n].canary.enabled);
  if (running.length === 1) return running[0];
  if (running.length > 1) throw new UsageError(`canaries run for ${running.join(', ')}: choose one with --service`);
  if (names.includes('backend')) return 'backend';
  throw new UsageError(`choose a service with --service (services: ${names.join(', ')})`);
}

/** Applies a transition to the environment file, validates, writes the file and re-synthesizes. */
function change(envName: string, file: string, outRoot: string, service: string, command: ReleaseCommand): number {
  const text = readFileSync(file, 'utf8');
  const current = parseConfig(text, file);
  const result = releaseTransition(current.services[service], command);
  if (!result.ok) {
    console.error(`error: ${envName}/${service}: ${result.error}\nnothing was changed`);
    return 1;
  }
  const updated = applyEdits(text, ['services', service], result.edits);
  const config = parseConfig(updated, file);
  const rendered = renderEnvironment(envName, config);
  validateRendered([rendered]);
  writeFileSync(file, updated);
  const [target] = writeEnvironments(outRoot, [rendered]);
  console.log(`${envName}/${service}: ${result.summary}`);
  console.log(`updated ${file} and ${target}/; commit both to roll it out`);
  console.log(describeRelease(service, config.services[service]));
  return 0;
}

async function analyze(envName: string, config: Config, service: string, prometheus: string, at?: string): Promise<'promote' | 'hold' | 'rollback'> {
  const canary = config.services[service].canary;
  if (!canary.enabled) throw new UsageError(`${envName}/${service}: no canary is running, nothing to analyze`);
  const when = at ? new Date(Number.isNaN(Number(at)) ? at : Number(at) * 1000) : undefined;
  if (when && Number.isNaN(when.getTime())) throw new UsageError(`--at: not a time: ${at} (use RFC 3339 or Unix seconds)`);
  const queries = canaryQueries(service, environmentContext(envName, config).namespace, canary.analysis);
  let decision;
  let measured: CanaryMeasurements = {};
  try {
    measured = await measure(prometheus, queries, when);
    decision = decide(measured, canary.analysis);
  } catch (error) {
    // An unreachable Prometheus is never a reason to promote.
    decision = { verdict: 'hold' as const, reasons: [`could not query Prometheus at ${prometheus}: ${(error as Error).message}`] };
  }
  console.log(`${envName}/${service}: canary ${canary.tag} -> ${decision.verdict.toUpperCase()}`);
  for (const reason of decision.reasons) console.log(`  - ${reason}`);
  console.log(formatMeasurements(measured));
  return decision.verdict;
}

if (isEntryPoint(import.meta.url)) {
  canaryCommand(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
