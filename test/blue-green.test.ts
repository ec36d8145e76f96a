import { describe, expect, it } from 'vitest';
import { blueGreenTransition, colourWorkload, idleColour } from '../delivery/blue-green.js';
import type { Edit } from '../delivery/canary.js';
import { releaseTransition } from '../delivery/release.js';
import { validateManifests } from '../core/validate/index.js';
import { configFromYaml, find, findAll, objectsOf, renderYaml } from './helpers.js';

const blueGreen = (settings: string) => `tier: prod\nservices:\n  backend:\n    blueGreen: ${settings}\n`;
const service = (settings: string) => configFromYaml(blueGreen(settings)).services.backend;
const edits = (e: readonly Edit[]) => Object.fromEntries(e.map((x) => [x.path.join('.'), 'remove' in x ? '<removed>' : x.value]));

describe('blue-green manifests', () => {
  const env = renderYaml(blueGreen('{ enabled: true, active: green, idleTag: "0.9.0" }'));

  it('runs both colours, each with its own HPA, and no plain Deployment', () => {
    const blue = find(env, 'Deployment', 'backend-blue');
    const green = find(env, 'Deployment', 'backend-green');
    expect(find(env, 'Deployment', 'backend')).toBeUndefined();
    expect(green.spec.template.spec.containers[0].image).toBe('ghcr.io/example/webapp-backend:1.0.0');
    expect(blue.spec.template.spec.containers[0].image).toBe('ghcr.io/example/webapp-backend:0.9.0');
    expect(blue.spec.selector.matchLabels.track).toBe('blue');
    expect(green.spec.selector.matchLabels.track).toBe('green');
    expect(
      findAll(env, 'HorizontalPodAutoscaler')
        .map((h) => h.spec.scaleTargetRef.name)
        .sort(),
    ).toEqual(['backend-blue', 'backend-green', 'frontend']);
    expect(blue.spec).not.toHaveProperty('replicas');
  });

  it('points the Service, and so the Ingress, at the active colour only', () => {
    const svc = find(env, 'Service', 'backend');
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/instance': 'webapp-test', track: 'green' });
    expect(find(env, 'Ingress', 'webapp').spec.rules[0].http.paths[0]).toMatchObject({ path: '/api', backend: { service: { name: 'backend' } } });
  });

  it('validates', () => {
    expect(validateManifests(objectsOf(env))).toEqual([]);
  });

  it('cannot be combined with a canary', () => {
    expect(() => configFromYaml('tier: prod\nservices:\n  backend:\n    blueGreen: { enabled: true }\n    canary: { enabled: true, tag: "2.0.0" }\n')).toThrow(
      /either by canary or by blue-green/,
    );
  });
});

describe('blue-green transitions', () => {
  it('start stages the new version on the idle colour', () => {
    const s = service('{ enabled: true }');
    expect(idleColour(s)).toBe('green');
    const t = blueGreenTransition(s, { kind: 'start', tag: '1.1.0' });
    expect(t.ok && edits(t.edits)).toEqual({ 'blueGreen.idleTag': '1.1.0', 'blueGreen.idleDigest': '<removed>' });
    expect(colourWorkload(service('{ enabled: true, idleTag: "1.1.0" }'), 'green').image.tag).toBe('1.1.0');
  });
  it('switch makes the idle colour active and keeps the old version on the other', () => {
    const t = blueGreenTransition(service('{ enabled: true, idleTag: "1.1.0" }'), { kind: 'switch' });
    expect(t.ok && edits(t.edits)).toEqual({
      'blueGreen.active': 'green',
      'image.tag': '1.1.0',
      'image.digest': '<removed>',
      'blueGreen.idleTag': '1.0.0',
      'blueGreen.idleDigest': '<removed>',
    });
  });
  it('rollback switches back', () => {
    const t = blueGreenTransition(service('{ enabled: true, active: green, idleTag: "1.0.0" }'), { kind: 'rollback' });
    expect(t.ok && edits(t.edits)).toMatchObject({ 'blueGreen.active': 'blue', 'image.tag': '1.0.0' });
  });
  it('refuses what makes no sense', () => {
    expect(blueGreenTransition(service('{ enabled: true }'), { kind: 'switch' })).toMatchObject({ ok: false, error: expect.stringContaining('start --image-tag <tag> first') });
    expect(blueGreenTransition(service('{ enabled: true }'), { kind: 'start', tag: '1.0.0' })).toMatchObject({ ok: false });
    expect(blueGreenTransition(service('{ enabled: true }'), { kind: 'promote' })).toMatchObject({ ok: false, error: expect.stringContaining('use switch') });
    expect(releaseTransition(service('{}'), { kind: 'switch' })).toMatchObject({ ok: false, error: expect.stringContaining('blue-green services') });
  });
});
