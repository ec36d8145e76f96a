/**
 * Compiled CRD validators are cached as ajv standalone code (core/validate/crds.ts). A cached
 * validator must report exactly what a fresh compile reports, a changed CRD file must never reuse
 * a stale entry, and a damaged or unwritable cache must only cost a compile.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CRD_DIR, CrdCatalog } from '../core/validate/index.js';

type Obj = Record<string, unknown>;
const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'crd-cache-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The first object of a kind in a synthesized file of dist/ (real output, valid by construction). */
function synthesized(file: string, kind: string): Obj {
  const docs = parseAllDocuments(readFileSync(join(DIST, file), 'utf8')).map((d) => d.toJS() as Obj);
  const found = docs.find((d) => d.kind === kind);
  if (!found) throw new Error(`no ${kind} in dist/${file}`);
  return found;
}

/** A deep copy of obj with `change` applied to the object at `path` (keys and array indexes). */
function changed(obj: Obj, path: (string | number)[], change: (parent: Obj) => void): Obj {
  const copy = structuredClone(obj);
  change(path.reduce<Obj>((node, key) => node[key] as Obj, copy));
  return copy;
}
const rename = (from: string, to: string) => (o: Obj) => {
  o[to] = o[from];
  delete o[from];
};
const set = (key: string, value: unknown) => (o: Obj) => {
  o[key] = value;
};
const remove = (key: string) => (o: Obj) => {
  delete o[key];
};

const serviceMonitor = synthesized('prod/20-mongodb.yaml', 'ServiceMonitor');
const prometheusRule = synthesized('prod/50-monitoring.yaml', 'PrometheusRule');
const application = synthesized('argocd/10-application-prod.yaml', 'Application');
const appProject = synthesized('argocd/00-project.yaml', 'AppProject');
const applicationSet = synthesized('argocd-applicationset/10-applicationset.yaml', 'ApplicationSet');

/** Each case: an object and the ajv keywords its errors must include (none: valid). */
const cases: { name: string; obj: Obj; keywords: string[] }[] = [
  { name: 'ServiceMonitor as synthesized', obj: serviceMonitor, keywords: [] },
  { name: 'ServiceMonitor spec.endpoint (typo)', obj: changed(serviceMonitor, ['spec'], rename('endpoints', 'endpoint')), keywords: ['additionalProperties'] },
  { name: 'ServiceMonitor sampleLimit 1.5 (int64 format)', obj: changed(serviceMonitor, ['spec'], set('sampleLimit', 1.5)), keywords: ['format'] },
  { name: 'ServiceMonitor sampleLimit "many"', obj: changed(serviceMonitor, ['spec'], set('sampleLimit', 'many')), keywords: ['type'] },
  { name: 'ServiceMonitor without spec', obj: changed(serviceMonitor, [], remove('spec')), keywords: ['required'] },
  { name: 'PrometheusRule as synthesized', obj: prometheusRule, keywords: [] },
  { name: 'PrometheusRule group "rulez" (typo)', obj: changed(prometheusRule, ['spec', 'groups', 0], rename('rules', 'rulez')), keywords: ['additionalProperties'] },
  { name: 'PrometheusRule group without name', obj: changed(prometheusRule, ['spec', 'groups', 0], remove('name')), keywords: ['required'] },
  { name: 'PrometheusRule metadata.label (typo)', obj: changed(prometheusRule, ['metadata'], rename('labels', 'label')), keywords: ['additionalProperties'] },
  { name: 'PrometheusRule rule for: 5', obj: changed(prometheusRule, ['spec', 'groups', 0, 'rules', 0], set('for', 5)), keywords: ['type'] },
  { name: 'Application as synthesized', obj: application, keywords: [] },
  { name: 'Application spec.sorce (typo)', obj: changed(application, ['spec'], rename('source', 'sorce')), keywords: ['additionalProperties'] },
  { name: 'Application retry limit 1.5 (int64 format)', obj: changed(application, ['spec', 'syncPolicy', 'retry'], set('limit', 1.5)), keywords: ['format'] },
  { name: 'Application without destination', obj: changed(application, ['spec'], remove('destination')), keywords: ['required'] },
  { name: 'Application status.reconciledAt "yesterday" (date-time format)', obj: changed(application, [], set('status', { reconciledAt: 'yesterday' })), keywords: ['format'] },
  { name: 'AppProject as synthesized', obj: appProject, keywords: [] },
  { name: 'AppProject spec.destination (typo)', obj: changed(appProject, ['spec'], rename('destinations', 'destination')), keywords: ['additionalProperties'] },
  { name: 'AppProject sourceRepos a string', obj: changed(appProject, ['spec'], set('sourceRepos', 'https://example.com')), keywords: ['type'] },
  { name: 'AppProject whitelist entry without kind', obj: changed(appProject, ['spec', 'clusterResourceWhitelist', 0], remove('kind')), keywords: ['required'] },
  { name: 'ApplicationSet as synthesized', obj: applicationSet, keywords: [] },
  { name: 'ApplicationSet spec.generator (typo)', obj: changed(applicationSet, ['spec'], rename('generators', 'generator')), keywords: ['additionalProperties'] },
  { name: 'ApplicationSet goTemplate "yes"', obj: changed(applicationSet, ['spec'], set('goTemplate', 'yes')), keywords: ['type'] },
  { name: 'ApplicationSet without template', obj: changed(applicationSet, ['spec'], remove('template')), keywords: ['required'] },
  { name: 'ApplicationSet template spec.sorce (typo)', obj: changed(applicationSet, ['spec', 'template', 'spec'], rename('source', 'sorce')), keywords: ['additionalProperties'] },
];

function errorsOf(catalog: CrdCatalog, obj: Obj): unknown[] {
  const lookup = catalog.lookup(String(obj.apiVersion), String(obj.kind));
  if (lookup === null || !('checker' in lookup)) throw new Error(`no checker for ${obj.kind}: ${JSON.stringify(lookup)}`);
  return lookup.checker(obj);
}

const cacheFiles = (dir: string): string[] => readdirSync(dir).sort();

describe('cached CRD validators', () => {
  const cacheDir = mkdtempSync(join(scratch, 'cache-'));
  const fresh = new CrdCatalog(CRD_DIR, { cacheDir });
  const freshErrors = cases.map((c) => errorsOf(fresh, c.obj));

  it('a fresh compile reports the expected errors and stores one validator per kind', () => {
    cases.forEach((c, i) => {
      expect(
        freshErrors[i]?.map((e) => (e as { keyword: string }).keyword),
        c.name,
      ).toEqual(c.keywords.length ? expect.arrayContaining(c.keywords) : []);
    });
    expect(fresh.parsedFiles()).toHaveLength(5);
    expect(cacheFiles(cacheDir)).toHaveLength(5);
    expect(cacheFiles(cacheDir).every((f) => /^[0-9a-f]{64}\.cjs$/.test(f))).toBe(true);
  });

  it('the cached code reports exactly the same errors, without parsing any CRD file', () => {
    const cached = new CrdCatalog(CRD_DIR, { cacheDir });
    cases.forEach((c, i) => {
      expect(errorsOf(cached, c.obj), c.name).toEqual(freshErrors[i]);
    });
    expect(cached.parsedFiles()).toEqual([]);
  });

  it('a damaged cache entry is recompiled, overwritten and then used again', () => {
    const entries = cacheFiles(cacheDir).map((f) => join(cacheDir, f));
    const notAValidator = 'module.exports = 42;';
    // One damage per entry: all five kinds have an entry.
    const damages = [
      (text: string) => text.slice(0, text.length / 2), // truncated
      () => 'not javascript {',
      // Still runs, accepts everything; only the digest line tells it is not what was written.
      (text: string) => text.replace('"use strict";', '"use strict";module.exports = () => true;return;'),
      () => `// sha256:${createHash('sha256').update(notAValidator).digest('hex')}\n${notAValidator}`,
      () => '',
    ];
    expect(entries).toHaveLength(damages.length);
    entries.forEach((file, i) => {
      writeFileSync(file, damages[i]?.(readFileSync(file, 'utf8')) ?? '');
    });
    const catalog = new CrdCatalog(CRD_DIR, { cacheDir });
    cases.forEach((c, i) => {
      expect(errorsOf(catalog, c.obj), c.name).toEqual(freshErrors[i]);
    });
    expect(catalog.parsedFiles()).toHaveLength(5);
    expect(cacheFiles(cacheDir)).toHaveLength(5);
    // Overwritten with working code (not byte-equal: ajv numbers its functions per process).
    const reloaded = new CrdCatalog(CRD_DIR, { cacheDir });
    cases.forEach((c, i) => {
      expect(errorsOf(reloaded, c.obj), c.name).toEqual(freshErrors[i]);
    });
    expect(reloaded.parsedFiles()).toEqual([]);
  });

  it('a cache directory that cannot be written only costs a compile', () => {
    const notADir = join(scratch, 'a-file');
    writeFileSync(notADir, '');
    const catalog = new CrdCatalog(CRD_DIR, { cacheDir: join(notADir, 'cache') });
    cases.slice(0, 5).forEach((c, i) => {
      expect(errorsOf(catalog, c.obj), c.name).toEqual(freshErrors[i]);
    });
  });
});

describe('cache invalidation', () => {
  it('a changed CRD file gets a new cache entry and its own validator, never the stale one', () => {
    const CRD = 'monitoring.coreos.com_servicemonitors.yaml';
    const crdDir = mkdtempSync(join(scratch, 'crds-'));
    const cacheDir = mkdtempSync(join(scratch, 'cache-'));
    cpSync(join(CRD_DIR, CRD), join(crdDir, CRD));
    const withLimit = changed(serviceMonitor, ['spec'], set('sampleLimit', 5));

    expect(errorsOf(new CrdCatalog(crdDir, { cacheDir }), withLimit)).toEqual([]);
    const before = cacheFiles(cacheDir);
    expect(before).toHaveLength(1);

    // The edited CRD no longer has spec.sampleLimit (it is renamed), so the same object is now a typo.
    const text = readFileSync(join(crdDir, CRD), 'utf8');
    const edited = text.replace(/^( {14})sampleLimit:$/m, '$1sampleLimits:');
    expect(edited).not.toBe(text);
    writeFileSync(join(crdDir, CRD), edited);

    const catalog = new CrdCatalog(crdDir, { cacheDir });
    expect(errorsOf(catalog, withLimit)).toMatchObject([{ keyword: 'additionalProperties', instancePath: '/spec', params: { additionalProperty: 'sampleLimit' } }]);
    expect(catalog.parsedFiles()).toEqual([CRD]);
    const after = cacheFiles(cacheDir);
    expect(after).toHaveLength(2);
    expect(after).toEqual(expect.arrayContaining(before));
  });
});
