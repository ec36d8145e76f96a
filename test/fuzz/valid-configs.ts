/**
 * The valid-config property: every generated valid environment file parses, and its objects pass
 * the schema validation (validateManifests) and the policy report without an error.
 *
 * Run by test/fuzz.test.ts in child processes, a share of the runs each, so the volume uses every
 * CPU (vitest runs one test file at a time on one). Also runnable alone to reproduce a failure:
 *
 *   node --import tsx test/fuzz/valid-configs.ts --seed 42 --runs 500
 */
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseConfig } from '../../config/load.js';
import { isEntryPoint } from '../../cli/entry-point.js';
import { checkObjects } from '../../policy/index.js';
import { renderEnvironment } from '../../charts/render.js';
import type { Manifest } from '../../core/manifest.js';
import { validateObject } from '../../core/validate/index.js';
import { validOverlay } from './arbitraries.js';

export interface ValidConfigsReport {
  readonly seed: number;
  readonly runs: number;
  readonly objects: number;
  readonly milliseconds: number;
  /** fast-check's report (seed, shrunk counterexample, error) when the property failed. */
  readonly failure?: string;
}

/**
 * validateManifests, with each object's verdict cached by its JSON: generated environments share
 * most of their objects, and validation is a pure function of the object.
 */
const verdicts = new Map<string, string[]>();
function schemaProblems(objects: readonly Manifest[]): string[] {
  const seen = new Set<string>();
  return objects.flatMap((o) => {
    const json = JSON.stringify(o);
    let problems = verdicts.get(json);
    if (!problems) {
      problems = validateObject(o).map((i) => i.message);
      verdicts.set(json, problems);
    }
    const meta = o.metadata as { name: string; namespace?: string };
    const key = `${String(o.apiVersion)}|${String(o.kind)}|${meta.namespace ?? ''}|${meta.name}`;
    const duplicate = seen.has(key) ? [`duplicate object ${key}`] : [];
    seen.add(key);
    return [...problems, ...duplicate];
  });
}

function checkValidConfigs(seed: number, numRuns: number): ValidConfigsReport {
  const started = performance.now();
  let objects = 0;
  const result = fc.check(
    fc.property(validOverlay, (overlay) => {
      const text = stringify(overlay);
      const config = parseConfig(text, 'fuzz.yaml');
      const rendered = renderEnvironment('fuzz', config).files.flatMap((f) => f.objects);
      const problems = [
        ...schemaProblems(rendered),
        ...checkObjects(rendered, { tier: config.tier })
          .filter((v) => v.severity === 'error')
          .map((v) => `${v.rule}: ${v.object}: ${v.message}`),
      ];
      if (problems.length) throw new Error(`${problems.join('\n')}\n--- config ---\n${text}`);
      objects += rendered.length;
    }),
    { seed, numRuns },
  );
  return {
    seed,
    runs: result.numRuns,
    objects,
    milliseconds: Math.round(performance.now() - started),
    ...(result.failed ? { failure: fc.defaultReportMessage(result) ?? 'failed' } : {}),
  };
}

if (isEntryPoint(import.meta.url)) {
  const { values } = parseArgs({ options: { seed: { type: 'string' }, runs: { type: 'string', default: '500' } } });
  const seed = values.seed === undefined ? Date.now() : Number(values.seed);
  process.stdout.write(`${JSON.stringify(checkValidConfigs(seed, Number(values.runs)))}\n`);
}
