#!/usr/bin/env node
/**
 * How the npm scripts start a command: `node cli/run.mjs <command> [args...]` (synth, synth:helm,
 * check, diff, canary, schema). It runs prebuilt JavaScript (cli/build.mjs: an esbuild bundle in
 * .cache/cli/, git-ignored) instead of transpiling the TypeScript on every start as tsx does. A
 * stale build never runs: each start first checks that every file the build compiled is unchanged,
 * byte for byte, and rebuilds when one is not (~0.5 s).
 *
 *   node cli/run.mjs synth --env dev    a command, as `npm run synth -- --env dev`
 *   node cli/run.mjs --build            only build, when stale (`npm ci` runs it: the `prepare` script)
 *
 * Plain JavaScript: it runs before anything is compiled.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COMMANDS, currentBuild } from './build.mjs';

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
  const dir = await currentBuild();
  // With --debug, stack traces point into the TypeScript sources (the build writes source maps).
  if (args.includes('--debug')) process.setSourceMapsEnabled(true);
  const module = await import(pathToFileURL(join(dir, `${command.entry}.mjs`)).href);
  return await module[command.run](args);
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
