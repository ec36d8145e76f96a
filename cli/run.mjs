#!/usr/bin/env node
/**
 * How the npm scripts start a command: `node cli/run.mjs <command> [args...]` (synth, synth:helm,
 * check, diff, canary, schema). It runs prebuilt JavaScript (cli/build.mjs: an esbuild bundle in
 * .cache/cli/, git-ignored) instead of transpiling the TypeScript on every start as tsx does. A
 * stale build never runs: each start first checks that every file the build compiled is unchanged,
 * and rebuilds when one is not (~1 s). The bundle is compiled with V8's code cache for it, which
 * the first run of each command writes beside it (a V8 that rejects it, another Node.js version,
 * gets a new one).
 *
 *   node cli/run.mjs synth --env dev    a command, as `npm run synth -- --env dev`
 *   node cli/run.mjs --build            only build, when stale (`npm ci` runs it: the `prepare` script)
 *
 * Plain JavaScript: it runs before anything is compiled.
 */
import { readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import { BUNDLE, COMMANDS, currentBuild } from './build.mjs';

const USAGE = `usage: node cli/run.mjs <${Object.keys(COMMANDS).join('|')}> [args...] | --build`;

async function main([name, ...args]) {
  if (name === '--build') {
    await currentBuild();
    return 0;
  }
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`error: ${name === undefined ? 'no command given' : `unknown command '${name}'`}`);
    console.error(USAGE);
    return 2;
  }
  const file = join(await currentBuild(), BUNDLE);
  // With --debug, stack traces point into the TypeScript sources (the build writes source maps, which
  // Node.js applies to modules it loads itself).
  if (args.includes('--debug')) {
    process.setSourceMapsEnabled(true);
    return await createRequire(import.meta.url)(file)[command.run](args);
  }
  const { exports, saveCodeCache } = loadBundle(file, command.entry);
  const code = await exports[command.run](args);
  saveCodeCache();
  return code;
}

/**
 * Runs a CommonJS bundle as require() would, compiled with the command's V8 code cache of it
 * (<file>.<name>.v8cache) when there is one V8 accepts. saveCodeCache writes a new one when there
 * was none, after the command ran, so that the functions it compiled on the way are in it. A build directory's files
 * never change (it is named by the digest of its inputs), so the cache cannot outlive its bundle.
 */
function loadBundle(file, name) {
  const cacheFile = `${file}.${name}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // first run of this command's build
  }
  const source = `(function (exports, require, module, __filename, __dirname) {${readFileSync(file, 'utf8')}\n})`;
  const script = new Script(source, { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext().call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  const saveCodeCache = () => {
    if (cachedData !== undefined && !script.cachedDataRejected) return;
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cacheFile);
    } catch {
      rmSync(temp, { force: true }); // a cache that cannot be written only costs time
    }
  };
  return { exports: module.exports, saveCodeCache };
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (error) {
    // The commands report their own errors; this is a build that failed (the message lists why) or a bug here.
    console.error(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 70;
  }
}
