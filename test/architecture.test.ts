/**
 * The folder tree is the architecture (docs/architecture.md): dependencies flow one way,
 * config <- core <- observability <- delivery <- charts <- gitops, helm, policy <- synth <- cli/main,
 * and there are no import cycles. Read from the sources' import statements, type-only ones included
 * (a type a lower layer needs belongs in that lower layer).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;

/** Rank of each top-level folder: a module may import its own folder and lower ranks only. */
const LAYERS: Record<string, number> = {
  config: 0,
  core: 1,
  observability: 2,
  delivery: 3,
  charts: 4,
  gitops: 5,
  helm: 5,
  policy: 5,
  synth: 6,
  cli: 7,
};

const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** Every source module (not tests, generated imports, bench) with the modules it imports. */
function importGraph(): Map<string, string[]> {
  const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && (f === 'main.ts' || f.split('/')[0] in LAYERS));
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = [...text.matchAll(SPECIFIER)].map((m) => normalize(join(dirname(file), m[1] ?? m[2])).replace(/\.js$/, '.ts'));
    graph.set(file, [...new Set(targets)].filter((t) => !t.startsWith('imports/')));
  }
  return graph;
}

/** main.ts is the cdk8s entry point, a command like those in cli/. */
const layerOf = (file: string): string => (file === 'main.ts' ? 'cli' : file.split('/')[0]);

/** The cycles of `graph` (each as the path that closes it), found by depth-first search. */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('architecture', () => {
  const graph = importGraph();

  it('reads the whole source tree', () => {
    expect(graph.size).toBeGreaterThan(80);
    for (const layer of Object.keys(LAYERS)) expect([...graph.keys()].some((f) => layerOf(f) === layer), layer).toBe(true);
  });

  it('has no import cycles', () => {
    expect(cyclesOf(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it('imports only its own folder and the layers below it', () => {
    const upward = [...graph].flatMap(([file, targets]) =>
      targets
        .filter((target) => layerOf(target) !== layerOf(file) && !(LAYERS[layerOf(target)] < LAYERS[layerOf(file)]))
        .map((target) => `${file} -> ${target}`),
    );
    expect(upward).toEqual([]);
  });

  it('the checks can fail: a cycle and an upward import are found', () => {
    expect(cyclesOf(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
    expect(LAYERS[layerOf('config/schema.ts')]).toBeLessThan(LAYERS[layerOf('charts/render.ts')]);
  });
});
