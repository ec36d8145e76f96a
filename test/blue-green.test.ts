import { describe, expect, it } from 'vitest';
import { blueGreenTransition, colourWorkload, describeBlueGreen, idleColour, idleState } from '../delivery/blue-green.js';
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
    expect(t.ok && edits(t.edits)).toEqual({ 'blueGreen.idleTag': '1.1.0', 'blueGreen.idleDigest': '<removed>', 'blueGreen.idleState': 'staged' });
    expect(colourWorkload(service('{ enabled: true, idleTag: "1.1.0" }'), 'green').image.tag).toBe('1.1.0');
  });
  it('switch makes the idle colour active and keeps the old version on the other, as the previous one', () => {
    const t = blueGreenTransition(service('{ enabled: true, idleTag: "1.1.0", idleState: staged }'), { kind: 'switch' });
    expect(t.ok && edits(t.edits)).toEqual({
      'blueGreen.active': 'green',
      'image.tag': '1.1.0',
      'image.digest': '<removed>',
      'blueGreen.idleTag': '1.0.0',
      'blueGreen.idleDigest': '<removed>',
      'blueGreen.idleState': 'previous',
    });
  });
  it('rollback switches back after a switch and marks the version it leaves as rolled back', () => {
    const t = blueGreenTransition(service('{ enabled: true, active: green, idleTag: "0.9.0", idleState: previous }'), { kind: 'rollback' });
    expect(t.ok && edits(t.edits)).toMatchObject({ 'blueGreen.active': 'blue', 'image.tag': '0.9.0', 'blueGreen.idleTag': '1.0.0', 'blueGreen.idleState': 'rolledBack' });
  });
  it('an idle tag without a state (files from before idleState) counts as staged', () => {
    expect(idleState(service('{ enabled: true, idleTag: "1.1.0" }'))).toBe('staged');
    expect(idleState(service('{ enabled: true }'))).toBeUndefined();
  });
  it('refuses what makes no sense', () => {
    expect(blueGreenTransition(service('{ enabled: true }'), { kind: 'switch' })).toMatchObject({ ok: false, error: expect.stringContaining('start --image-tag <tag> first') });
    expect(blueGreenTransition(service('{ enabled: true }'), { kind: 'start', tag: '1.0.0' })).toMatchObject({ ok: false });
    expect(blueGreenTransition(service('{ enabled: true }'), { kind: 'promote' })).toMatchObject({ ok: false, error: expect.stringContaining('use switch') });
    expect(releaseTransition(service('{}'), { kind: 'switch' })).toMatchObject({ ok: false, error: expect.stringContaining('blue-green services') });
  });
});

describe('blue-green commands are safe to repeat', () => {
  const noChange = (summary: string) => ({ ok: true, edits: [], summary });

  it('a second rollback is a no-op that says so (it used to switch to the bad version again)', () => {
    const rolledBack = service('{ enabled: true, active: blue, idleTag: "1.1.0", idleState: rolledBack }');
    expect(blueGreenTransition(rolledBack, { kind: 'rollback' })).toEqual(noChange('already rolled back: blue (1.0.0) serves all traffic; green keeps 1.1.0'));
  });
  it('a second switch to the active colour is a no-op', () => {
    const switched = service('{ enabled: true, active: green, idleTag: "0.9.0", idleState: previous }');
    expect(blueGreenTransition(switched, { kind: 'switch' })).toEqual(noChange('already switched: green (1.0.0) serves all traffic; blue keeps 0.9.0 for rollback'));
  });
  it('rollback before any switch changes nothing: the staged version never took traffic', () => {
    expect(blueGreenTransition(service('{ enabled: true, idleTag: "1.1.0", idleState: staged }'), { kind: 'rollback' })).toEqual(
      noChange('nothing to roll back: blue (1.0.0) serves all traffic; green runs 1.1.0, staged, never switched to'),
    );
    expect(blueGreenTransition(service('{ enabled: true }'), { kind: 'rollback' })).toEqual(noChange('nothing to roll back: blue (1.0.0) serves all traffic'));
  });
  it('start of the version staged already is a no-op; a rolled-back version must be staged again before a switch', () => {
    expect(blueGreenTransition(service('{ enabled: true, idleTag: "1.1.0", idleState: staged }'), { kind: 'start', tag: '1.1.0' })).toEqual(
      noChange('green already runs 1.1.0 (staged); blue (1.0.0) serves all traffic: nothing to start'),
    );
    const rolledBack = service('{ enabled: true, idleTag: "1.1.0", idleState: rolledBack }');
    expect(blueGreenTransition(rolledBack, { kind: 'switch' })).toMatchObject({ ok: false, error: expect.stringContaining('which was rolled back: stage it again') });
    const restaged = blueGreenTransition(rolledBack, { kind: 'start', tag: '1.1.0' });
    expect(restaged.ok && edits(restaged.edits)['blueGreen.idleState']).toBe('staged');
  });
  it('status names what the idle colour runs', () => {
    expect(describeBlueGreen('backend', service('{ enabled: true, active: green, idleTag: "0.9.0", idleState: previous }'))).toBe(
      'backend: blue-green; green is active with 1.0.0, blue is idle with 0.9.0 (the version before the last switch).\n  next: rollback returns all traffic to blue (0.9.0); start --image-tag <tag> stages a new version on blue',
    );
  });
});
