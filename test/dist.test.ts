import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { environmentFileJsonSchema } from '../config/json-schema.js';
import { withConfigReference } from '../config/reference.js';
import { toYaml } from '../lib/render.js';
import { ENVIRONMENTS, renderCommitted } from './helpers.js';

const root = new URL('..', import.meta.url).pathname;

describe('committed output is what the config produces', () => {
  it.each(ENVIRONMENTS)('dist/%s matches a fresh synth (run `npm run synth` after changing config or code)', (name) => {
    const rendered = renderCommitted(name);
    const dir = join(root, 'dist', name);
    expect(readdirSync(dir).sort()).toEqual(rendered.files.map((f) => f.name).sort());
    for (const file of rendered.files) {
      expect(readFileSync(join(dir, file.name), 'utf8'), `dist/${name}/${file.name}`).toBe(toYaml(file.objects));
    }
  });

  it('config/schema.json matches the zod schema (run `npm run schema`)', () => {
    const committed = JSON.parse(readFileSync(join(root, 'config', 'schema.json'), 'utf8'));
    expect(committed).toEqual(environmentFileJsonSchema());
  });

  it('every environment file points editors at the JSON Schema', () => {
    for (const name of ENVIRONMENTS) {
      expect(readFileSync(join(root, 'config', 'environments', `${name}.yaml`), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../schema.json');
    }
  });
});

describe('README', () => {
  it('holds the current config reference (run `npm run schema`)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withConfigReference(readme));
  });
});
