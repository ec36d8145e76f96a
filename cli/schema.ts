/**
 * Writes config/schema.json (the JSON Schema of an environment file, for editors:
 * `# yaml-language-server: $schema=../schema.json`) and the config reference in README.md.
 * `npm run schema` regenerates both; a test fails when either is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { environmentFileJsonSchema } from '../config/json-schema.js';
import { withConfigReference } from '../config/reference.js';

const schemaFile = fileURLToPath(new URL('../config/schema.json', import.meta.url));
writeFileSync(schemaFile, `${JSON.stringify(environmentFileJsonSchema(), null, 2)}\n`);
console.log(`wrote ${schemaFile}`);

const readmeFile = fileURLToPath(new URL('../README.md', import.meta.url));
writeFileSync(readmeFile, withConfigReference(readFileSync(readmeFile, 'utf8')));
console.log(`updated the config reference in ${readmeFile}`);
