/**
 * Every command answers a command-line mistake with `error: <what>` and its usage line on stderr
 * and exit 2, --help with the usage on stdout and exit 0, and a bug with one `internal error:`
 * line and exit 70 (the stack only with --debug); never a stack trace otherwise (cli/command.ts).
 * The commands run in-process with their output captured; one real process per exit code
 * (0, 2, 70) shows the code reaches the shell (exit 1: test/cli.test.ts).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { canaryCommand } from '../cli/canary.js';
import { checkCommand } from '../cli/check.js';
import { EXIT, runCommand, UsageError, UserError, type Io } from '../cli/command.js';
import { diffCommand } from '../cli/diff.js';
import { helmCommand } from '../cli/helm.js';
import { schemaCommand } from '../cli/schema.js';
import { ConfigError } from '../config/load.js';
import { synthCommand } from '../main.js';

const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'cli-usage-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Output {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

type Command = (argv: string[], io: Io) => number | Promise<number>;

async function capture(command: Command, argv: string[]): Promise<Output> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await command(argv, { out: (line) => void out.push(line), err: (line) => void err.push(line) });
  return { code, out, err };
}

const STACK_FRAME = /^\s+at /m;

interface CommandCase {
  readonly name: string;
  readonly run: Command;
  /** Arguments the command needs before the mistake (canary's subcommand and --env). */
  readonly base: string[];
  /** An option that takes a value, given last without one; none: the command has no such option. */
  readonly valueOption?: string;
}

const COMMANDS: CommandCase[] = [
  { name: 'synth', run: synthCommand, base: [], valueOption: '--env' },
  { name: 'synth:helm', run: helmCommand, base: [], valueOption: '--outdir' },
  { name: 'canary', run: canaryCommand, base: ['status', '--env', 'prod'], valueOption: '--env' },
  { name: 'diff', run: diffCommand, base: [], valueOption: '--env' },
  { name: 'check', run: checkCommand, base: [], valueOption: '--env' },
  // npm run schema has no option that takes a value.
  { name: 'schema', run: schemaCommand, base: [] },
];

interface MistakeCase {
  readonly command: CommandCase;
  readonly mistake: string;
  readonly argv: string[];
  /** The `error:` line. */
  readonly error: string | RegExp;
}

const stray = (command: CommandCase) =>
  command.name === 'canary' ? "error: unexpected argument 'stray'" : "error: unexpected argument 'stray'. This command does not take positional arguments";

const MISTAKES: MistakeCase[] = COMMANDS.flatMap((command) => [
  { command, mistake: 'an unknown option', argv: [...command.base, '--bogus'], error: "error: unknown option '--bogus'" },
  ...(command.valueOption
    ? [
        { command, mistake: 'an option without its value', argv: [...command.base, command.valueOption], error: `error: option '${command.valueOption} <value>' argument missing` },
        { command, mistake: 'an option with an empty value', argv: [...command.base, `${command.valueOption}=`], error: `error: option '${command.valueOption}' needs a value` },
      ]
    : []),
  { command, mistake: 'a value for a flag', argv: [...command.base, '--debug=yes'], error: "error: option '--debug' does not take an argument" },
  { command, mistake: 'a stray argument', argv: [...command.base, 'stray'], error: stray(command) },
]);

const CANARY = COMMANDS.find((c) => c.name === 'canary')!;
const CANARY_MISTAKES: MistakeCase[] = [
  { command: CANARY, mistake: 'no subcommand', argv: ['--env', 'prod'], error: 'error: missing command' },
  { command: CANARY, mistake: 'an unknown subcommand', argv: ['frobnicate', '--env', 'prod'], error: "error: unknown command 'frobnicate'" },
  { command: CANARY, mistake: 'no --env', argv: ['status'], error: 'error: --env is required' },
  { command: CANARY, mistake: 'start without --image-tag', argv: ['start', '--env', 'prod'], error: 'error: start needs --image-tag <tag>' },
  {
    command: CANARY,
    mistake: 'an --at that is not a time',
    argv: ['analyze', '--env', 'prod', '--prometheus', 'http://127.0.0.1:9', '--at', 'yesterday'],
    error: /^error: --at: not a time: yesterday/,
  },
  { command: CANARY, mistake: 'a repeated single-value option', argv: ['status', '--env', 'prod', '--env', 'dev'], error: "error: option '--env' is given more than once" },
];

/** The usage line each command prints first for --help. */
const usages = new Map<string, string>();
async function usageOf(command: CommandCase): Promise<string> {
  if (!usages.has(command.name)) usages.set(command.name, (await capture(command.run, ['--help'])).out.join('\n').split('\n')[0]);
  return usages.get(command.name)!;
}

describe.concurrent('usage errors: error line, usage line, exit 2, no stack trace', () => {
  it.each(COMMANDS)('npm run $name --help and -h print the usage to stdout and exit 0', async (command) => {
    for (const flag of ['--help', '-h']) {
      const result = await capture(command.run, [...command.base, flag]);
      expect(result.code).toBe(EXIT.ok);
      expect(result.out[0]).toMatch(new RegExp(`^usage: npm run ${command.name}\\b`));
      expect(result.out.join('\n')).toContain('--debug');
      expect(result.err).toEqual([]);
    }
  });

  it.each([...MISTAKES, ...CANARY_MISTAKES])('npm run $command.name with $mistake', async ({ command, argv, error }) => {
    const result = await capture(command.run, argv);
    expect(result.code, result.err.join('\n')).toBe(EXIT.usage);
    expect(result.err).toHaveLength(2);
    expect(result.err[0]).toMatch(typeof error === 'string' ? new RegExp(`^${error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : error);
    expect(result.err[1]).toBe(await usageOf(command));
    expect(result.out).toEqual([]);
    expect(result.err.join('\n')).not.toMatch(STACK_FRAME);
  });

  it('writes nothing on a usage error', async () => {
    const outdir = join(scratch, 'usage-error');
    expect((await capture(synthCommand, ['--outdir', outdir, '--bogus'])).code).toBe(EXIT.usage);
    expect(existsSync(outdir)).toBe(false);
  });
});

describe('failures other than usage', () => {
  const spec = { usage: 'usage: npm run example [--name <name>]', options: { name: { type: 'string' } } } as const;
  const run = (argv: string[], handler: () => number | Promise<number>, extra: object = {}) =>
    capture((args, io) => runCommand({ ...spec, ...extra }, args, handler as () => number, io), argv);
  const bug = () => {
    throw new TypeError("Cannot read properties of undefined (reading 'spec')\nsecond line");
  };

  it('a bug is one internal-error line and exit 70, without the stack', async () => {
    const result = await run([], bug);
    expect(result.code).toBe(70);
    expect(result.err).toEqual(["internal error: Cannot read properties of undefined (reading 'spec') (run again with --debug for the stack trace)"]);
  });

  it('with --debug the stack trace follows', async () => {
    const result = await run(['--debug'], bug);
    expect(result.code).toBe(70);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(/^internal error: TypeError: Cannot read properties of undefined \(reading 'spec'\)\nsecond line\n/);
    expect(result.err[0]).toMatch(STACK_FRAME);
  });

  it('a bug in an async handler is the same', async () => {
    const result = await run([], async () => bug());
    expect(result).toMatchObject({ code: 70, err: [expect.stringMatching(/^internal error: Cannot read .*--debug for the stack trace\)$/)] });
  });

  it("a config error exits 1 with its message and the command's note, no usage line", async () => {
    const result = await run(
      ['--name', 'x'],
      () => {
        throw new ConfigError('/cfg/prod.yaml', ['services.backend.port (line 3, column 5): Too big']);
      },
      {
        afterUserError: (values: { name?: string }) => `nothing was written for ${values.name}`,
      },
    );
    expect(result.code).toBe(EXIT.userError);
    expect(result.err).toEqual(['error: /cfg/prod.yaml: invalid configuration\n  - services.backend.port (line 3, column 5): Too big', 'nothing was written for x']);
  });

  it("a user error exits with the command's code (diff: 2), a usage error thrown by a handler with the usage line", async () => {
    expect(
      await run(
        [],
        () => {
          throw new UserError('no such service');
        },
        { userErrorCode: 2 },
      ),
    ).toMatchObject({ code: 2, err: ['error: no such service'] });
    expect(
      await run([], () => {
        throw new UsageError('--against needs one --env');
      }),
    ).toMatchObject({ code: 2, err: ['error: --against needs one --env', spec.usage] });
  });

  it("a file system error is the user's (exit 1), one line: --outdir below a regular file", async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, '');
    const result = await capture(synthCommand, ['--env', 'dev', '--outdir', join(file, 'dist')]);
    expect(result.code).toBe(EXIT.userError);
    expect(result.err).toEqual([expect.stringMatching(/^error: ENOTDIR: not a directory, mkdir '.*a-file\/dist'$/)]);
  });
});

describe.concurrent('the exit code reaches the shell (one real process per code)', () => {
  const node = (args: string[]) =>
    promisify(execFile)(process.execPath, args, { cwd: root }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('0: --help', async () => {
    const result = await node(['cli/run.mjs', 'schema', '--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage: npm run schema\n/);
  });

  it('2: an unknown option', async () => {
    const result = await node(['cli/run.mjs', 'synth', '--outdir', join(scratch, 'never'), '--bogus']);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/^error: unknown option '--bogus'\nusage: npm run synth /);
    expect(existsSync(join(scratch, 'never'))).toBe(false);
  });

  it('70: a bug, one line', async () => {
    const script = join(scratch, 'bug.ts');
    writeFileSync(
      script,
      `import { runAsScript, runCommand } from ${JSON.stringify(join(root, 'cli/command.ts'))};\n` +
        `runAsScript(import.meta.url, (argv) => runCommand({ usage: 'usage: bug', options: {} }, argv, () => { throw new Error('a bug'); }));\n`,
    );
    const result = await node(['--import', 'tsx', script]);
    expect(result).toMatchObject({ code: 70, stdout: '', stderr: 'internal error: a bug (run again with --debug for the stack trace)\n' });
  });
});
