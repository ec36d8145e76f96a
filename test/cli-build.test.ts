/**
 * cli/run.mjs, which every npm script of a command goes through, runs a prebuilt bundle
 * (cli/build.mjs) and never a stale one: in one scratch copy of the project, a changed, added or
 * broken source file is always what the next command runs (or reports), and unchanged sources
 * reuse the build. Each change is first shown to make the build stale (freshBuild of the copy's
 * own cli/build.mjs) and undone; the commands then run the edits together, so the copy is built
 * only a few times.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE, COMMANDS } from '../cli/build.mjs';

const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'cli-build-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What a build compiles: the folders of the layers, main.ts and the files the build reads (not the CRDs, which only validation reads). */
const PROJECT = ['main.ts', 'tsconfig.json', 'package.json', 'cli', 'config', 'core', 'observability', 'delivery', 'charts', 'gitops', 'helm', 'policy', 'synth', 'imports'];
/** A package the project imports and the bundle includes, copied into the scratch project so that a test can change it. */
const OWN_PACKAGE = 'yaml';

/** A copy of the project whose node_modules links every package but OWN_PACKAGE, which it copies. */
function project(name: string): string {
  const dir = join(scratch, name);
  for (const entry of PROJECT) cpSync(join(root, entry), join(dir, entry), { recursive: true, filter: (source) => source !== join(root, 'imports', 'crds') });
  mkdirSync(join(dir, 'node_modules'));
  for (const entry of readdirSync(join(root, 'node_modules'))) {
    if (entry === OWN_PACKAGE) cpSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry), { recursive: true });
    else symlinkSync(join(root, 'node_modules', entry), join(dir, 'node_modules', entry));
  }
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

const manifest = (dir: string): { id: string; files: Record<string, string>; packages: Record<string, string> } =>
  JSON.parse(readFileSync(join(dir, '.cache', 'cli', 'manifest.json'), 'utf8'));

function edit(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text).toContain(from);
  writeFileSync(file, text.replace(from, to));
}

describe('the prebuilt commands (cli/run.mjs)', () => {
  let dir: string;
  /** The copy's own freshness check: the build directory when the build is fresh, else undefined. */
  let freshBuild: () => string | undefined;
  beforeAll(async () => {
    dir = project('copy');
    ({ freshBuild } = (await import(pathToFileURL(join(dir, 'cli', 'build.mjs')).href)) as { freshBuild: () => string | undefined });
  });

  /** Makes a change, expects it to make the build stale, undoes it and expects the build fresh again. */
  function staleWhile(change: () => () => void): void {
    const undo = change();
    expect(freshBuild()).toBeUndefined();
    undo();
    expect(freshBuild()).toBeDefined();
  }

  it('builds on first use, reuses an unchanged build, and any changed source makes it stale', async () => {
    const first = await run(dir, 'schema', '--help');
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^usage: npm run schema\n/);
    const built = manifest(dir);
    // Every entry point's sources are recorded, with the files that decide the build and the packages bundled.
    for (const { source } of Object.values(COMMANDS)) expect(Object.keys(built.files)).toContain(source);
    expect(Object.keys(built.files)).toEqual(expect.arrayContaining(['cli/build.mjs', 'tsconfig.json', 'package.json', 'config/schema.ts', 'core/yaml.ts']));
    expect(Object.keys(built.packages)).toEqual(expect.arrayContaining(['node_modules/.package-lock.json', `node_modules/${OWN_PACKAGE}/dist/index.js`]));
    const buildDir = join(dir, '.cache', 'cli', built.id);
    const builtAt = statSync(buildDir).mtimeMs;

    expect((await run(dir, 'schema', '--help')).stdout).toBe(first.stdout);
    expect(manifest(dir).id).toBe(built.id);
    expect(statSync(buildDir).mtimeMs).toBe(builtAt);
    expect(freshBuild()).toBe(buildDir);

    const restore = (file: string) => {
      const text = readFileSync(file);
      return () => writeFileSync(file, text);
    };
    // An entry point, a module deep in the graph, the build itself, the TypeScript settings.
    for (const file of ['cli/schema.ts', 'cli/command.ts', 'cli/build.mjs', 'tsconfig.json']) {
      staleWhile(() => {
        const undo = restore(join(dir, file));
        appendFileSync(join(dir, file), '\n');
        return undo;
      });
    }
    // A file added beside the sources (it could change what an import resolves to).
    staleWhile(() => {
      writeFileSync(join(dir, 'config', 'added.ts'), 'export const added = 1;\n');
      return () => rmSync(join(dir, 'config', 'added.ts'));
    });
    // A package file bundled: any write counts, even of the same bytes (its change time is recorded, not its content).
    const packageFile = join(dir, 'node_modules', OWN_PACKAGE, 'dist', 'index.js');
    writeFileSync(packageFile, readFileSync(packageFile));
    expect(freshBuild()).toBeUndefined();
  });

  it('runs the changed sources: an edited entry point and an edited module deep in the graph, shared by every command', async () => {
    const before = manifest(dir).id;
    edit(join(dir, 'cli', 'schema.ts'), "usage: 'usage: npm run schema'", "usage: 'usage: npm run schema (edited)'");
    edit(join(dir, 'cli', 'command.ts'), "'  -h, --help  print this help'", "'  -h, --help  print this help (edited)'");
    expect((await run(dir, 'schema', '--help')).stdout).toMatch(/^usage: npm run schema \(edited\)\n/);
    expect(manifest(dir).id).not.toBe(before);
    expect((await run(dir, 'check', '--help')).stdout).toContain('print this help (edited)');
    expect((await run(dir, 'synth', '--help')).stdout).toContain('print this help (edited)');
  });

  it("writes each command's V8 code cache on its first run and uses it afterwards", async () => {
    const cache = join(dir, '.cache', 'cli', manifest(dir).id, `${BUNDLE}.check.v8cache`);
    expect(existsSync(cache)).toBe(true);
    const written = statSync(cache).mtimeMs;
    expect((await run(dir, 'check', '--help')).code).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(written); // accepted, so not written again
  });

  it('a source that does not compile: exit 70 naming the file and line, never the previous build', async () => {
    const { id } = manifest(dir);
    const file = join(dir, 'config', 'names.ts');
    appendFileSync(file, '\nexport const broken = ;\n');
    const result = await run(dir, 'synth', '--help');
    expect(result.code).toBe(70);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^internal error: could not build the commands \(cli\/build\.mjs\):\nconfig\/names\.ts:\d+:\d+: /);
    // Repaired: the build of these exact sources runs again.
    writeFileSync(file, readFileSync(file, 'utf8').replace('\nexport const broken = ;\n', ''));
    expect((await run(dir, 'synth', '--help')).code).toBe(0);
    expect(manifest(dir).id).toBe(id);
  });

  it('a damaged or missing build directory or manifest is rebuilt', async () => {
    const { id } = manifest(dir);
    rmSync(join(dir, '.cache', 'cli', id, BUNDLE));
    expect((await run(dir, 'check', '--help')).code).toBe(0);
    expect(existsSync(join(dir, '.cache', 'cli', id, BUNDLE))).toBe(true);
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
