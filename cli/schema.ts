/**
 * Writes config/schema.json (the JSON Schema of an environment file, for editors:
 * `# yaml-language-server: $schema=../schema.json`), config/gitops.schema.json (the same for
 * config/gitops.yaml) and the config reference in README.md.
 * `npm run schema` regenerates them; a test fails when any is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gitopsFileJsonSchema } from '../config/gitops.js';
import { environmentFileJsonSchema } from '../config/json-schema.js';
import { withConfigReference } from '../config/reference.js';

const schemaFile = fileURLToPath(new URL('../config/schema.json', import.meta.url));
writeFileSync(schemaFile, `${JSON.stringify(environmentFileJsonSchema(), null, 2)}\n`);
console.log(`wrote ${schemaFile}`);

const gitopsSchemaFile = fileURLToPath(new URL('../config/gitops.schema.json', import.meta.url));
writeFileSync(gitopsSchemaFile, `${JSON.stringify(gitopsFileJsonSchema(), null, 2)}\n`);
console.log(`wrote ${gitopsSchemaFile}`);

const readmeFile = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readmeFile, withConfigReference(readFileSync(readmeFile, 'utf8')));
console.log(`updated the config reference in ${readmeFile}`);
