import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitopsFileJsonSchema } from '../config/gitops.js';
import { environmentFileJsonSchema } from '../config/json-schema.js';
import { withConfigReference } from '../config/reference.js';
import { ENVIRONMENT_MARKER, environmentDirectory, outputFileText, type OutputDirectory } from '../core/output.js';
import { synthesize } from '../synth/synth.js';
import { ENVIRONMENTS, renderCommitted } from './helpers.js';

const root = new URL('..', import.meta.url).pathname;

/** dist/<name>/ holds exactly the files of `expected` (and an environment's marker), byte for byte. */
function expectCommitted(expected: OutputDirectory): void {
  const dir = join(root, 'dist', expected.name);
  // Files of subdirectories too (dist/<env>/restore/), by their relative path.
  const committedFiles = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
  expect(committedFiles.sort()).toEqual([...expected.files.map((f) => f.name), ...(expected.marker === undefined ? [] : [ENVIRONMENT_MARKER])].sort());
  if (expected.marker !== undefined) expect(readFileSync(join(dir, ENVIRONMENT_MARKER), 'utf8')).toBe(expected.marker);
  for (const file of expected.files) {
    expect(readFileSync(join(dir, file.name), 'utf8'), `dist/${expected.name}/${file.name}`).toBe(outputFileText(expected, file));
  }
}

describe('committed output is what the config produces', () => {
  it.each(ENVIRONMENTS)('dist/%s (with its kustomization.yaml) matches a fresh synth (run `npm run synth` after changing config or code)', (name) => {
    expectCommitted(environmentDirectory(renderCommitted(name)));
  });

  it('dist/argocd/ and dist/argocd-applicationset/ match a fresh synth (run `npm run synth`)', () => {
    const { argocd } = synthesize();
    expect(argocd.map((d) => d.name)).toEqual(['argocd', 'argocd-applicationset']);
    for (const directory of argocd) expectCommitted(directory);
  });

  it('config/gitops.schema.json matches the zod schema, and config/gitops.yaml points editors at it (run `npm run schema`)', () => {
    expect(JSON.parse(readFileSync(join(root, 'config', 'gitops.schema.json'), 'utf8'))).toEqual(gitopsFileJsonSchema());
    expect(readFileSync(join(root, 'config', 'gitops.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./gitops.schema.json');
  });

  it('config/schema.json matches the zod schema (run `npm run schema`)', () => {
    const committed = JSON.parse(readFileSync(join(root, 'config', 'schema.json'), 'utf8'));
    expect(committed).toEqual(environmentFileJsonSchema());
  });

  it('every environment file points editors at the JSON Schema (its first line, a convention docs/configuration.md states)', () => {
    for (const name of ENVIRONMENTS) {
      const firstLine = readFileSync(join(root, 'config', 'environments', `${name}.yaml`), 'utf8').split('\n')[0];
      expect(firstLine, `config/environments/${name}.yaml must start with the line docs/configuration.md shows`).toBe('# yaml-language-server: $schema=../schema.json');
    }
  });
});

describe('docs/configuration.md', () => {
  it('holds the current config reference (run `npm run schema`)', () => {
    const readme = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
    expect(readme).toBe(withConfigReference(readme));
  });
});
