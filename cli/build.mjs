/**
 * The prebuilt commands that cli/run.mjs starts: one CommonJS bundle that exports every command,
 * with the packages they use, in .cache/cli/<id>/commands.cjs, and .cache/cli/manifest.json, which records what the build
 * compiled. A build is fresh only while every recorded project file still has its sha256, every
 * directory that held a compiled file still has the same script and JSON files (one added beside
 * an import could change what it resolves to), and every package file compiled into it is the same
 * file (size, inode and change time: a write, copy, restore or `npm ci` gives a file a new change
 * time, which cannot be set back); anything else means a rebuild, so a stale build never runs.
 *
 * Packages are bundled (a few hundred files resolved, read and compiled on every start cost more
 * than the rest of the start-up), except ajv, which compiles CRD validators only when their cache
 * misses and whose standalone code refers to its runtime by module name, and kubernetes-models,
 * whose kinds are required by computed name. Each module's `import.meta.url` is its source file's
 * URL, as under tsx: the code finds config/, imports/crds/ and package.json relative to itself.
 * The root path is recorded, so a moved checkout rebuilds.
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
const MANIFEST_VERSION = 2;
/** Builds other than the current one are removed when they are older than this (a running process may still load them). */
const OLD_BUILD_MS = 60 * 60 * 1000;

/**
 * Every command: the npm script name, the module that defines it, the name of its V8 code cache
 * (cli/run.mjs) and the exported function that runs it with the arguments and returns the exit
 * code (or a promise of it).
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

/** What identifies a package file without reading it: size, inode and change time; null when it is gone. */
function fileIdentity(file) {
  try {
    const { size, ino, ctimeMs } = statSync(file);
    return `${size}:${ino}:${ctimeMs}`;
  } catch {
    return null;
  }
}

/** The bundle's file name in a build directory. */
export const BUNDLE = 'commands.cjs';

/** Packages the bundles leave to require() from node_modules (see the comment at the top). */
const EXTERNAL_PACKAGES = ['ajv', 'kubernetes-models', 'esbuild'];

/** Repository-relative path with forward slashes (the manifest's keys). */
const relativePath = (path) => relative(ROOT, path).split(sep).join('/');

/**
 * The directory of the build described by the manifest when it matches the sources byte for
 * byte, else undefined. Reads and hashes every recorded project file (~2.5 MB, a few milliseconds)
 * and looks at each package file's metadata (~300 files).
 */
export function freshBuild() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest?.version !== MANIFEST_VERSION || manifest.root !== ROOT || typeof manifest.id !== 'string') return undefined;
  for (const [file, identity] of Object.entries(manifest.packages ?? {})) if (fileIdentity(join(ROOT, file)) !== identity) return undefined;
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
      // One bundle exports every command: the packages they share are compiled and written once.
      stdin: {
        contents: Object.values(COMMANDS)
          .map(({ source, run }) => `export { ${run} } from './${source}';`)
          .join('\n'),
        resolveDir: ROOT,
        sourcefile: 'cli/build.mjs (the commands)',
        loader: 'ts',
      },
      outfile: join(staging, BUNDLE),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      external: EXTERNAL_PACKAGES.flatMap((name) => [name, `${name}/*`]),
      keepNames: true,
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      metafile: true,
      plugins: [
        {
          name: 'source-files',
          setup(build) {
            // Every project file esbuild compiles is read here: these exact bytes are hashed, and
            // import.meta.url becomes the source file's URL.
            build.onLoad({ filter: /\.[cm]?[jt]s$/ }, ({ path }) => {
              const rel = relativePath(path);
              if (rel.split('/').includes('node_modules')) return undefined;
              const bytes = readFileSync(path);
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
  // npm rewrites node_modules/.package-lock.json on every install; the bundled files themselves are recorded too.
  const packages = { 'node_modules/.package-lock.json': fileIdentity(join(ROOT, 'node_modules', '.package-lock.json')) };
  for (const input of Object.keys(result.metafile.inputs)) {
    const rel = relativePath(join(ROOT, input));
    if (!Object.hasOwn(files, rel)) packages[rel] = fileIdentity(join(ROOT, input));
  }
  const outputs = Object.keys(result.metafile.outputs)
    .map((file) => relative(staging, join(ROOT, file)))
    .sort();
  // esbuild loads files in parallel: sorted, the same sources always give the same id.
  const sorted = (record) => Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const inputs = { files: sorted(files), dirs: sorted(dirs), packages: sorted(packages) };
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
