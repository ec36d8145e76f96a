/**
 * cli/run.mjs, which every npm script of a command goes through, runs a prebuilt bundle
 * (cli/build.mjs) and never a stale one: in a scratch copy of the project, a changed, added or
 * broken source file is always what the next command runs (or reports), and unchanged sources
 * reuse the build.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../cli/build.mjs';

const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'cli-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a build compiles: the folders of the layers, main.ts and the files the build reads. */
const PROJECT = ['main.ts', 'tsconfig.json', 'package.json', 'cli', 'config', 'core', 'observability', 'delivery', 'charts', 'gitops', 'helm', 'policy', 'synth', 'imports'];

function project(name: string): string {
  const dir = join(scratch, name);
  for (const entry of PROJECT) cpSync(join(root, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

const run = (dir: string, ...args: string[]): Promise<Result> =>
  promisify(execFile)(process.execPath, [join(dir, 'cli', 'run.mjs'), ...args], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

const manifest = (dir: string): { id: string; files: Record<string, string> } => JSON.parse(readFileSync(join(dir, '.cache', 'cli', 'manifest.json'), 'utf8'));

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

describe.concurrent('the prebuilt commands (cli/run.mjs)', () => {
  it('builds on first use, reuses an unchanged build, and rebuilds for any changed source before running it', async () => {
    const dir = project('edits');
    const first = await run(dir, 'schema', '--help');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^usage: npm run schema\n/);
    const built = manifest(dir);
    // Every entry point's sources are recorded, with the files that decide the build.
    for (const { source } of Object.values(COMMANDS)) expect(Object.keys(built.files)).toContain(source);
    expect(Object.keys(built.files)).toEqual(expect.arrayContaining(['cli/build.mjs', 'tsconfig.json', 'package.json', 'config/schema.ts', 'core/yaml.ts']));
    const buildDir = join(dir, '.cache', 'cli', built.id);
    const builtAt = statSync(buildDir).mtimeMs;

    expect((await run(dir, 'schema', '--help')).stdout).toBe(first.stdout);
    expect(manifest(dir).id).toBe(built.id);
    expect(statSync(buildDir).mtimeMs).toBe(builtAt);

    // A changed entry point: the next run prints the new text.
    edit(join(dir, 'cli', 'schema.ts'), "usage: 'usage: npm run schema'", "usage: 'usage: npm run schema (edited)'");
    expect((await run(dir, 'schema', '--help')).stdout).toMatch(/^usage: npm run schema \(edited\)\n/);
    const second = manifest(dir).id;
    expect(second).not.toBe(built.id);

    // A module deep in the graph, shared by every command (the common help text).
    edit(join(dir, 'cli', 'command.ts'), "'  -h, --help  print this help'", "'  -h, --help  print this help (edited)'");
    expect((await run(dir, 'check', '--help')).stdout).toContain('print this help (edited)');
    expect((await run(dir, 'synth', '--help')).stdout).toContain('print this help (edited)');
    const third = manifest(dir).id;
    expect(third).not.toBe(second);

    // A file added beside the sources (it could change what an import resolves to) also rebuilds.
    writeFileSync(join(dir, 'config', 'added.ts'), 'export const added = 1;\n');
    await run(dir, 'synth', '--help');
    expect(manifest(dir).id).not.toBe(third);

    // The build itself and the TypeScript settings are inputs too.
    const fourth = manifest(dir).id;
    appendFileSync(join(dir, 'tsconfig.json'), '\n');
    await run(dir, 'synth', '--help');
    expect(manifest(dir).id).not.toBe(fourth);
  });

  it('a source that does not compile: exit 70 naming the file and line, never the previous build', async () => {
    const dir = project('broken');
    expect((await run(dir, '--build')).code).toBe(0);
    const file = join(dir, 'config', 'names.ts');
    appendFileSync(file, '\nexport const broken = ;\n');
    const result = await run(dir, 'synth', '--help');
    expect(result.code).toBe(70);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^internal error: could not build the commands \(cli\/build\.mjs\):\nconfig\/names\.ts:\d+:\d+: /);
    // Repaired: runs again.
    writeFileSync(file, readFileSync(file, 'utf8').replace('\nexport const broken = ;\n', ''));
    expect((await run(dir, 'synth', '--help')).code).toBe(0);
  });

  it('a damaged or missing build directory or manifest is rebuilt', async () => {
    const dir = project('damaged');
    expect((await run(dir, '--build')).code).toBe(0);
    const { id } = manifest(dir);
    rmSync(join(dir, '.cache', 'cli', id, 'check.mjs'));
    expect((await run(dir, 'check', '--help')).code).toBe(0);
    expect(existsSync(join(dir, '.cache', 'cli', id, 'check.mjs'))).toBe(true);
    writeFileSync(join(dir, '.cache', 'cli', 'manifest.json'), '{');
    expect((await run(dir, 'check', '--help')).code).toBe(0);
    expect(manifest(dir).id).toBe(id);
    expect(readdirSync(join(dir, '.cache', 'cli')).filter((name) => name.startsWith('.build-'))).toEqual([]);
  });

  it('an unknown command: exit 2 with the list of commands', async () => {
    const result = await run(root, 'synthesize');
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toBe(`error: unknown command 'synthesize'\nusage: node cli/run.mjs <${Object.keys(COMMANDS).join('|')}> [args...] | --build\n`);
  });

  it('every npm script of a command, the prepare script and cdk8s.yaml start it through cli/run.mjs', () => {
    const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    for (const name of Object.keys(COMMANDS)) expect(scripts[name]).toBe(`node cli/run.mjs ${name}`);
    expect(scripts.prepare).toBe('node cli/run.mjs --build');
    expect(readFileSync(join(root, 'cdk8s.yaml'), 'utf8')).toMatch(/^app: node cli\/run\.mjs synth$/m);
  });
});
