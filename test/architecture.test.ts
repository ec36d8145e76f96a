/**
 * The folder tree is the architecture (docs/architecture.md). dependency-cruiser enforces it on the
 * whole tree in `npm test` (`npm run lint:layers`, rules in .dependency-cruiser.mjs, the one list of
 * the layers). These tests hold that list to the tree and the documentation, and show that the rules
 * catch each kind of forbidden import.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const config = join(root, '.dependency-cruiser.mjs');
const { LAYERS } = (await import(pathToFileURL(config).href)) as { LAYERS: readonly (readonly string[])[] };

/** Folders with TypeScript that are outside the stack: generated constructs, tests, the benchmark. */
const OUTSIDE = ['imports', 'test', 'bench'];

/** The dependency-cruiser violations ("<rule>: <from> -> <to>") of a tree of files, with the project's rules. */
function violationsOf(files: Record<string, string>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'architecture-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const args = [join(root, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), '--config', config, '--output-type', 'json', '.'];
    const result = JSON.parse(execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8' })) as {
      summary: { violations: { rule: { name: string }; from: string; to: string }[] };
    };
    return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('architecture', () => {
  it('places every folder with TypeScript sources in a layer or outside the stack', () => {
    const folders = new Set(
      execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
        .split('\n')
        .filter((file) => file.includes('/'))
        .map((file) => file.split('/')[0]),
    );
    expect([...folders].filter((folder) => !LAYERS.flat().includes(folder) && !OUTSIDE.includes(folder))).toEqual([]);
    expect(LAYERS.flat().filter((folder) => !folders.has(folder))).toEqual([]);
  });

  it('has the layers that docs/architecture.md draws', () => {
    const diagram = readFileSync(join(root, 'docs/architecture.md'), 'utf8').split('## Dependency direction')[1].split('```')[1];
    // Rows like " 5   gitops/   helm/   policy/      other forms ...", top layer first.
    const rows = diagram
      .split('\n')
      .filter((line) => /^\s*\d+\s/.test(line))
      .map((line) => [...line.matchAll(/(\S+)\/(?=[,\s])/g)].map((m) => m[1]))
      .reverse();
    expect(rows).toEqual(LAYERS);
  });

  it('the rules find an upward import, an import within a layer, a cycle and an import of test/', () => {
    expect(
      violationsOf({
        'config/a.ts': "import { b } from '../charts/b.js';\nexport const a = b;\n",
        'charts/b.ts': 'export const b = 1;\n',
        'gitops/c.ts': "import type { H } from '../helm/h.js';\nexport type C = H;\n",
        'helm/h.ts': 'export type H = number;\n',
        'core/d.ts': "import { e } from './e.js';\nexport const d = () => e;\n",
        'core/e.ts': "import { d } from './d.js';\nexport const e = () => d;\n",
        'synth/f.ts': "import { main } from '../main.js';\nimport { t } from '../test/t.js';\nexport const f = [main, t];\n",
        'main.ts': 'export const main = 1;\n',
        'test/t.ts': 'export const t = 1;\n',
      }),
    ).toEqual([
      'layer-config: config/a.ts -> charts/b.ts',
      'layer-gitops: gitops/c.ts -> helm/h.ts',
      'layer-synth: synth/f.ts -> main.ts',
      'no-circular: core/d.ts -> core/e.ts',
      'not-to-test: synth/f.ts -> test/t.ts',
    ]);
  });

  it('the rules allow imports of the own folder, lower layers and imports/, and test/ importing anything', () => {
    expect(
      violationsOf({
        'config/a.ts': 'export const a = 1;\n',
        'charts/b.ts': "import { a } from '../config/a.js';\nimport { c } from './c.js';\nimport { k } from '../imports/k.js';\nexport const b = [a, c, k];\n",
        'charts/c.ts': 'export const c = 1;\n',
        'imports/k.ts': 'export const k = 1;\n',
        'cli/m.ts': "import { b } from '../charts/b.js';\nexport const m = b;\n",
        'main.ts': "import { m } from './cli/m.js';\nexport const main = m;\n",
        'test/t.ts': "import { main } from '../main.js';\nimport { a } from '../config/a.js';\nexport const t = [main, a];\n",
      }),
    ).toEqual([]);
  });
});
