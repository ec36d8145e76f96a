/**
 * The prebuilt commands that cli/run.mjs starts: an esbuild bundle of every command's TypeScript
 * (one entry point each, shared code in chunks) in .cache/cli/<id>/, and .cache/cli/manifest.json,
 * which records the sha256 of every byte the build compiled. A build is fresh only while every
 * recorded file still has its digest and every directory that held a compiled file still has the
 * same script and JSON files (one added beside an import could change what it resolves to); anything else
 * means a rebuild, so a stale build never runs.
 *
 * Packages (node_modules) stay external: they load from node_modules as under tsx, so `npm ci`
 * never leaves a build behind. Each module's `import.meta.url` is its source file's URL, as under
 * tsx: the code finds config/, imports/crds/ and package.json relative to itself. The root path
 * is recorded, so a moved checkout rebuilds.
 *
 * Concurrent starts are safe: each build is written to a temporary directory and renamed to its
 * id (the digest of its inputs), and the manifest is replaced atomically; every process runs the
 * build it checked or made. Old builds are removed after an hour.
 *
 * Plain JavaScript (it runs before anything is compiled); esbuild is loaded only to build.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository: this file is <root>/cli/build.mjs (symbolic links resolved by node). */
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Where builds and their manifest live (.cache/ is git-ignored). */
const BUILD_DIR = join(ROOT, '.cache', 'cli');
const MANIFEST = join(BUILD_DIR, 'manifest.json');
/** Bump when the manifest's meaning or the build's options change in a way its inputs do not show. */
const MANIFEST_VERSION = 1;
/** Builds other than the current one are removed when they are older than this (a running process may still load them). */
const OLD_BUILD_MS = 60 * 60 * 1000;

/**
 * Every command: the npm script name, the module that defines it (an esbuild entry point, also
 * the output file's name) and the exported function that runs it with the arguments and returns
 * the exit code (or a promise of it).
 */
export const COMMANDS = {
  synth: { source: 'main.ts', entry: 'synth', run: 'synthCommand' },
  'synth:helm': { source: 'cli/helm.ts', entry: 'synth-helm', run: 'helmCommand' },
  check: { source: 'cli/check.ts', entry: 'check', run: 'checkCommand' },
  diff: { source: 'cli/diff.ts', entry: 'diff', run: 'diffCommand' },
  canary: { source: 'cli/canary.ts', entry: 'canary', run: 'canaryCommand' },
  schema: { source: 'cli/schema.ts', entry: 'schema', run: 'schemaCommand' },
};

/**
 * Files that decide the output besides the compiled sources: the build itself, the TypeScript
 * settings esbuild reads, package.json ("type", and the scripts that name the commands) and
 * esbuild's version.
 */
const BUILD_INPUTS = ['cli/build.mjs', 'tsconfig.json', 'package.json', 'node_modules/esbuild/package.json'];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** sha256 of a file's bytes, or null when it cannot be read. */
function fileDigest(file) {
  try {
    return sha256(readFileSync(file));
  } catch {
    return null;
  }
}

/** A directory's entry names, sorted and joined, or null when it cannot be read. */
function listing(dir) {
  try {
    return readdirSync(dir).sort().join('\n');
  } catch {
    return null;
  }
}

/** The names in a directory an import could resolve to (scripts and JSON), sorted and joined; null when it cannot be read. */
function modulesListing(dir) {
  try {
    return readdirSync(dir)
      .filter((name) => /\.([cm]?[jt]sx?|json)$/.test(name))
      .sort()
      .join('\n');
  } catch {
    return null;
  }
}

/** Repository-relative path with forward slashes (the manifest's keys). */
const relativePath = (path) => relative(ROOT, path).split(sep).join('/');

/**
 * The directory of the build described by the manifest when it matches the sources byte for
 * byte, else undefined. Reads and hashes every recorded file (~2.5 MB, a few milliseconds).
 */
function freshBuild() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest?.version !== MANIFEST_VERSION || manifest.root !== ROOT || typeof manifest.id !== 'string') return undefined;
  for (const [file, digest] of Object.entries(manifest.files ?? {})) if (fileDigest(join(ROOT, file)) !== digest) return undefined;
  for (const [dir, names] of Object.entries(manifest.dirs ?? {})) if (modulesListing(join(ROOT, dir)) !== names) return undefined;
  const dir = join(BUILD_DIR, manifest.id);
  return Array.isArray(manifest.outputs) && isComplete(dir, manifest.outputs) ? dir : undefined;
}

/** True when the directory holds every output file of a build. */
function isComplete(dir, outputs) {
  const built = new Set(listing(dir)?.split('\n'));
  return outputs.every((name) => built.has(name));
}

/**
 * Bundles the commands, records what was compiled, and makes the result the current build.
 * Returns its directory. Throws with esbuild's messages when the sources do not compile.
 */
async function build() {
  const files = {};
  for (const file of BUILD_INPUTS) files[file] = fileDigest(join(ROOT, file));
  const dirs = {};
  const { build: esbuild } = await import('esbuild');
  mkdirSync(BUILD_DIR, { recursive: true });
  const staging = join(BUILD_DIR, `.build-${process.pid}-${Date.now()}`);
  let result;
  try {
    result = await esbuild({
      absWorkingDir: ROOT,
      entryPoints: Object.fromEntries(Object.values(COMMANDS).map(({ source, entry }) => [entry, source])),
      outdir: staging,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      keepNames: true,
      sourcemap: 'linked',
      logLevel: 'silent',
      metafile: true,
      // Packages load with require(), as `require('cdk8s-plus-27')` does: an ESM import of a
      // CommonJS package makes Node scan its source (and every module it re-exports) for export
      // names first (cjs-module-lexer), ~0.3 s for cdk8s-plus-27 alone.
      banner: { js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);" },
      plugins: [
        {
          name: 'require-packages',
          setup(build) {
            build.onResolve({ filter: /^[^./]/ }, ({ path, kind, namespace }) => {
              if (path.startsWith('node:')) return { path, external: true };
              return namespace === 'package' || kind === 'require-call' ? { path, external: true } : { path, namespace: 'package' };
            });
            build.onLoad({ filter: /.*/, namespace: 'package' }, ({ path }) => ({ contents: `module.exports = require(${JSON.stringify(path)});`, loader: 'js' }));
          },
        },
        {
          name: 'source-files',
          setup(build) {
            // Every project file esbuild compiles is read here: these exact bytes are hashed, and
            // import.meta.url becomes the source file's URL.
            build.onLoad({ filter: /\.[cm]?[jt]s$/ }, ({ path }) => {
              const bytes = readFileSync(path);
              const rel = relativePath(path);
              files[rel] = sha256(bytes);
              const dir = relativePath(dirname(path)) || '.';
              dirs[dir] ??= modulesListing(dirname(path));
              const contents = bytes.toString('utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href));
              return { contents, loader: /\.[cm]?ts$/.test(path) ? 'ts' : 'js' };
            });
          },
        },
      ],
    });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const messages = (error.errors ?? []).map((e) => `${e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ` : ''}${e.text}`);
    throw new Error(`could not build the commands (cli/build.mjs):\n${messages.length ? messages.join('\n') : error.message}`);
  }
  const outputs = Object.keys(result.metafile.outputs)
    .map((file) => relative(staging, join(ROOT, file)))
    .sort();
  // esbuild loads files in parallel: sorted, the same sources always give the same id.
  const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const inputs = { files: sorted(files), dirs: sorted(dirs) };
  const id = sha256(JSON.stringify([MANIFEST_VERSION, ROOT, inputs])).slice(0, 16);
  const dir = join(BUILD_DIR, id);
  // A damaged build of the same sources (a file of it deleted) is moved out of the way first.
  if (existsSync(dir) && !isComplete(dir, outputs)) renameSync(dir, `${staging}-damaged`);
  try {
    renameSync(staging, dir);
  } catch (error) {
    // Another process built the same sources meanwhile: same id, same content.
    rmSync(staging, { recursive: true, force: true });
    if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
  }
  rmSync(`${staging}-damaged`, { recursive: true, force: true });
  const temp = `${MANIFEST}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify({ version: MANIFEST_VERSION, root: ROOT, id, outputs, ...inputs }, null, 1)}\n`);
  renameSync(temp, MANIFEST);
  removeOldBuilds(id);
  return dir;
}

/** Removes builds (and abandoned staging directories) older than OLD_BUILD_MS, except `keep`. */
function removeOldBuilds(keep) {
  const now = Date.now();
  for (const name of readdirSync(BUILD_DIR)) {
    const path = join(BUILD_DIR, name);
    if (name === keep || name === 'manifest.json') continue;
    try {
      if (now - statSync(path).mtimeMs > OLD_BUILD_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

/** The directory of a build of the current sources: the fresh one, or a new one. */
export async function currentBuild() {
  return freshBuild() ?? (await build());
}
