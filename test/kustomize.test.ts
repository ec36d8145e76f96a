/**
 * dist/<env>/ is a kustomization: the real `kubectl kustomize` must print exactly the synthesized
 * objects. The output is written to a scratch directory by the same writer as `npm run synth`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { objectKey } from '../gitops/diff.js';
import { kustomization, KUSTOMIZATION_FILE } from '../core/kustomize.js';
import { writeEnvironments } from '../core/output.js';
import type { Manifest } from '../core/manifest.js';
import { synthesize } from '../synth/synth.js';
import { objectsOf } from './helpers.js';

const run = promisify(execFile);
const outdir = mkdtempSync(join(tmpdir(), 'kustomize-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const { environments } = synthesize();
writeEnvironments(outdir, environments);

const byKey = (objects: readonly Manifest[]) => new Map(objects.map((o) => [objectKey(o), o]));

describe('kustomization.yaml', () => {
  it('lists the files of the environment in order, and nothing else', () => {
    expect(kustomization(['00-namespace.yaml', '20-mongodb.yaml'])).toEqual({
      apiVersion: 'kustomize.config.k8s.io/v1beta1',
      kind: 'Kustomization',
      resources: ['00-namespace.yaml', '20-mongodb.yaml'],
    });
    for (const env of environments) {
      expect(parse(readFileSync(join(outdir, env.name, KUSTOMIZATION_FILE), 'utf8')).resources).toEqual(env.files.map((f) => f.name));
    }
  });
});

describe.concurrent.each(environments.map((e) => [e.name, e] as const))('kubectl kustomize dist/%s', (name, env) => {
  it('prints exactly the synthesized objects', async () => {
    const { stdout } = await run('kubectl', ['kustomize', join(outdir, name)], { maxBuffer: 16 * 1024 * 1024 });
    const printed = parseAllDocuments(stdout).map((d) => d.toJS() as Manifest);
    const expected = byKey(objectsOf(env));
    expect(printed).toHaveLength(expected.size);
    expect(byKey(printed)).toEqual(expected);
  });
});
