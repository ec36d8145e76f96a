/**
 * npm run import:alloy -- <checkout of grafana/alloy> <tag>
 *
 * Reads the reference pages of the Alloy components and config blocks the project uses from a
 * git checkout of grafana/alloy at <tag> and writes their arguments, blocks and exports to
 * imports/alloy/components.json (observability/alloy-reference.ts), with the tag, commit and the
 * sha256 of each page. The tests check every Alloy configuration the project writes against it.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAlloyComponent, type AlloyComponentReference } from '../observability/alloy-reference.js';
import { consoleIo, runAsScript, runCommand, UserError, type Io } from './command.js';

/** The config blocks and components observability/alloy.ts writes. */
const CONFIG_BLOCKS = ['logging'];
const COMPONENTS = ['discovery.kubernetes', 'discovery.relabel', 'local.file_match', 'loki.process', 'loki.source.file', 'loki.source.kubernetes', 'loki.write'];
const DOCS = 'docs/sources';

const IMPORT = {
  usage: 'usage: npm run import:alloy -- <grafana/alloy git checkout> <tag>',
  help: `Writes imports/alloy/components.json from the reference pages of ${[...CONFIG_BLOCKS, ...COMPONENTS].join(', ')} at <tag>.`,
  options: {},
  maxPositionals: 2,
} as const;

export function importAlloyCommand(argv: string[], io: Io = consoleIo): number {
  return runCommand(
    IMPORT,
    argv,
    ({ positionals }) => {
      const [checkout, tag] = positionals;
      if (!checkout || !tag) throw new UserError(`${IMPORT.usage}\n(both arguments are needed)`);
      const git = (...args: string[]): string | undefined => {
        for (const where of [
          ['--git-dir', checkout],
          ['-C', checkout],
        ]) {
          try {
            return execFileSync('git', [...where, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] });
          } catch {
            // try the other way to name the repository
          }
        }
        return undefined;
      };
      const commit = git('rev-list', '-n', '1', tag)?.trim();
      if (!commit) throw new UserError(`${checkout} is not a git repository with the tag ${tag}`);
      const pages: Record<string, string> = {};
      const read = (path: string) => {
        const text = git('show', `${tag}:${path}`);
        if (text === undefined) throw new UserError(`${tag}:${path} does not exist in ${checkout}`);
        pages[path] = createHash('sha256').update(text).digest('hex');
        return text;
      };
      const shared = (lookup: string) => read(`${DOCS}/shared/${lookup}`);
      const components: Record<string, AlloyComponentReference> = {};
      for (const name of CONFIG_BLOCKS) components[name] = parseAlloyComponent(read(`${DOCS}/reference/config-blocks/${name}.md`), { labelled: false, shared });
      for (const name of COMPONENTS) {
        components[name] = parseAlloyComponent(read(`${DOCS}/reference/components/${name.split('.')[0]}/${name}.md`), { labelled: true, shared });
      }
      const source = {
        repository: 'https://github.com/grafana/alloy',
        version: tag,
        commit,
        generator: 'npm run import:alloy (cli/import-alloy.ts, observability/alloy-reference.ts)',
        ...Object.fromEntries(Object.entries(pages).map(([path, sha]) => [`sha256 ${path}`, sha])),
      };
      const out = fileURLToPath(new URL('../imports/alloy/components.json', import.meta.url));
      writeFileSync(out, `${JSON.stringify({ source, components }, null, 1)}\n`);
      io.out(`wrote ${out}: ${Object.keys(components).length} components of Alloy ${tag}`);
      return 0;
    },
    io,
  );
}

runAsScript(import.meta.url, (argv) => importAlloyCommand(argv));
