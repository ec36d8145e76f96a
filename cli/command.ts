/**
 * How every command of the project (main.ts, cli/*.ts) reads its arguments, reports a failure
 * and chooses its exit code, so that a mistake never ends in a stack trace:
 *
 *   0   done (diff: no differences; canary analyze: promote)
 *   1   the user's mistake in a file or in what was asked (ConfigError, UserError), or a file
 *       system error (no permission, not a directory, ...); diff uses 2 here, its 1 means "differs"
 *   2   the command line is wrong: unknown option, missing or empty value, stray argument, ...;
 *       the usage line follows the error
 *   70  internal error, a bug (EX_SOFTWARE of sysexits.h): one line, the stack with --debug
 *
 * A command declares its usage and options and hands a small handler to runCommand.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/load.js';
import { isEntryPoint } from './entry-point.js';

export const EXIT = { ok: 0, userError: 1, usage: 2, internal: 70 } as const;

/** A mistake on the command line itself: exit 2, followed by the usage line. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A mistake in what the user asked for that only the files show (no such service, dist/ missing, ...). */
export class UserError extends Error {
  override name = 'UserError';
}

/** Where a command prints: lines to stdout and stderr. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** console.log / console.error, looked up at each call (tests replace them with vi.spyOn). */
export const consoleIo: Io = { out: (line) => console.log(line), err: (line) => console.error(line) };

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMON_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  debug: { type: 'boolean' },
} as const satisfies Options;

export interface CommandSpec<O extends Options> {
  /** One line, "usage: npm run <name> ...": printed by --help and after every usage error. */
  readonly usage: string;
  /** More --help text after the usage line (what the commands or options do). */
  readonly help?: string;
  /** The command's own options; --help/-h and --debug are added to every command. */
  readonly options: O;
  /** How many positional arguments the command takes at most (default none). */
  readonly maxPositionals?: number;
  /** Exit code of a user error (default 1). */
  readonly userErrorCode?: number;
  /** A line printed after a ConfigError or UserError, e.g. what was (not) written. */
  readonly afterUserError?: (values: Values<O>) => string;
}

export type Values<O extends Options> = ReturnType<typeof parseArgs<{ options: O & typeof COMMON_OPTIONS; allowPositionals: true }>>['values'];

export interface CommandArgs<O extends Options> {
  readonly values: Values<O>;
  readonly positionals: readonly string[];
}

/**
 * Parses `argv` strictly, runs `handler` and returns its exit code; maps every failure to an
 * exit code and a message (see the table above). Returns a promise when the handler does.
 */
export function runCommand<O extends Options>(spec: CommandSpec<O>, argv: readonly string[], handler: (args: CommandArgs<O>, io: Io) => number, io?: Io): number;
export function runCommand<O extends Options>(spec: CommandSpec<O>, argv: readonly string[], handler: (args: CommandArgs<O>, io: Io) => Promise<number>, io?: Io): Promise<number>;
export function runCommand<O extends Options>(
  spec: CommandSpec<O>,
  argv: readonly string[],
  handler: (args: CommandArgs<O>, io: Io) => number | Promise<number>,
  io: Io = consoleIo,
): number | Promise<number> {
  let parsed: Parsed<O> | undefined;
  const fail = (error: unknown) => report(error, spec, parsed, io);
  try {
    parsed = parse(spec, argv);
    if (parsed.help) {
      io.out(helpText(spec.usage, spec.help));
      return EXIT.ok;
    }
    const result = handler(parsed, io);
    return typeof result === 'number' ? result : result.catch(fail);
  } catch (error) {
    return fail(error);
  }
}

/** Runs `command` with the process's arguments and sets the exit code, when `moduleUrl` is the script node started. */
export function runAsScript(moduleUrl: string, command: (argv: string[]) => number | Promise<number>): void {
  if (!isEntryPoint(moduleUrl)) return;
  ignoreClosedPipes();
  void Promise.resolve(command(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}

/**
 * A reader that stops early (`npm run canary -- status | head -1`) closes the pipe: the rest of
 * the output is dropped (EPIPE) and the command still finishes its work with its own exit code,
 * instead of dying of an unhandled 'error' event halfway through.
 */
function ignoreClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  }
}

/** Prints warnings (problems that do not stop the command) to stderr, one `warning:` line each. */
export function printWarnings(io: Io, warnings: readonly string[]): void {
  for (const warning of warnings) io.err(`warning: ${warning}`);
}

interface Parsed<O extends Options> extends CommandArgs<O> {
  readonly help: boolean;
  readonly debug: boolean;
}

function parse<O extends Options>(spec: CommandSpec<O>, argv: readonly string[]): Parsed<O> {
  const options = { ...spec.options, ...COMMON_OPTIONS };
  const maxPositionals = spec.maxPositionals ?? 0;
  const { values, positionals, tokens } = parseArgs({ args: [...argv], options, allowPositionals: maxPositionals > 0, strict: true, tokens: true });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    // parseArgs takes `--outdir=` as the empty string, and keeps only the last of a repeated option.
    if (option.type === 'string' && token.value === '') throw new UsageError(`option '${token.rawName}' needs a value`);
    if (!option.multiple && seen.has(token.name)) throw new UsageError(`option '--${token.name}' is given more than once`);
    seen.add(token.name);
  }
  if (positionals.length > maxPositionals) throw new UsageError(`unexpected argument '${positionals[maxPositionals]}'`);
  const common = values as { help?: boolean; debug?: boolean };
  return { values: values as Values<O>, positionals, help: common.help === true, debug: common.debug === true };
}

function helpText(usage: string, help: string | undefined): string {
  const common = ['  -h, --help  print this help', '  --debug     print the stack trace of an internal error'];
  return [usage, ...(help ? ['', help] : []), '', ...common].join('\n');
}

function report<O extends Options>(error: unknown, spec: CommandSpec<O>, args: Parsed<O> | undefined, io: Io): number {
  if (error instanceof UsageError || isParseArgsError(error)) {
    io.err(`error: ${usageMessage(error)}`);
    io.err(spec.usage);
    return EXIT.usage;
  }
  if (error instanceof ConfigError || error instanceof UserError) {
    io.err(`error: ${error.message}`);
    if (spec.afterUserError && args) io.err(spec.afterUserError(args.values));
    return spec.userErrorCode ?? EXIT.userError;
  }
  if (isSystemError(error)) {
    // "EACCES: permission denied, mkdir 'dist/prod'": the machine's state, not a bug.
    io.err(`error: ${error.message}`);
    return spec.userErrorCode ?? EXIT.userError;
  }
  if (args?.debug) io.err(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  else if (hasProblems(error)) io.err(`internal error: ${error.message}\n(run again with --debug for the stack trace)`);
  else io.err(`internal error: ${firstLine(error)} (run again with --debug for the stack trace)`);
  return EXIT.internal;
}

/** Internal errors that list what they found (invalid objects, misread YAML): the list is the useful part. */
function hasProblems(error: unknown): error is Error & { problems: readonly string[] } {
  return error instanceof Error && Array.isArray((error as { problems?: unknown }).problems);
}

/**
 * One line. parseArgs explains an ambiguous value over three lines, and for a command with
 * positional arguments follows "Unknown option '--x'" with advice on passing '--x' as an argument.
 */
function usageMessage(error: Error): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? error.message.split('. ')[0] : error.message.replace(/\s*\n\s*/g, ' ');
  return `${message.charAt(0).toLowerCase()}${message.slice(1)}`;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message || error.name : String(error)).split('\n')[0];
}

function isParseArgsError(error: unknown): error is TypeError {
  return error instanceof TypeError && String((error as NodeJS.ErrnoException).code ?? '').startsWith('ERR_PARSE_ARGS_');
}

/** An error of the operating system as Node reports it: a code such as EACCES and the failed syscall. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const e = error as NodeJS.ErrnoException;
  return error instanceof Error && typeof e.syscall === 'string' && typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code);
}
