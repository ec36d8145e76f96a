/**
 * delivery.engine argo-rollouts: the service becomes an Argo Rollout (charts/workloads/rollout.ts)
 * with canary steps (setWeight, pause of the bake time, analysis) or blue-green, traffic routed
 * through ingress-nginx or the Gateway API plugin, and an AnalysisTemplate built from the canary
 * analysis (delivery/analysis-template.ts); every object validated against the Argo Rollouts v1.9.1
 * and Gateway API v1.6.1 CRDs in imports/crds/ and the policy report clean.
 */
import { describe, expect, it } from 'vitest';
import { analysisMetrics } from '../delivery/analysis-template.js';
import { canaryAlertRules, canaryQueries } from '../delivery/canary-analysis.js';
import { validateRendered } from '../core/validate/rendered.js';
import { validateObject } from '../core/validate/index.js';
import { checkObjects } from '../policy/index.js';
import { applicationSet, applicationTarget, environmentApplication } from '../gitops/argocd.js';
import { configFromYaml, find, findAll, objectsOf, problemsOf, renderYaml } from './helpers.js';

const ROLLOUTS = 'delivery: { engine: argo-rollouts }\n';
const GATEWAY = 'routing: { backend: gateway-api }\n';

function render(yamlText: string) {
  const env = renderYaml(yamlText);
  expect(() => validateRendered([env])).not.toThrow();
  expect(checkObjects(objectsOf(env))).toEqual([]);
  return env;
}

const stepsOf = (rollout: any) => rollout.spec.strategy.canary.steps;

describe('a web service as an Argo Rollout', () => {
  const env = render(ROLLOUTS);
  const rollout = find(env, 'Rollout', 'backend');

  it('replaces the Deployment, carrying the pod template itself; the HPA scales the Rollout', () => {
    expect(find(env, 'Deployment', 'backend')).toBeUndefined();
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.workloadRef).toBeUndefined();
    expect(rollout.spec.template.spec.containers[0].name).toBe('backend');
    // No replica count: the HPA owns it.
    expect(rollout.spec.replicas).toBeUndefined();
    expect(find(env, 'HorizontalPodAutoscaler', 'backend').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'backend' });
  });

  it('labels stable and canary pods by track through the controller; Services, PDB and PodMonitor select both', () => {
    const selector = { 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/instance': 'webapp-test' };
    expect(rollout.spec.selector.matchLabels).toEqual(selector);
    expect(rollout.spec.template.metadata.labels.track).toBeUndefined();
    expect(rollout.spec.strategy.canary.stableMetadata).toEqual({ labels: { track: 'stable' } });
    expect(rollout.spec.strategy.canary.canaryMetadata).toEqual({ labels: { track: 'canary' } });
    expect(find(env, 'Service', 'backend').spec.selector).toEqual(selector);
    expect(find(env, 'Service', 'backend-canary').spec.selector).toEqual(selector);
    expect(find(env, 'PodDisruptionBudget', 'backend').spec.selector.matchLabels).toEqual(selector);
    // Pods are scraped once each, whichever Service the controller points at them.
    expect(find(env, 'ServiceMonitor', 'backend')).toBeUndefined();
    const monitor = find(env, 'PodMonitor', 'backend');
    expect(monitor.spec.selector.matchLabels).toEqual(selector);
    expect(monitor.spec.podMetricsEndpoints[0].relabelings).toContainEqual({ action: 'replace', targetLabel: 'service', replacement: 'backend' });
    expect(monitor.spec.podMetricsEndpoints[0].relabelings).toContainEqual({ sourceLabels: ['__meta_kubernetes_pod_label_track'], targetLabel: 'track', action: 'replace' });
  });

  it('steps through canary.steps: setWeight, a pause of the bake time (10m by default), the analysis; the last step promotes', () => {
    const analysis = { analysis: { templates: [{ templateName: 'backend' }] } };
    expect(stepsOf(rollout)).toEqual([
      { setWeight: 10 },
      { pause: { duration: '10m' } },
      analysis,
      { setWeight: 25 },
      { pause: { duration: '10m' } },
      analysis,
      { setWeight: 50 },
      { pause: { duration: '10m' } },
      analysis,
    ]);
    const custom = find(render(`${ROLLOUTS}services:\n  backend:\n    canary: { steps: [5, 50, 100] }\n`), 'Rollout', 'backend');
    expect(stepsOf(custom).filter((s: any) => 'setWeight' in s)).toEqual([{ setWeight: 5 }, { setWeight: 50 }]);
    // The bake time of the CLI's promote (canary.minStepDuration) is the pause.
    const baked = find(render(`${ROLLOUTS}services:\n  backend:\n    canary: { minStepDuration: 90s }\n`), 'Rollout', 'backend');
    expect(stepsOf(baked).filter((s: any) => 'pause' in s)).toEqual([{ pause: { duration: '90s' } }, { pause: { duration: '90s' } }, { pause: { duration: '90s' } }]);
  });

  it('routes by the stable Ingress on ingress-nginx, header and cookie as extra canary annotations', () => {
    const nginx = find(render(`${ROLLOUTS}services:\n  backend:\n    canary: { header: { name: X-Canary }, cookie: canary }\n`), 'Rollout', 'backend');
    expect(nginx.spec.strategy.canary.trafficRouting).toEqual({
      nginx: { stableIngress: 'webapp', additionalIngressAnnotations: { 'canary-by-header': 'X-Canary', 'canary-by-cookie': 'canary' } },
    });
  });

  it('routes through the Gateway API plugin on gateway-api: the HTTPRoute carries stable and canary backendRefs', () => {
    const gateway = render(`${ROLLOUTS}${GATEWAY}`);
    expect(find(gateway, 'Rollout', 'backend').spec.strategy.canary.trafficRouting).toEqual({
      plugins: { 'argoproj-labs/gatewayAPI': { namespace: 'webapp-test', httpRoutes: [{ name: 'webapp' }] } },
    });
    const [api] = find(gateway, 'HTTPRoute', 'webapp').spec.rules;
    expect(api.backendRefs).toEqual([
      { name: 'backend', port: 80, weight: 100 },
      { name: 'backend-canary', port: 80, weight: 0 },
    ]);
  });

  it('on gateway-api asks the plugin for header and cookie routes to the canary, once the first weight is reached', () => {
    const env = render(`${ROLLOUTS}${GATEWAY}services:\n  backend:\n    canary: { header: { name: X-Canary }, cookie: beta }\n`);
    const canary = find(env, 'Rollout', 'backend').spec.strategy.canary;
    expect(canary.trafficRouting).toEqual({
      managedRoutes: [{ name: 'backend-canary-header' }, { name: 'backend-canary-cookie' }],
      plugins: { 'argoproj-labs/gatewayAPI': { namespace: 'webapp-test', httpRoutes: [{ name: 'webapp', useHeaderRoutes: true }] } },
    });
    const header = { setHeaderRoute: { name: 'backend-canary-header', match: [{ headerName: 'X-Canary', headerValue: { exact: 'always' } }] } };
    // The cookie as ingress-nginx's canary-by-cookie: `beta=always` anywhere in the Cookie header.
    const cookie = { setHeaderRoute: { name: 'backend-canary-cookie', match: [{ headerName: 'Cookie', headerValue: { regex: '(^|;\\s*)beta=always(;|$)' } }] } };
    expect(canary.steps.slice(0, 4)).toEqual([{ setWeight: 10 }, header, cookie, { pause: { duration: '10m' } }]);
    expect(canary.steps.filter((s: any) => 'setHeaderRoute' in s)).toHaveLength(2);
    const regex = new RegExp(cookie.setHeaderRoute.match[0].headerValue.regex);
    expect(['beta=always', 'a=1; beta=always', 'beta=always; b=2'].every((c) => regex.test(c))).toBe(true);
    expect(['beta=never', 'xbeta=always', 'beta=alwaysx'].some((c) => regex.test(c))).toBe(false);
    // The route itself stays the weighted rule: the plugin adds the header rules and removes them at the end.
    expect(find(env, 'HTTPRoute', 'webapp').spec.rules[0].matches.some((m: any) => m.headers)).toBe(false);
    // header.value and header.pattern: that value, or a RegularExpression match, to the canary.
    const value = find(render(`${ROLLOUTS}${GATEWAY}services:\n  backend:\n    canary: { header: { name: X-Beta, value: yes-please } }\n`), 'Rollout', 'backend');
    expect(value.spec.strategy.canary.steps[1]).toEqual({
      setHeaderRoute: { name: 'backend-canary-header', match: [{ headerName: 'X-Beta', headerValue: { exact: 'yes-please' } }] },
    });
    const pattern = find(render(`${ROLLOUTS}${GATEWAY}services:\n  backend:\n    canary: { header: { name: X-Beta, pattern: "^team-.*" } }\n`), 'Rollout', 'backend');
    expect(pattern.spec.strategy.canary.steps[1].setHeaderRoute.match).toEqual([{ headerName: 'X-Beta', headerValue: { regex: '^team-.*' } }]);
    // Without header or cookie: no managed routes, no setHeaderRoute.
    expect(find(render(`${ROLLOUTS}${GATEWAY}`), 'Rollout', 'backend').spec.strategy.canary.trafficRouting).not.toHaveProperty('managedRoutes');
  });

  it('the rules the plugin adds for the header routes fit the HTTPRoute CRD: unique valid names, at most 16 rules per route', () => {
    // What setHTTPHeaderRoute of the plugin (v0.15.0, pkg/plugin/httproute.go) writes: per rule with
    // both the stable and the canary backendRef, a copy named <route>[-<n>] with the header matches
    // merged into each match, sending to the canary only.
    const inject = (route: any, canary: any) => {
      const out = structuredClone(route);
      for (const step of canary.steps.filter((s: any) => 'setHeaderRoute' in s)) {
        const { name, match } = step.setHeaderRoute;
        const sources = route.spec.rules.filter((r: any) => ['backend', 'backend-canary'].every((b) => r.backendRefs?.some((ref: any) => ref.name === b)));
        sources.forEach((rule: any, i: number) => {
          const headers = match.map((m: any) => ({
            name: m.headerName,
            ...(m.headerValue.exact ? { type: 'Exact', value: m.headerValue.exact } : { type: 'RegularExpression', value: m.headerValue.regex }),
          }));
          out.spec.rules.push({
            name: i === 0 ? name : `${name}-${i}`,
            matches: rule.matches.map((m: any) => ({ ...m, headers: [...(m.headers ?? []), ...headers] })),
            ...(rule.filters ? { filters: rule.filters } : {}),
            backendRefs: [{ group: '', kind: 'Service', name: 'backend-canary', port: 80 }],
          });
        });
      }
      return out;
    };
    // 15 plain services fill the host's route; the Rollout's rule and its two header rules make 18: it moves to webapp-2.
    const plain = Array.from(
      { length: 15 },
      (_, i) =>
        `  s${String(i).padStart(2, '0')}:\n    image: { repository: acme/s${i}, tag: "1.0.0" }\n    ingress: { paths: [{ path: /s${i} }] }\n    delivery: { engine: cli }\n`,
    ).join('');
    const env = render(`${ROLLOUTS}${GATEWAY}services:\n  frontend: { enabled: false }\n  backend:\n    canary: { header: { name: X-Canary }, cookie: beta }\n${plain}`);
    const canary = find(env, 'Rollout', 'backend').spec.strategy.canary;
    const names = canary.trafficRouting.plugins['argoproj-labs/gatewayAPI'].httpRoutes.map((r: any) => r.name);
    expect(names).toHaveLength(1);
    for (const route of findAll(env, 'HTTPRoute').filter((r) => names.includes(r.metadata.name))) {
      const during = inject(route, canary);
      expect(during.spec.rules.length).toBeGreaterThan(route.spec.rules.length);
      expect(during.spec.rules.length).toBeLessThanOrEqual(16);
      expect(validateObject(during)).toEqual([]);
    }
    // The validator does refuse a route over the limit (the check can fail).
    const route = find(env, 'HTTPRoute', 'webapp');
    const over = structuredClone(route);
    over.spec.rules = Array.from({ length: 17 }, () => route.spec.rules[0]);
    expect(validateObject(over)).not.toEqual([]);
  });

  it('a workload without routes splits by replicas; other services keep their Deployments', () => {
    const env = render(`services:\n  frontend:\n    delivery: { engine: argo-rollouts }\n    ingress: { paths: [] }\n`);
    expect(find(env, 'Rollout', 'frontend').spec.strategy.canary.trafficRouting).toBeUndefined();
    expect(find(env, 'Deployment', 'backend')).toBeDefined();
    expect(find(env, 'Rollout', 'backend')).toBeUndefined();
  });
});

describe('blue-green as an Argo Rollout', () => {
  const yaml = `${ROLLOUTS}services:\n  backend:\n    blueGreen: { enabled: true }\n`;

  it('has activeService and previewService, manual promotion by default, the analysis before and after promotion', () => {
    const env = render(yaml);
    expect(find(env, 'Rollout', 'backend').spec.strategy).toEqual({
      blueGreen: {
        activeService: 'backend',
        previewService: 'backend-canary',
        autoPromotionEnabled: false,
        activeMetadata: { labels: { track: 'stable' } },
        previewMetadata: { labels: { track: 'canary' } },
        prePromotionAnalysis: { templates: [{ templateName: 'backend' }] },
        // No scaleDownDelaySeconds: the previous version stays up until the post-promotion run ends.
        postPromotionAnalysis: { templates: [{ templateName: 'backend-post-promotion' }] },
      },
    });
    expect(find(env, 'Deployment', 'backend-blue')).toBeUndefined();
    expect(find(env, 'Service', 'backend-canary')).toBeDefined();
  });

  it('analyses again after the switch: the same metrics, each once the new version has served all traffic for the bake time', () => {
    const env = render(yaml);
    const pre = find(env, 'AnalysisTemplate', 'backend').spec.metrics;
    const post = find(env, 'AnalysisTemplate', 'backend-post-promotion').spec.metrics;
    expect(post.map((m: any) => m.initialDelay)).toEqual(pre.map(() => '10m'));
    expect(pre.every((m: any) => m.initialDelay === undefined)).toBe(true);
    // Otherwise the very metrics, queries and conditions of the pre-promotion analysis (and of analyze).
    expect(post.map(({ initialDelay, ...m }: any) => m)).toEqual(pre);
    // The bake time is canary.minStepDuration; a bake time of 0 measures right after the switch.
    const baked = find(render(`${yaml}    canary: { minStepDuration: 90s }\n`), 'AnalysisTemplate', 'backend-post-promotion');
    expect(new Set(baked.spec.metrics.map((m: any) => m.initialDelay))).toEqual(new Set(['90s']));
    const now = find(render(`${yaml}    canary: { minStepDuration: 0s }\n`), 'AnalysisTemplate', 'backend-post-promotion');
    expect(now.spec.metrics.some((m: any) => 'initialDelay' in m)).toBe(false);
  });

  it('leaves the post-promotion analysis out with delivery.postPromotionAnalysis false (per service too), or without metrics', () => {
    const off = (extra: string) => {
      const env = render(extra);
      expect(find(env, 'AnalysisTemplate', 'backend-post-promotion')).toBeUndefined();
      return find(env, 'Rollout', 'backend').spec.strategy.blueGreen;
    };
    expect(off(`delivery: { engine: argo-rollouts, postPromotionAnalysis: false }\nservices:\n  backend:\n    blueGreen: { enabled: true }\n`)).not.toHaveProperty(
      'postPromotionAnalysis',
    );
    const perService = off(`${yaml}    delivery: { postPromotionAnalysis: false }\n`);
    expect(perService).not.toHaveProperty('postPromotionAnalysis');
    expect(perService.prePromotionAnalysis).toEqual({ templates: [{ templateName: 'backend' }] });
    expect(off(`${yaml}    metrics: { enabled: false }\n`)).not.toHaveProperty('prePromotionAnalysis');
    // A canary Rollout has no post-promotion analysis: its steps analyse.
    expect(find(render(ROLLOUTS), 'AnalysisTemplate', 'backend-post-promotion')).toBeUndefined();
  });

  it('the Rollout CRD holds the post-promotion fields to their types (the validator is not blind to them)', () => {
    const env = render(yaml);
    const rollout = structuredClone(find(env, 'Rollout', 'backend'));
    expect(validateObject(rollout)).toEqual([]);
    rollout.spec.strategy.blueGreen.postPromotionAnalysis = { templates: 'backend-post-promotion' };
    expect(
      validateObject(rollout)
        .map((i) => i.message)
        .join('\n'),
    ).toMatch(/postPromotionAnalysis/);
    const template = structuredClone(find(env, 'AnalysisTemplate', 'backend-post-promotion'));
    template.spec.metrics[0].initialDelay = 600;
    expect(
      validateObject(template)
        .map((i) => i.message)
        .join('\n'),
    ).toMatch(/initialDelay/);
  });

  it('promotes by itself with delivery.autoPromotion, per service too', () => {
    const env = render(`${yaml}    delivery: { autoPromotion: true }\n`);
    expect(find(env, 'Rollout', 'backend').spec.strategy.blueGreen.autoPromotionEnabled).toBe(true);
  });

  it('on gateway-api the route sends traffic to the active Service, which the controller switches', () => {
    const env = render(`${GATEWAY}${yaml}`);
    expect(find(env, 'HTTPRoute', 'webapp').spec.rules[0].backendRefs).toEqual([{ name: 'backend', port: 80 }]);
  });
});

describe('the AnalysisTemplate', () => {
  const config = configFromYaml(ROLLOUTS);
  const env = render(ROLLOUTS);
  const template = find(env, 'AnalysisTemplate', 'backend');
  const a = config.services.backend.canary.analysis;

  it('queries the configured Prometheus with the queries of npm run canary -- analyze', () => {
    const q = canaryQueries('backend', 'webapp-test', a);
    const byName = Object.fromEntries(template.spec.metrics.map((m: any) => [m.name, m]));
    expect(Object.keys(byName)).toEqual([
      'canary-error-rate',
      'canary-p95-latency',
      'error-rate-above-stable',
      'latency-above-stable',
      'canary-requests',
      'canary-error-rate-data',
      'canary-latency-data',
    ]);
    expect(byName['canary-requests'].provider.prometheus).toEqual({ address: 'http://prometheus-operated.monitoring.svc:9090', query: q.canaryRequests });
    expect(byName['canary-requests'].successCondition).toBe(`any(result, {!isNaN(#) && !isInf(#) && # >= ${a.minRequests}})`);
    // The rollback triggers are the canary alert rules' expressions.
    const alerts = canaryAlertRules('backend', 'webapp-test', a, 'https://example.com');
    for (const [metric, alert] of [
      ['canary-error-rate', 'CanaryHighErrorRate'],
      ['canary-p95-latency', 'CanaryHighLatency'],
      ['error-rate-above-stable', 'CanaryErrorRateAboveStable'],
    ]) {
      expect(byName[metric].provider.prometheus.query).toBe(alerts.find((r) => r.alert === alert)?.expr);
      expect(byName[metric].failureCondition).toBe('len(result) > 0');
    }
  });

  it('follows the thresholds of services.<name>.canary.analysis and delivery.prometheus', () => {
    const strict = render(
      `delivery: { engine: argo-rollouts, prometheus: "http://prometheus.obs:9090" }\nservices:\n  backend:\n    canary: { analysis: { maxErrorRate: 0.01, minRequests: 500 } }\n`,
    );
    const metrics = find(strict, 'AnalysisTemplate', 'backend').spec.metrics;
    expect(metrics[0].provider.prometheus.query).toMatch(/\) > 0\.01$/);
    expect(metrics[0].provider.prometheus.address).toBe('http://prometheus.obs:9090');
    expect(metrics[4].successCondition).toContain('# >= 500');
  });

  it('is a pure function of the config', () => {
    expect(analysisMetrics('backend', 'ns', a)).toEqual(analysisMetrics('backend', 'ns', a));
  });

  it('is left out, with the analysis steps, when the service is not scraped', () => {
    const env = render(`${ROLLOUTS}services:\n  backend:\n    metrics: { enabled: false }\n`);
    expect(find(env, 'AnalysisTemplate', 'backend')).toBeUndefined();
    expect(stepsOf(find(env, 'Rollout', 'backend')).some((s: any) => 'analysis' in s)).toBe(false);
  });
});

describe('config errors', () => {
  it('refuses the CLI release state, StatefulSets, and other weight totals on the Gateway API plugin, at their lines', () => {
    expect(problemsOf(`${ROLLOUTS}${GATEWAY}services:\n  backend:\n    canary: { weightTotal: 1000, steps: [100, 1000], cookie: beta }\n`)).toEqual([
      expect.stringMatching(/^services\.backend\.canary\.weightTotal \(line 5, column 15\): the Gateway API plugin sets weights in percent: weightTotal must be 100$/),
    ]);
    expect(problemsOf(`${ROLLOUTS}services:\n  backend:\n    canary: { enabled: true, tag: "1.1.0" }\n`)).toEqual([
      expect.stringMatching(
        /^services\.backend\.canary\.enabled \(line 4, column 15\): with delivery\.engine argo-rollouts the Rollout runs releases in the cluster: release by changing image\.tag/,
      ),
    ]);
    expect(problemsOf(`${ROLLOUTS}services:\n  backend:\n    blueGreen: { enabled: true, idleTag: "0.9.0" }\n`)).toEqual([
      expect.stringMatching(/^services\.backend\.blueGreen\.idleTag \(line 4, column 33\): with delivery\.engine argo-rollouts/),
    ]);
    expect(problemsOf(`${ROLLOUTS}services:\n  backend:\n    kind: StatefulSet\n`)).toEqual([
      expect.stringMatching(/^services\.backend\.kind \(line 4, column 5\): an Argo Rollout replaces a Deployment/),
    ]);
  });
});

describe('Argo CD', () => {
  const gitops = {
    project: 'webapp',
    namespace: 'argocd',
    repoURL: 'https://git.example.com/platform.git',
    targetRevision: 'main',
    path: 'dist',
    server: 'https://kubernetes.default.svc',
    retry: { limit: 5, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } },
  } as any;

  it('ignores the HTTPRoute weights the Gateway API plugin sets, and only where a Rollout routes through it', () => {
    const gateway = applicationTarget(gitops, 'prod', configFromYaml(`${ROLLOUTS}${GATEWAY}`));
    const app = environmentApplication(gitops, gateway);
    expect(app.spec.ignoreDifferences).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'HTTPRoute',
        jqPathExpressions: ['.spec.rules[].backendRefs[].weight', '.spec.rules[] | select(.name // "" | test("-canary-(header|cookie)(-[0-9]+)?$"))'],
      },
    ]);
    expect(app.spec.syncPolicy?.syncOptions).toContain('RespectIgnoreDifferences=true');
    // The rules the plugin adds for the header routes are ignored by name: those, and only those.
    const injected = new RegExp(/test\("(.+)"\)\)$/.exec(app.spec.ignoreDifferences![0].jqPathExpressions![1])![1]);
    const env = render(`${ROLLOUTS}${GATEWAY}services:\n  backend:\n    canary: { header: { name: X-Canary }, cookie: beta }\n`);
    const managed = find(env, 'Rollout', 'backend').spec.strategy.canary.trafficRouting.managedRoutes.map((r: any) => r.name);
    expect([...managed, ...managed.map((n: string) => `${n}-1`), `${managed[0]}-12`].every((n) => injected.test(n))).toBe(true);
    expect(['backend', 'backend-canary', 'canary-header-x', 'backend-canary-headers'].some((n) => injected.test(n))).toBe(false);
    for (const yaml of [GATEWAY, ROLLOUTS, 'tier: prod\n']) {
      const plain = environmentApplication(gitops, applicationTarget(gitops, 'prod', configFromYaml(yaml)));
      expect(plain.spec.ignoreDifferences).toBeUndefined();
      expect(plain.spec.syncPolicy?.syncOptions).not.toContain('RespectIgnoreDifferences=true');
    }
    const set = applicationSet(gitops, [gateway]) as any;
    expect(set.spec.templatePatch).toContain('RespectIgnoreDifferences=true');
    expect(set.spec.generators[0].list.elements[0].rolloutWeights).toBe('true');
  });
});

describe('the NetworkPolicies and objects', () => {
  it('admit the proxy to every pod of the Rollout; the policy evaluator sees its pod template', () => {
    const env = render(`${ROLLOUTS}${GATEWAY}`);
    const policy = find(env, 'NetworkPolicy', 'backend');
    expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/instance': 'webapp-test' });
    // delivery.engine applies to every web service of the environment.
    expect(findAll(env, 'Rollout').map((r) => r.metadata.name)).toEqual(['backend', 'frontend']);
  });
});
