/**
 * npm run import:loki -- <checkout of grafana/loki> <tag>
 *
 * Reads Loki's configuration reference (docs/sources/shared/configuration.md) at <tag> from a
 * git checkout of grafana/loki and writes the documented keys to imports/loki/config-keys.json
 * (observability/loki-reference.ts), with the tag, commit and sha256 of the text it was made from.
 * Only the key names and types are kept, not the text. The tests check every Loki configuration
 * the project writes against that file.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseLokiReference } from '../observability/loki-reference.js';
import { consoleIo, runAsScript, runCommand, UserError, type Io } from './command.js';

const REFERENCE_PATH = 'docs/sources/shared/configuration.md';
const IMPORT = {
  usage: 'usage: npm run import:loki -- <grafana/loki git checkout> <tag>',
  help: `Writes imports/loki/config-keys.json from ${REFERENCE_PATH} at <tag>.`,
  options: {},
  maxPositionals: 2,
} as const;

export function importLokiCommand(argv: string[], io: Io = consoleIo): number {
  return runCommand(
    IMPORT,
    argv,
    ({ positionals }) => {
      const [checkout, tag] = positionals;
      if (!checkout || !tag) throw new UserError(`${IMPORT.usage}\n(both arguments are needed)`);
      const git = (...args: string[]) => {
        try {
          return execFileSync('git', ['--git-dir', checkout, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
        } catch {
          try {
            return execFileSync('git', ['-C', checkout, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
          } catch {
            throw new UserError(`cannot read ${tag}:${REFERENCE_PATH} from the git repository ${checkout}`);
          }
        }
      };
      const text = git('show', `${tag}:${REFERENCE_PATH}`);
      const source = {
        repository: 'https://github.com/grafana/loki',
        version: tag,
        commit: git('rev-list', '-n', '1', tag).trim(),
        file: REFERENCE_PATH,
        sha256: createHash('sha256').update(text).digest('hex'),
        generator: 'npm run import:loki (cli/import-loki.ts, observability/loki-reference.ts)',
      };
      const reference = parseLokiReference(text, source);
      const out = fileURLToPath(new URL('../imports/loki/config-keys.json', import.meta.url));
      writeFileSync(out, `${JSON.stringify(reference, null, 1)}\n`);
      io.out(`wrote ${out}: ${Object.keys(reference.blocks).length} blocks of Loki ${tag}`);
      return 0;
    },
    io,
  );
}

runAsScript(import.meta.url, (argv) => importLokiCommand(argv));
