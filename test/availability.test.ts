import { describe, expect, it } from 'vitest';
import { maxUnavailable, minimumReplicas, spreadsAcrossTopology, topologySpreadConstraints } from '../charts/workloads/availability.js';
import { selectorMatches } from '../core/objects.js';
import { configFromYaml, find, findAll, renderYaml } from './helpers.js';
import { renderReference } from './setup/reference.js';

const prod = renderReference('prod');
const dev = renderReference('dev');
const budgets = (env: typeof prod) => Object.fromEntries(findAll(env, 'PodDisruptionBudget').map((p) => [p.metadata.name, p.spec.maxUnavailable]));

describe('availability rules', () => {
  it('budget one pod at a time, a quorum down to its majority, and nothing for a single pod', () => {
    expect([0, 1, 2, 10].map((n) => maxUnavailable(n))).toEqual([undefined, undefined, 1, 1]);
    expect([1, 3, 5, 7].map((n) => maxUnavailable(n, { quorum: true }))).toEqual([undefined, 1, 2, 3]);
    // Two voting members cannot lose one and keep a majority: no budget rather than one that blocks drains.
    expect(maxUnavailable(2, { quorum: true })).toBeUndefined();
  });

  it('count the HPA minimum for autoscaled workloads', () => {
    const config = configFromYaml('tier: prod\nservices:\n  backend:\n    replicas: 7\n');
    expect(minimumReplicas(config.services.backend)).toBe(2);
    expect(minimumReplicas({ ...config.services.backend, autoscaling: { ...config.services.backend.autoscaling, enabled: false } })).toBe(7);
  });

  it('spread by tier unless the service says otherwise', () => {
    expect(['dev', 'staging', 'prod'].map((tier) => spreadsAcrossTopology({}, tier as 'dev'))).toEqual([false, true, true]);
    expect(spreadsAcrossTopology({ topologySpread: true }, 'dev')).toBe(true);
    expect(spreadsAcrossTopology({ topologySpread: false }, 'prod')).toBe(false);
  });

  it('spread over zones, then nodes, as a preference', () => {
    expect(topologySpreadConstraints({ a: 'b' })).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { a: 'b' } } },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { a: 'b' } } },
    ]);
  });
});

describe('PodDisruptionBudgets', () => {
  it("protect the autoscaled web services and the replica set in prod, each with its workload's selector", () => {
    expect(budgets(prod)).toEqual({ backend: 1, frontend: 1, mongodb: 1 });
    for (const name of ['backend', 'frontend']) {
      const budget = find(prod, 'PodDisruptionBudget', name);
      expect(budget.apiVersion).toBe('policy/v1');
      expect(budget.spec.selector).toEqual(find(prod, 'Deployment', name).spec.selector);
      expect(budget.spec.unhealthyPodEvictionPolicy).toBe('AlwaysAllow');
    }
    expect(find(prod, 'PodDisruptionBudget', 'mongodb').spec.selector).toEqual(find(prod, 'StatefulSet', 'mongodb').spec.selector);
  });

  it('never select the replica-set init Job', () => {
    const job = find(prod, 'Job', 'mongodb-rs-init').spec.template.metadata.labels;
    expect(selectorMatches(find(prod, 'PodDisruptionBudget', 'mongodb').spec.selector, job)).toBe(false);
    expect(selectorMatches(find(prod, 'StatefulSet', 'mongodb').spec.selector, job)).toBe(false);
  });

  it('are absent where everything runs one replica (dev)', () => {
    expect(findAll(dev, 'PodDisruptionBudget')).toEqual([]);
    expect(budgets(renderYaml('tier: prod\nservices:\n  backend:\n    autoscaling: { minReplicas: 1 }\n')).backend).toBeUndefined();
  });

  it('follow the canary and blue-green tracks: one budget per Deployment of several pods', () => {
    expect(budgets(renderYaml('tier: prod\nservices:\n  backend:\n    canary: { enabled: true, tag: "1.1.0" }\n'))['backend-canary']).toBeUndefined();
    const canary = renderYaml('tier: prod\nservices:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", replicas: 2 }\n');
    expect(find(canary, 'PodDisruptionBudget', 'backend-canary').spec.selector).toEqual(find(canary, 'Deployment', 'backend-canary').spec.selector);
    expect(find(canary, 'PodDisruptionBudget', 'backend').spec.selector.matchLabels.track).toBe('stable');
    const blueGreen = renderYaml('tier: prod\nservices:\n  backend:\n    blueGreen: { enabled: true, idleTag: "0.9.0" }\n');
    expect(budgets(blueGreen)).toMatchObject({ 'backend-blue': 1, 'backend-green': 1 });
    expect(budgets(blueGreen)).not.toHaveProperty('backend');
  });

  it('cover workers with several replicas and larger replica sets', () => {
    const env = renderYaml(
      'tier: prod\nworkers:\n  mailer:\n    image: { repository: acme/mailer, tag: "1.1.0" }\n    replicas: 3\nmongodb:\n  replicaSet: { enabled: true, members: 5 }\n',
    );
    expect(budgets(env)).toMatchObject({ mailer: 1, mongodb: 2 });
  });
});

describe('topology spread', () => {
  const constraints = (env: typeof prod, kind: string, name: string) => find(env, kind, name).spec.template.spec.topologySpreadConstraints;

  it("spreads web services in staging and prod over zones and nodes, with the Deployment's selector", () => {
    for (const name of ['backend', 'frontend']) {
      const deployment = find(prod, 'Deployment', name);
      expect(constraints(prod, 'Deployment', name)).toEqual(topologySpreadConstraints(deployment.spec.selector.matchLabels));
    }
    expect(constraints(renderReference('staging'), 'Deployment', 'backend')).toHaveLength(2);
    expect(constraints(dev, 'Deployment', 'backend')).toBeUndefined();
  });

  it('is configurable per service', () => {
    expect(constraints(renderYaml('tier: prod\nservices:\n  backend:\n    topologySpread: false\n'), 'Deployment', 'backend')).toBeUndefined();
    expect(constraints(renderYaml('tier: dev\nservices:\n  backend:\n    topologySpread: true\n'), 'Deployment', 'backend')).toHaveLength(2);
  });

  it('spreads each track by its own selector, and the replica-set members', () => {
    const canary = renderYaml('tier: prod\nservices:\n  backend:\n    canary: { enabled: true, tag: "1.1.0" }\n');
    expect(constraints(canary, 'Deployment', 'backend-canary')[0].labelSelector.matchLabels.track).toBe('canary');
    expect(constraints(prod, 'StatefulSet', 'mongodb')[0].labelSelector).toEqual(find(prod, 'StatefulSet', 'mongodb').spec.selector);
    expect(constraints(dev, 'StatefulSet', 'mongodb')).toBeUndefined();
  });
});
