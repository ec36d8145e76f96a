import { describe, expect, it } from 'vitest';
import type { ConfigError } from '../config/load.js';
import { SYNC_WAVE_ANNOTATION } from '../charts/argocd-annotations.js';
import { bakeTimeLeft, currentWeight, describeStatus, durationMs, formatSeconds, nextStep, timestamp, transition, type Edit } from '../delivery/canary.js';
import { canaryQueries, decide } from '../delivery/canary-analysis.js';
import { validateManifests } from '../core/validate/index.js';
import { applyEdits } from '../delivery/yaml-edit.js';
import { configFromYaml, find, findAll, objectsOf, renderYaml } from './helpers.js';
import { renderReference } from './setup/reference.js';

const withCanary = (canary: string, service = 'backend') => `tier: prod\nservices:\n  ${service}:\n    canary: ${canary}\n`;

describe('canary routing (ingress-nginx annotations)', () => {
  const env = renderYaml(withCanary('{ enabled: true, tag: "1.1.0", weight: 25, header: { name: X-Canary, value: "yes" }, cookie: canary_user }'));
  const ingress = find(env, 'Ingress', 'backend-canary');

  it('adds a canary Ingress for the same host and path carrying canary-weight 25', () => {
    expect(ingress.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/canary': 'true',
      'nginx.ingress.kubernetes.io/canary-weight': '25',
      'nginx.ingress.kubernetes.io/canary-by-header': 'X-Canary',
      'nginx.ingress.kubernetes.io/canary-by-header-value': 'yes',
      'nginx.ingress.kubernetes.io/canary-by-cookie': 'canary_user',
      [SYNC_WAVE_ANNOTATION]: expect.any(String),
    });
    const main = find(env, 'Ingress', 'webapp');
    expect(ingress.spec.rules[0].host).toBe(main.spec.rules[0].host);
    expect(ingress.spec.rules[0].http.paths).toEqual([{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'backend-canary', port: { name: 'http' } } } }]);
    expect(ingress.spec.ingressClassName).toBe('nginx');
  });

  it('keeps one canary Ingress per host/path and no other annotations on it', () => {
    expect(findAll(env, 'Ingress').filter((i) => i.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'])).toHaveLength(1);
    expect(Object.keys(ingress.metadata.annotations).every((a) => a.startsWith('nginx.ingress.kubernetes.io/canary') || a === SYNC_WAVE_ANNOTATION)).toBe(true);
    expect(ingress.spec.tls).toBeUndefined();
  });

  it('sets canary-weight-total and the header pattern when configured', () => {
    const other = renderYaml(withCanary('{ enabled: true, tag: "1.1.0", weightTotal: 1000, steps: [5, 100, 1000], header: { name: X-Canary, pattern: "^(yes|1)$" } }'));
    expect(find(other, 'Ingress', 'backend-canary').metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/canary-weight': '5',
      'nginx.ingress.kubernetes.io/canary-weight-total': '1000',
      'nginx.ingress.kubernetes.io/canary-by-header-pattern': '^(yes|1)$',
    });
  });

  it('gives the canary its own Deployment and Service; the stable Service never selects canary pods', () => {
    const canary = find(env, 'Deployment', 'backend-canary');
    expect(canary.spec.replicas).toBe(1);
    expect(canary.spec.template.spec.containers[0].image).toBe('ghcr.io/example/webapp-backend:1.1.0');
    expect(canary.spec.template.metadata.labels).toMatchObject({ track: 'canary', 'app.kubernetes.io/version': '1.1.0' });
    const stableService = find(env, 'Service', 'backend');
    const canaryService = find(env, 'Service', 'backend-canary');
    expect(stableService.spec.selector.track).toBe('stable');
    expect(canaryService.spec.selector.track).toBe('canary');
    const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    expect(matches(stableService.spec.selector, canary.spec.template.metadata.labels)).toBe(false);
    expect(matches(canaryService.spec.selector, canary.spec.template.metadata.labels)).toBe(true);
    expect(matches(stableService.spec.selector, find(env, 'Deployment', 'backend').spec.template.metadata.labels)).toBe(true);
  });

  it('autoscales only the stable Deployment; the canary has its own probes and resources', () => {
    expect(findAll(env, 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name)).toEqual(['backend', 'frontend']);
    const sized = renderYaml(withCanary('{ enabled: true, tag: "1.1.0", resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { cpu: 100m, memory: 128Mi } } }'));
    const container = find(sized, 'Deployment', 'backend-canary').spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } });
    expect(container.readinessProbe.httpGet.path).toBe('/health');
  });

  it('emits the rollback triggers as a PrometheusRule while the canary runs', () => {
    const rule = find(env, 'PrometheusRule', 'backend-canary');
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).toEqual(['CanaryHighErrorRate', 'CanaryHighLatency', 'CanaryErrorRateAboveStable', 'CanaryLatencyAboveStable']);
    expect(rule.metadata.labels.release).toBe('kube-prometheus-stack');
  });

  it('works for the frontend too', () => {
    const front = renderYaml(withCanary('{ enabled: true, tag: "2.0.0" }', 'frontend'));
    expect(find(front, 'Ingress', 'frontend-canary').spec.rules[0].http.paths[0]).toMatchObject({ path: '/', backend: { service: { name: 'frontend-canary' } } });
    expect(validateManifests(objectsOf(front))).toEqual([]);
  });

  it('emits valid objects', () => {
    expect(validateManifests(objectsOf(env))).toEqual([]);
  });

  it('emits no canary objects when disabled', () => {
    const canaryObjects = (env: typeof prod) => objectsOf(env).filter((o: any) => /^(backend|frontend)-canary$/.test(o.metadata.name) || o.metadata.labels?.track === 'canary');
    const prod = renderReference('prod');
    expect(canaryObjects(prod)).toEqual([]);
    const disabled = renderYaml(withCanary('{ enabled: false, tag: "1.1.0", weight: 50 }'));
    expect(canaryObjects(disabled)).toEqual([]);
    expect(findAll(disabled, 'Ingress').filter((i) => i.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'])).toEqual([]);
  });
});

describe('canary config validation', () => {
  const problem = (canary: string) => {
    try {
      configFromYaml(withCanary(canary));
      return '';
    } catch (error) {
      return (error as ConfigError).problems.join('\n');
    }
  };
  it.each([
    ['{ enabled: true }', 'services.backend.canary.tag', 'an enabled canary needs the image tag'],
    ['{ weight: 150 }', 'services.backend.canary.weight', 'between 0 and weightTotal (100)'],
    ['{ steps: [10, 50, 25, 100] }', 'services.backend.canary.steps[2]', 'strictly increasing'],
    ['{ steps: [10, 25, 50] }', 'services.backend.canary.steps', 'the last step must be weightTotal (100)'],
    ['{ header: { name: "X Canary" } }', 'services.backend.canary.header.name', 'must be an HTTP header name'],
    ['{ header: { name: X-Canary, value: a, pattern: b } }', 'services.backend.canary.header.pattern', 'either header.value or header.pattern'],
    ['{ cookie: "a;b" }', 'services.backend.canary.cookie', 'must be a cookie name'],
    ['{ enabled: true, tag: latest }', 'services.backend.canary.tag', '"latest" tag is not allowed in a prod environment'],
  ])('%s is rejected at %s', (canary, path, message) => {
    const text = problem(canary);
    expect(text).toContain(path);
    expect(text).toContain(message);
  });
});

describe('promotion state machine', () => {
  const service = (canary: string) => configFromYaml(withCanary(canary)).services.backend;
  const apply = (edits: readonly Edit[]) => Object.fromEntries(edits.map((e) => [e.path.join('.'), 'remove' in e ? '<removed>' : e.value]));
  const now = new Date('2026-03-01T12:00:00Z');
  const removed = { 'canary.enabled': false, 'canary.tag': '<removed>', 'canary.digest': '<removed>', 'canary.weight': '<removed>', 'canary.stepStartedAt': '<removed>' };

  it('start: canary on at the first step, the step start recorded', () => {
    const t = transition(service('{}'), { kind: 'start', tag: '1.1.0', now });
    expect(t.ok && apply(t.edits)).toEqual({
      'canary.enabled': true,
      'canary.tag': '1.1.0',
      'canary.digest': '<removed>',
      'canary.weight': 10,
      'canary.stepStartedAt': '2026-03-01T12:00:00Z',
    });
  });
  it('start is refused while another canary runs, and for the stable tag', () => {
    expect(transition(service('{ enabled: true, tag: "1.1.0" }'), { kind: 'start', tag: '1.2.0' })).toMatchObject({
      ok: false,
      error: expect.stringContaining('already running at 10%'),
    });
    expect(transition(service('{}'), { kind: 'start', tag: '1.0.0' })).toMatchObject({ ok: false, error: expect.stringContaining('already the stable tag') });
  });
  it.each([
    [10, 25],
    [25, 50],
  ])('promote: %i -> %i, a new step start', (from, to) => {
    const t = transition(service(`{ enabled: true, tag: "1.1.0", weight: ${from} }`), { kind: 'promote', now });
    expect(t.ok && apply(t.edits)).toEqual({ 'canary.weight': to, 'canary.stepStartedAt': '2026-03-01T12:00:00Z' });
  });
  it('promote from an off-step weight goes to the next step', () => {
    const s = service('{ enabled: true, tag: "1.1.0", weight: 30 }');
    expect(nextStep(s.canary)).toBe(50);
  });
  it('promote at the last step before 100% makes the canary stable and removes it', () => {
    const t = transition(service('{ enabled: true, tag: "1.1.0", weight: 50 }'), { kind: 'promote', now });
    expect(t.ok && apply(t.edits)).toEqual({ 'image.tag': '1.1.0', 'image.digest': '<removed>', ...removed });
  });
  it('promote carries a pinned canary digest over to stable', () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const t = transition(service(`{ enabled: true, tag: "1.1.0", digest: "${digest}", weight: 50 }`), { kind: 'promote' });
    expect(t.ok && apply(t.edits)['image.digest']).toBe(digest);
  });
  it('rollback removes the canary and leaves stable untouched', () => {
    const t = transition(service('{ enabled: true, tag: "1.1.0", weight: 25 }'), { kind: 'rollback' });
    expect(t.ok && apply(t.edits)).toEqual(removed);
  });
  it('status says where the canary is, how much bake time is left and what comes next', () => {
    expect(describeStatus('backend', service('{ enabled: true, tag: "1.1.0", weight: 25, cookie: c, stepStartedAt: "2026-03-01T11:56:30Z" }'), now)).toBe(
      [
        'backend: canary 1.1.0 at 25% of traffic (step 2 of 4: 10 -> 25 -> 50 -> 100); stable 1.0.0.',
        '  also routed by cookie c',
        '  step started 2026-03-01T11:56:30Z; bake time 10m: promote in 6m30s',
        '  next: promote moves the canary to 50%; rollback returns all traffic to 1.0.0',
      ].join('\n'),
    );
    expect(currentWeight(service('{ enabled: true, tag: "1.1.0" }').canary)).toBe(10);
  });
});

describe('a repeated command changes nothing and says so', () => {
  const service = (canary: string) => configFromYaml(withCanary(canary)).services.backend;

  it('start of the canary that runs', () => {
    expect(transition(service('{ enabled: true, tag: "1.1.0", weight: 25 }'), { kind: 'start', tag: '1.1.0' })).toEqual({
      ok: true,
      edits: [],
      summary: 'canary 1.1.0 is already running at 25% of traffic: nothing to start',
    });
  });
  it('promote and rollback when no canary runs (promoted or rolled back already)', () => {
    expect(transition(service('{}'), { kind: 'promote' })).toEqual({ ok: true, edits: [], summary: 'no canary is running: nothing to promote; stable 1.0.0 takes all traffic' });
    expect(transition(service('{}'), { kind: 'rollback' })).toEqual({ ok: true, edits: [], summary: 'no canary is running: nothing to roll back; stable 1.0.0 takes all traffic' });
  });
  it('a promote repeated within the bake time is refused with the time left, not a second step', () => {
    const running = service('{ enabled: true, tag: "1.1.0", weight: 25, stepStartedAt: "2026-03-01T12:00:00Z" }');
    expect(transition(running, { kind: 'promote', now: new Date('2026-03-01T12:00:05Z') })).toEqual({
      ok: false,
      waitSeconds: 595,
      error: 'canary 1.1.0 has been at 25% since 2026-03-01T12:00:00Z; the bake time (minStepDuration) is 10m: promote again in 9m55s, or with --force',
    });
  });
});

describe('bake time (canary.minStepDuration)', () => {
  const service = (canary: string) => configFromYaml(withCanary(canary)).services.backend;
  const at = (time: string) => new Date(`2026-03-01T${time}Z`);
  const running = (extra = '') => service(`{ enabled: true, tag: "1.1.0", weight: 25, stepStartedAt: "2026-03-01T12:00:00Z"${extra} }`);

  it('defaults to the reference\'s "wait 10 min"', () => {
    expect(service('{}').canary.minStepDuration).toBe('10m');
    expect(bakeTimeLeft(running().canary, at('12:04:00'))).toBe(360);
    expect(bakeTimeLeft(running().canary, at('12:10:00'))).toBe(0);
  });
  it('promote goes on once it is over, or with --force', () => {
    expect(transition(running(), { kind: 'promote', now: at('12:10:00') })).toMatchObject({ ok: true, summary: 'canary 1.1.0: 25% -> 50% of traffic' });
    expect(transition(running(), { kind: 'promote', now: at('12:00:01'), force: true })).toMatchObject({ ok: true, summary: 'canary 1.1.0: 25% -> 50% of traffic' });
  });
  it('follows the configured duration; "0s" never waits; no recorded start never waits', () => {
    expect(transition(running(', minStepDuration: 1h'), { kind: 'promote', now: at('12:30:00') })).toMatchObject({ ok: false, waitSeconds: 1800 });
    expect(transition(running(', minStepDuration: 0s'), { kind: 'promote', now: at('12:00:00') })).toMatchObject({ ok: true });
    expect(transition(service('{ enabled: true, tag: "1.1.0" }'), { kind: 'promote', now: at('12:00:00') })).toMatchObject({ ok: true });
  });
  it('durations and times read and print as the messages show them', () => {
    expect([durationMs('90s'), durationMs('10m'), durationMs('2h')]).toEqual([90_000, 600_000, 7_200_000]);
    expect([formatSeconds(42), formatSeconds(408), formatSeconds(3605), formatSeconds(0.2)]).toEqual(['42s', '6m48s', '1h0m5s', '1s']);
    expect(timestamp(new Date('2026-03-01T12:00:00.789Z'))).toBe('2026-03-01T12:00:00Z');
  });
  it.each([
    ['{ minStepDuration: 10 }', 'services.backend.canary.minStepDuration'],
    ['{ minStepDuration: "10 min" }', 'services.backend.canary.minStepDuration'],
    ['{ stepStartedAt: "yesterday" }', 'services.backend.canary.stepStartedAt'],
  ])('%s is rejected at %s', (canary, path) => {
    expect(() => configFromYaml(withCanary(canary))).toThrow(path);
  });
});

describe('editing the environment file', () => {
  it('keeps comments and layout', () => {
    const text = '# top comment\ntier: prod\nservices:\n  backend:\n    # the API\n    replicas: 3 # inline\n';
    const edited = applyEdits(
      text,
      ['services', 'backend'],
      [
        { path: ['canary', 'enabled'], value: true },
        { path: ['canary', 'tag'], value: '1.1.0' },
        { path: ['canary', 'weight'], remove: true },
      ],
    );
    expect(edited).toBe('# top comment\ntier: prod\nservices:\n  backend:\n    # the API\n    replicas: 3 # inline\n    canary:\n      enabled: true\n      tag: 1.1.0\n');
  });
});

describe('canary analysis verdict', () => {
  const analysis = configFromYaml('tier: prod\n').services.backend.canary.analysis;
  const healthy = { canaryRequests: 600, canaryErrorRate: 0.001, stableErrorRate: 0.001, canaryP95: 0.2, stableP95: 0.19 };
  it.each([
    ['healthy canary', healthy, 'promote'],
    ['error rate over 5%', { ...healthy, canaryErrorRate: 0.06, stableErrorRate: 0.055 }, 'rollback'],
    ['error rate 3 points above stable', { ...healthy, canaryErrorRate: 0.04, stableErrorRate: 0.005 }, 'rollback'],
    ['p95 over 2s', { ...healthy, canaryP95: 2.5, stableP95: 2.4 }, 'rollback'],
    ['p95 1.5x stable', { ...healthy, canaryP95: 0.4, stableP95: 0.2 }, 'rollback'],
    ['too few requests', { ...healthy, canaryRequests: 10 }, 'hold'],
    ['no data at all', {}, 'hold'],
    ['no stable data but a healthy canary', { canaryRequests: 600, canaryErrorRate: 0, canaryP95: 0.1 }, 'promote'],
  ])('%s -> %s', (_name, measurements, verdict) => {
    expect(decide(measurements, analysis).verdict).toBe(verdict);
  });
  it('names the numbers behind a rollback', () => {
    expect(decide({ ...healthy, canaryP95: 0.4, stableP95: 0.2 }, analysis).reasons).toEqual(['canary p95 0.400s is more than 1.5x stable 0.200s']);
  });
  it('queries canary and stable by track within the namespace', () => {
    const q = canaryQueries('backend', 'webapp-prod', analysis);
    expect(q.canaryErrorRate).toBe(
      'sum(rate(http_requests_total{namespace="webapp-prod",service=~"backend|backend-canary",track="canary",status_code=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="webapp-prod",service=~"backend|backend-canary",track="canary"}[5m]))',
    );
    expect(q.stableP95).toBe(
      'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="webapp-prod",service=~"backend|backend-canary",track="stable"}[5m])))',
    );
  });
});
