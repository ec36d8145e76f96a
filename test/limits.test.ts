/**
 * The API server's size limits (core/validate/limits.ts): validation reports an object over them
 * with the object, its largest part and what to do, and an environment of 200 web services stays
 * within them (no object grows with the number of services).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/load.js';
import { validateManifests } from '../core/validate/index.js';
import { goJsonBytes, LAST_APPLIED_ANNOTATION, MAX_ANNOTATION_BYTES, MAX_OBJECT_BYTES, sizeProblems } from '../core/validate/limits.js';
import { validateRendered } from '../core/validate/rendered.js';
import { objectsOf, renderYaml } from './helpers.js';

const configMap = (data: Record<string, string>, annotations?: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'big', namespace: 'ns', ...(annotations && { annotations }) },
  data,
});

describe('size limits', () => {
  it('count bytes as Go encoding/json writes them (what kubectl puts in the annotation)', () => {
    expect(goJsonBytes({ a: 'x' })).toBe('{"a":"x"}'.length);
    expect(goJsonBytes({ a: 'a && b < c' })).toBe('{"a":"a \\u0026\\u0026 b \\u003c c"}'.length);
    expect(goJsonBytes({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
  });

  it('an object that fits: no problem; just over the annotation limit with last-applied-configuration: one, naming the largest part and the remedy', () => {
    expect(sizeProblems(configMap({ 'small.json': 'x'.repeat(1000) }))).toEqual([]);
    const base = goJsonBytes(configMap({ 'dashboard.json': '' }));
    const fits = MAX_ANNOTATION_BYTES - LAST_APPLIED_ANNOTATION.length - base;
    expect(sizeProblems(configMap({ 'dashboard.json': 'x'.repeat(fits) }))).toEqual([]);
    const [problem, ...more] = sizeProblems(configMap({ 'dashboard.json': 'x'.repeat(fits + 1) }));
    expect(more).toEqual([]);
    expect(problem).toContain(`the object is ${base + fits + 1} bytes of JSON`);
    expect(problem).toContain(LAST_APPLIED_ANNOTATION);
    expect(problem).toContain(`the annotations would total ${MAX_ANNOTATION_BYTES + 1} bytes, over the 262144 bytes (256 KiB)`);
    expect(problem).toContain(`its largest part is data["dashboard.json"] (${fits + 3} bytes)`);
  });

  it('the annotations an object already has count, and a previous last-applied-configuration does not', () => {
    const own = { note: 'y'.repeat(MAX_ANNOTATION_BYTES) };
    expect(sizeProblems(configMap({}, own))).toEqual([expect.stringMatching(/^metadata\.annotations: 262148 bytes, over the 262144 bytes \(256 KiB\)/)]);
    expect(sizeProblems(configMap({ a: 'x' }, { [LAST_APPLIED_ANNOTATION]: 'z'.repeat(300_000) }))).toEqual([]);
  });

  it('over 1 MiB: the object limit as well', () => {
    const problems = sizeProblems(configMap({ 'a.json': 'x'.repeat(MAX_OBJECT_BYTES) }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^the object is \d+ bytes of JSON, over the 1048576 bytes \(1 MiB\) the API server stores in one object; its largest part is data\["a\.json"\]/);
  });

  it('validation reports them as issues of the object, and synthesis as a mistake in the config file', () => {
    const big = configMap({ 'dashboard.json': 'x'.repeat(300_000) });
    expect(validateManifests([big])).toEqual([
      expect.objectContaining({ kind: 'ConfigMap', name: 'big', limit: true, message: expect.stringMatching(/^ConfigMap\/big: the object is/) }),
    ]);
    const env = { name: 'prod', source: 'config/environments/prod.yaml', files: [{ name: '50-monitoring.yaml', objects: [big] }] };
    expect(() => validateRendered([env])).toThrow(ConfigError);
    expect(() => validateRendered([env])).toThrow(/^config\/environments\/prod\.yaml: invalid configuration\n {2}- prod\/50-monitoring\.yaml: ConfigMap\/big: the object is/);
  });

  it('200 web services with canaries: every object within the limits, the largest under a quarter of the annotation limit', () => {
    const environment = (count: number) => {
      const services = Array.from(
        { length: count },
        (_, i) =>
          `  svc-${String(i).padStart(3, '0')}: { image: { repository: example/svc, tag: "1.0.0" }, port: 8080, uses: [mongodb, redis], ingress: { paths: [{ path: /svc-${String(i).padStart(3, '0')} }] }, canary: { enabled: true, tag: "2.0.0" } }`,
      );
      return renderYaml(`tier: prod\nservices:\n  frontend: { enabled: false }\n${services.join('\n')}\n`);
    };
    const objects = objectsOf(environment(200));
    expect(objects.filter((o) => o.kind === 'Deployment')).toHaveLength(200 * 2 + 1); // stable and canary of each, and the backend
    expect(validateManifests(objects as Record<string, unknown>[]).filter((i) => i.limit)).toEqual([]);
    const largest = Math.max(...objects.map((o) => goJsonBytes(o)));
    expect(largest).toBeLessThan(MAX_ANNOTATION_BYTES / 4);
  });
});
