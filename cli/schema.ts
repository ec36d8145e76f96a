/**
 * Writes config/schema.json: the JSON Schema of an environment file, for editors
 * (`# yaml-language-server: $schema=../schema.json`). `npm run schema` regenerates it and a
 * test fails when the checked-in file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { environmentFileJsonSchema } from '../config/json-schema.js';

const target = fileURLToPath(new URL('../config/schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(environmentFileJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
