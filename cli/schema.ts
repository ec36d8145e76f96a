/**
 * Writes config/schema.json (the JSON Schema of an environment file, for editors:
 * `# yaml-language-server: $schema=../schema.json`), config/gitops.schema.json (the same for
 * config/gitops.yaml) and the config reference in docs/configuration.md.
 * `npm run schema` regenerates them; a test fails when any is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gitopsFileJsonSchema } from '../config/gitops.js';
import { environmentFileJsonSchema } from '../config/json-schema.js';
import { withConfigReference } from '../config/reference.js';
import { consoleIo, runAsScript, runCommand, type Io } from './command.js';

const SCHEMA = { usage: 'usage: npm run schema', options: {} } as const;

export function schemaCommand(argv: string[], io: Io = consoleIo): number {
  return runCommand(
    SCHEMA,
    argv,
    () => {
      const schemaFile = fileURLToPath(new URL('../config/schema.json', import.meta.url));
      writeFileSync(schemaFile, `${JSON.stringify(environmentFileJsonSchema(), null, 2)}\n`);
      io.out(`wrote ${schemaFile}`);

      const gitopsSchemaFile = fileURLToPath(new URL('../config/gitops.schema.json', import.meta.url));
      writeFileSync(gitopsSchemaFile, `${JSON.stringify(gitopsFileJsonSchema(), null, 2)}\n`);
      io.out(`wrote ${gitopsSchemaFile}`);

      const referenceFile = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));
      writeFileSync(referenceFile, withConfigReference(readFileSync(referenceFile, 'utf8')));
      io.out(`updated the config reference in ${referenceFile}`);
      return 0;
    },
    io,
  );
}

runAsScript(import.meta.url, (argv) => schemaCommand(argv));
