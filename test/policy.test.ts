import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand } from '../cli/check.js';
import { metadataOf } from '../core/objects.js';
import { checkObjects, formatPrivileges, formatViolations, privilegesOf, RULES, type Violation } from '../policy/index.js';
import { allowedDisruptions } from '../policy/rules/availability.js';
import { inventory } from '../policy/inventory.js';
import { imageTag } from '../policy/rules/containers.js';
import type { Manifest } from '../core/manifest.js';
import { toYaml } from '../core/yaml.js';
import { ENVIRONMENTS, objectsOf, renderCommitted, renderYaml } from './helpers.js';
import { REFERENCE_CONFIG_DIR, renderReference } from './setup/reference.js';

const prodObjects = objectsOf(renderReference('prod'));
const gatewayObjects = objectsOf(renderYaml('tier: prod\nrouting: { backend: gateway-api }\n'));
const devObjects = objectsOf(renderReference('dev'));

/** A deep copy of `objects` with `edit` applied to the object of `kind` and `name`. */
function broken(objects: readonly Manifest[], kind: string, name: string, edit: (o: any) => void): Manifest[] {
  const copy = structuredClone(objects) as Manifest[];
  const target = copy.find((o) => o.kind === kind && metadataOf(o).name === name);
  if (!target) throw new Error(`no ${kind}/${name}`);
  edit(target);
  return copy;
}

const pod = (o: any) => o.spec.template.spec;
const container = (o: any) => pod(o).containers[0];
const without = (objects: Manifest[], kind: string, name: string) => objects.filter((o) => !(o.kind === kind && metadataOf(o).name === name));
const pdb = (name: string, spec: Record<string, unknown>, namespace = 'webapp-prod'): Manifest => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace },
  spec,
});
const backendSelector = { matchLabels: { 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/instance': 'webapp-prod', track: 'stable' } };

describe.each(ENVIRONMENTS)('the policy report on %s', (name) => {
  it('is clean: no error, no warning', () => {
    expect(checkObjects(objectsOf(renderCommitted(name)))).toEqual([]);
  });
});

/** [rule, object it names, objects that break it] */
const cases: [string, string, () => Manifest[]][] = [
  ['run-as-non-root', 'Deployment webapp-prod/backend', () => broken(prodObjects, 'Deployment', 'backend', (o) => (container(o).securityContext.runAsNonRoot = false))],
  ['run-as-numeric-user', 'Deployment webapp-prod/backend', () => broken(prodObjects, 'Deployment', 'backend', (o) => delete pod(o).securityContext.runAsUser)],
  [
    'no-privilege-escalation',
    'StatefulSet webapp-prod/redis',
    () => broken(prodObjects, 'StatefulSet', 'redis', (o) => (container(o).securityContext.allowPrivilegeEscalation = true)),
  ],
  [
    'drop-all-capabilities',
    'Deployment webapp-prod/frontend',
    () => broken(prodObjects, 'Deployment', 'frontend', (o) => (container(o).securityContext.capabilities = { drop: ['ALL'], add: ['SYS_ADMIN'] })),
  ],
  [
    'seccomp-profile',
    'Job webapp-prod/mongodb-rs-init',
    () => broken(prodObjects, 'Job', 'mongodb-rs-init', (o) => (container(o).securityContext.seccompProfile = { type: 'Unconfined' })),
  ],
  [
    'read-only-root-filesystem',
    'Deployment webapp-prod/backend',
    () => broken(prodObjects, 'Deployment', 'backend', (o) => (container(o).securityContext.readOnlyRootFilesystem = false)),
  ],
  [
    'no-privileged-containers',
    'StatefulSet webapp-prod/mongodb',
    () => broken(prodObjects, 'StatefulSet', 'mongodb', (o) => (pod(o).initContainers[0].securityContext.privileged = true)),
  ],
  ['no-host-namespaces', 'Deployment webapp-prod/backend', () => broken(prodObjects, 'Deployment', 'backend', (o) => (pod(o).hostNetwork = true))],
  [
    'no-host-path',
    'Deployment webapp-prod/backend',
    () => broken(prodObjects, 'Deployment', 'backend', (o) => pod(o).volumes.push({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } })),
  ],
  ['readiness-probe', 'Deployment webapp-prod/backend', () => broken(prodObjects, 'Deployment', 'backend', (o) => delete container(o).readinessProbe)],
  ['liveness-probe', 'Deployment webapp-prod/frontend', () => broken(prodObjects, 'Deployment', 'frontend', (o) => delete container(o).livenessProbe)],
  ['resources', 'StatefulSet webapp-prod/mongodb', () => broken(prodObjects, 'StatefulSet', 'mongodb', (o) => delete pod(o).initContainers[0].resources.limits)],
  ['pinned-images', 'Deployment webapp-prod/backend', () => broken(prodObjects, 'Deployment', 'backend', (o) => (container(o).image = 'ghcr.io/example/webapp-backend:latest'))],
  ['service-selects-pods', 'Service webapp-prod/frontend', () => broken(prodObjects, 'Service', 'frontend', (o) => (o.spec.selector.track = 'canary'))],
  ['service-target-ports', 'Service webapp-prod/redis', () => broken(prodObjects, 'Service', 'redis', (o) => (o.spec.ports[0].targetPort = 'redis-tls'))],
  ['ingress-backends', 'Ingress webapp-prod/webapp', () => broken(prodObjects, 'Ingress', 'webapp', (o) => (o.spec.rules[0].http.paths[0].backend.service.name = 'api'))],
  ['http-route-backends', 'HTTPRoute webapp-test/webapp', () => broken(gatewayObjects, 'HTTPRoute', 'webapp', (o) => (o.spec.rules[0].backendRefs[0].port = 8080))],
  [
    'autoscaler-targets',
    'HorizontalPodAutoscaler webapp-prod/web',
    () => [
      ...prodObjects,
      {
        ...prodObjects.find((o) => o.kind === 'HorizontalPodAutoscaler')!,
        metadata: { name: 'web', namespace: 'webapp-prod' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 2 },
      },
    ],
  ],
  ['autoscaled-replicas', 'Deployment webapp-prod/backend', () => broken(prodObjects, 'Deployment', 'backend', (o) => (o.spec.replicas = 3))],
  [
    'pdb-selects-pods',
    'PodDisruptionBudget webapp-prod/frontend',
    () => broken(prodObjects, 'PodDisruptionBudget', 'frontend', (o) => (o.spec.selector.matchLabels.track = 'green')),
  ],
  [
    'pdb-single-replica',
    'PodDisruptionBudget webapp-dev/backend',
    () => [...devObjects, pdb('backend', { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'backend' } } }, 'webapp-dev')],
  ],
  [
    'pdb-allows-eviction',
    'PodDisruptionBudget webapp-prod/backend',
    () => broken(prodObjects, 'PodDisruptionBudget', 'backend', (o) => (o.spec = { minAvailable: '100%', selector: o.spec.selector })),
  ],
  ['pdb-overlap', 'Deployment webapp-prod/backend', () => [...prodObjects, pdb('backend-extra', { maxUnavailable: 1, selector: backendSelector })]],
  ['network-policy-coverage', 'Deployment webapp-prod/frontend', () => without(without(prodObjects, 'NetworkPolicy', 'default-deny'), 'NetworkPolicy', 'frontend')],
  [
    'security-exception',
    'Deployment webapp-prod/frontend',
    () => broken(prodObjects, 'Deployment', 'frontend', (o) => (o.spec.template.metadata.annotations['security-exception.cdk8s-platform/run-as-root'] = 'reads root-owned files')),
  ],
];

describe('every rule fires on objects that break it', () => {
  it('covers every rule', () => {
    expect(cases.map(([rule]) => rule).sort()).toEqual(RULES.map((r) => r.name).sort());
  });

  it.each(cases)('%s reports %s', (rule, object, objects) => {
    const violations = checkObjects(objects());
    expect(violations.map((v) => [v.rule, v.object])).toContainEqual([rule, object]);
    // Each broken fixture breaks only what it says.
    expect(new Set(violations.map((v) => v.rule))).toEqual(new Set([rule]));
  });

  it('names the container, the value and the fix', () => {
    const [violation] = checkObjects(broken(prodObjects, 'StatefulSet', 'mongodb', (o) => delete pod(o).initContainers[0].resources.limits));
    expect(violation).toEqual<Violation>({
      rule: 'resources',
      severity: 'error',
      object: 'StatefulSet webapp-prod/mongodb',
      source: undefined,
      message: 'container "keyfile": no limits.cpu, limits.memory',
      fix: expect.stringContaining('init containers and sidecars included'),
    });
  });
});

describe('rule details', () => {
  it('allows host paths and root only in a namespace that enforces "privileged" (a log shipper reading node files)', () => {
    for (const logs of ['{ alloy: { mode: file } }', '{ shipper: promtail }']) {
      const objects = objectsOf(renderYaml(`tier: prod\nlogs: ${logs}\n`));
      const shipper = objects.find((o) => o.kind === 'DaemonSet') as any;
      expect(
        shipper.spec.template.spec.volumes.some((v: any) => v.hostPath),
        logs,
      ).toBe(true);
      expect(
        checkObjects(objects).filter((v) => v.severity === 'error'),
        logs,
      ).toEqual([]);
      const elsewhere = (structuredClone(objects) as any[]).map((o) => (o.kind === 'DaemonSet' ? { ...o, metadata: { ...o.metadata, namespace: 'webapp-prod' } } : o));
      expect(
        checkObjects(elsewhere).map((v) => v.rule),
        logs,
      ).toEqual(expect.arrayContaining(['no-host-path', 'run-as-non-root']));
    }
  });

  it('holds Alloy tailing through the API (the default) to every restricted rule, without an exemption', () => {
    const alloy = prodObjects.find((o) => o.kind === 'DaemonSet') as any;
    expect(alloy.metadata.name).toBe('alloy');
    expect(inventory(prodObjects).privilegedNamespaces.size).toBe(0);
    expect(checkObjects(prodObjects).filter((v) => v.object.includes('alloy'))).toEqual([]);
  });

  it('treats untagged images like "latest", accepts digests, and only warns in the dev tier', () => {
    expect([imageTag('redis'), imageTag('registry:5000/acme/api'), imageTag('registry:5000/acme/api:1.2'), imageTag('a/b:1@sha256:abc')]).toEqual([
      undefined,
      undefined,
      '1.2',
      '1',
    ]);
    const latest = broken(devObjects, 'Deployment', 'backend', (o) => (container(o).image = 'docker.io/acme/api'));
    expect(checkObjects(latest).map((v) => v.severity)).toEqual(['error']);
    expect(checkObjects(latest, { tier: 'dev' }).map((v) => v.severity)).toEqual(['warning']);
    expect(checkObjects(broken(devObjects, 'Deployment', 'backend', (o) => (container(o).image = `acme/api@sha256:${'a'.repeat(64)}`)))).toEqual([]);
  });

  it('counts disruptions the way the disruption controller does', () => {
    expect(allowedDisruptions({ maxUnavailable: 1 }, 3)).toBe(1);
    expect(allowedDisruptions({ maxUnavailable: '50%' }, 3)).toBe(2);
    expect(allowedDisruptions({ minAvailable: '50%' }, 3)).toBe(1);
    expect(allowedDisruptions({ minAvailable: 2 }, 2)).toBe(0);
    expect(allowedDisruptions({ maxUnavailable: 0 }, 5)).toBe(0);
  });

  it('groups the report by object', () => {
    const objects = broken(prodObjects, 'Deployment', 'backend', (o) => {
      container(o).securityContext.allowPrivilegeEscalation = true;
      delete container(o).readinessProbe;
    });
    expect(formatViolations(checkObjects(objects, { sourceOf: () => 'prod/30-backend.yaml' }))).toBe(
      [
        'Deployment webapp-prod/backend (prod/30-backend.yaml)',
        '  error    no-privilege-escalation: container "backend": allowPrivilegeEscalation is not false',
        '           fix: set securityContext.allowPrivilegeEscalation: false on every container (charts/workloads/security.ts containerSecurityContext)',
        '  error    readiness-probe: container "backend" has no readinessProbe: it receives traffic before it can serve it, and a broken rollout looks healthy',
        '           fix: add a readinessProbe (services.<name>.probes.readiness in the config)',
      ].join('\n'),
    );
  });

  it('is clean for canary and blue-green releases and for a worker', () => {
    for (const yamlText of [
      'tier: prod\nservices:\n  backend:\n    canary: { enabled: true, tag: "1.1.0", replicas: 2 }\n',
      'tier: prod\nservices:\n  backend:\n    blueGreen: { enabled: true, idleTag: "0.9.0" }\n',
      'tier: prod\nworkers:\n  mailer:\n    image: { repository: acme/mailer, tag: "1.1.0" }\n    uses: [redis]\n    replicas: 3\n',
    ]) {
      expect(checkObjects(objectsOf(renderYaml(yamlText))), yamlText).toEqual([]);
    }
  });
});

describe("the report states each workload's privileges", () => {
  const statements = (yamlText: string) => privilegesOf(objectsOf(renderYaml(yamlText)));

  it('Alloy in api mode: non-root under restricted, no host path, reads pods and their logs through a Role in each namespace it ships from', () => {
    const [alloy, ...others] = statements('tier: prod\n');
    expect(others).toEqual([]);
    expect(alloy).toMatchObject({
      workload: 'DaemonSet webapp-test-logging/alloy',
      runsAs: 'UID 473 (non-root)',
      podSecurity: 'restricted',
      hostPaths: 'none',
      api: ['get, list, watch pods; get pods/log in webapp-test, webapp-test-logging (Role log-shipper)'],
    });
    expect(alloy.why).toMatch(/^api mode: tails the logs .* through the API server/);
  });

  it('Alloy in file mode and Promtail: root, the node log directory read-only, positions on the node, a privileged namespace, and why', () => {
    for (const [shipper, yamlText] of [
      ['alloy', 'tier: prod\nlogs: { alloy: { mode: file } }\n'],
      ['promtail', 'tier: prod\nlogs: { shipper: promtail }\n'],
    ]) {
      const all = statements(yamlText);
      // Loki is listed only for the namespace it shares with the shipper, which admits privileged pods.
      expect(all.map((x) => x.workload)).toEqual(['StatefulSet webapp-test-logging/loki', `DaemonSet webapp-test-logging/${shipper}`]);
      expect(all[0]).toMatchObject({ runsAs: 'UID 10001 (non-root)', podSecurity: 'privileged', hostPaths: 'none', api: [] });
      const s = all[1];
      expect(s).toMatchObject({
        workload: `DaemonSet webapp-test-logging/${shipper}`,
        runsAs: 'root (UID 0)',
        podSecurity: 'privileged',
        hostPaths: `/var/lib/${shipper}/webapp-test-logging (read-write), /var/log/pods (read-only)`,
        api: ['get, list, watch pods in webapp-test, webapp-test-logging (Role log-shipper)'],
      });
      expect(s.why).toContain('reads the container log files the kubelet writes under /var/log/pods');
    }
  });

  it('lists nothing for an environment without privileged workloads, and reads cluster-wide bindings and missing roles too', () => {
    expect(statements('tier: dev\nlogs: { enabled: false }\n')).toEqual([]);
    const objects = [
      ...devObjects,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'reader' },
        rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: 'reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'backend', namespace: 'webapp-dev' }],
      },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'edit', namespace: 'webapp-dev' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        subjects: [{ kind: 'ServiceAccount', name: 'backend' }],
      },
    ] as Manifest[];
    const backend = privilegesOf(broken(objects, 'Deployment', 'backend', (o) => (pod(o).serviceAccountName = 'backend')));
    expect(backend.map((s) => [s.workload, s.api])).toEqual([
      ['Deployment webapp-dev/backend', ['ClusterRole edit (not among the objects) in webapp-dev (ClusterRole edit)', 'get deployments.apps cluster-wide (ClusterRole reader)']],
    ]);
    expect(formatPrivileges(backend, () => 'dev/30-backend.yaml')).toBe(
      [
        '  Deployment webapp-dev/backend (dev/30-backend.yaml)',
        `    runs as      ${backend[0].runsAs}, in a namespace that enforces restricted`,
        '    host paths   none',
        '    API          ClusterRole edit (not among the objects) in webapp-dev (ClusterRole edit)',
        '                 get deployments.apps cluster-wide (ClusterRole reader)',
      ].join('\n'),
    );
  });
});

describe('npm run check', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'check-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const run = (argv: string[], env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const code = checkCommand(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
      return { code, out: out.join('\n'), err: err.join('\n') };
    } finally {
      process.env = saved;
    }
  };

  it('renders every environment from config and passes', () => {
    const result = run([]);
    expect(result.code).toBe(0);
    for (const name of ENVIRONMENTS) expect(result.out).toMatch(new RegExp(`^${name}: 0 errors, 0 warnings in \\d+ objects$`, 'm'));
    expect(result.out).toContain(
      'prod: privileges beyond the defaults (non-root, no host path, no API permission)\n  DaemonSet webapp-prod-logging/alloy (prod/60-logging.yaml)\n    runs as      UID 473 (non-root), in a namespace that enforces restricted\n    host paths   none\n',
    );
  });

  it('checks dist/ as written with --dist, and exits 1 on an error, printing rule, object, message and fix', () => {
    const env = renderReference('prod');
    const dir = join(scratch, 'dist', 'prod');
    mkdirSync(dir, { recursive: true });
    for (const file of env.files) {
      const objects = file.name === '30-backend.yaml' ? broken(file.objects, 'Deployment', 'backend', (o) => (pod(o).hostPID = true)) : file.objects;
      writeFileSync(join(dir, file.name), toYaml(objects));
    }
    const result = run(['--dist', '--env', 'prod', '--config-dir', REFERENCE_CONFIG_DIR], { CDK8S_OUTDIR: join(scratch, 'dist') });
    expect(result.code).toBe(1);
    expect(result.out).toContain(
      "Deployment webapp-prod/backend (prod/30-backend.yaml)\n  error    no-host-namespaces: shares the node's namespaces: hostPID\n           fix: remove hostNetwork",
    );
    expect(result.out).toMatch(/^prod: 1 error, 0 warnings in \d+ objects$/m);
  });

  it('reports a broken config as a config error, without a stack trace', () => {
    const configDir = join(scratch, 'config');
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, 'broken.yaml'), 'services:\n  backend:\n    replicas: many\ntier: prod\n');
    const result = run(['--config-dir', configDir]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('services.backend.replicas (line 3, column 5)');
    expect(result.err).not.toMatch(/\n\s+at /);
  });
});
