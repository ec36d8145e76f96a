/**
 * config/rules.ts (and the field types of config/schema.ts that close the same gaps): configs the
 * schema accepts that would still become objects the API server refuses, or objects that collide
 * or silently misbehave. Each class checks the problem's key path and message and, where
 * practical, renders the offending config with the rules skipped to show the object really is
 * invalid (core/validate/index.ts, the API server's metadata rules) or really collides.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, listEnvironments, loadEnvironment, parseEnvironment } from '../config/load.js';
import { synthesize } from '../synth/synth.js';
import { CONFIGMAP_MAX_BYTES, clusterKey, crossEnvironmentProblems, environmentProblems, type ConfigProblem, type NamedConfig } from '../config/rules.js';
import type { Config } from '../config/schema.js';
import { renderEnvironment } from '../charts/render.js';
import type { RenderedEnvironment } from '../core/manifest.js';
import { validateObject } from '../core/validate/index.js';
import { configFromYaml, find, findAll, objectsOf, problemsOf } from './helpers.js';

/** Environment files state their tier; these tests use prod unless they say otherwise. */
const file = (text: string, tier = 'prod') => `tier: ${tier}\n${text}`;
/** The config of a file as the loader makes it with the rules skipped: what synthesis would get without them. */
const unchecked = (text: string, tier?: string): Config => parseEnvironment(file(text, tier), 'test.yaml', { rules: () => [] }).config;
/** A file that passes every check. */
const valid = (text: string): Config => configFromYaml(file(text));
/** The problems the loader reports for a file (schema and rules), as printed. */
const reported = (text: string): string[] => problemsOf(file(text));

const render = (config: Config, name = 'test'): RenderedEnvironment => renderEnvironment(name, config);
const errors = (problems: ConfigProblem[]) => problems.filter((p) => p.severity === 'error');
const at = (problems: ConfigProblem[], ...path: PropertyKey[]) => problems.filter((p) => JSON.stringify(p.path) === JSON.stringify(path));
/** API-server rule violations of one rendered object (core/validate/index.ts). */
const issuesOf = (object: unknown) => validateObject(object as Record<string, unknown>).map((i) => i.message);

const IMAGE = 'image: { repository: acme/api, tag: "1.0.0" }';
/** A routed web service with a running canary. */
const canaryService = (name: string) => `services:\n  ${name}:\n    ${IMAGE}\n    ingress: { paths: [{ path: /x }] }\n    canary: { enabled: true, tag: "1.1.0" }\n`;

/** A config with one service renamed behind the schema's back (for names the schema now refuses). */
function withServiceRenamed(config: Config, from: string, to: string): Config {
  const { [from]: service, ...others } = config.services;
  return { ...config, services: { ...others, [to]: service } };
}

function pod(env: RenderedEnvironment, deployment: string) {
  return find(env, 'Deployment', deployment).spec.template.spec;
}

describe('names a derived object cannot carry', () => {
  it('a service name is a DNS-1035 label: "1api" is refused at its key, and would make an invalid Service', () => {
    const [problem, ...more] = reported(`services:\n  1api:\n    ${IMAGE}\n`);
    expect(more).toEqual([]);
    expect(problem).toMatch(/^services\.1api \(line 3, column 3\): invalid name "1api": must be a DNS-1035 label .*e\.g\. "api"\); rename the service/);

    const skipped = withServiceRenamed(valid(`services:\n  api1:\n    ${IMAGE}\n`), 'api1', '1api');
    expect(issuesOf(find(render(skipped), 'Service', '1api'))).toEqual([expect.stringContaining('is not a valid DNS-1035 label')]);
  });

  it('a service name leaves room for "-canary": 56 characters render valid objects with a canary, 57 are refused and would not', () => {
    const longest = 'a'.repeat(56);
    const env = render(valid(canaryService(longest)));
    expect(find(env, 'Service', `${longest}-canary`)).toBeDefined();
    expect(objectsOf(env).flatMap(issuesOf)).toEqual([]);

    const tooLong = 'a'.repeat(57);
    expect(reported(canaryService(tooLong))).toEqual([
      expect.stringContaining(`services.${tooLong} (line 3, column 3): invalid name "${tooLong}": must be at most 56 characters, so that the canary Service`),
    ]);
    const skipped = render(withServiceRenamed(valid(canaryService(longest)), longest, tooLong));
    expect(issuesOf(find(skipped, 'Service', `${tooLong}-canary`))).toEqual([expect.stringContaining('is not a valid DNS-1035 label')]);
  });

  it('the longest names the schema accepts make valid objects: blue-green, HPA, PDB, ServiceAccount, ConfigMap, claims, labels', () => {
    const service = 's'.repeat(56);
    const worker = 'w'.repeat(63);
    const volume = `volumes: { ${'v'.repeat(63)}: { mountPath: /data } }`;
    const text =
      `app: { name: ${'a'.repeat(56)} }\nnamespace: shop\nlogs: { namespace: shop-logs }\n` +
      `services:\n  ${service}:\n    ${IMAGE}\n    ${volume}\n    autoscaling: { enabled: true, minReplicas: 2 }\n    blueGreen: { enabled: true, idleTag: "1.1.0" }\n` +
      `workers:\n  ${worker}:\n    ${IMAGE}\n    ${volume}\n    replicas: 2\n`;
    const env = render(valid(text), 'prod');
    for (const kind of ['Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ServiceAccount', 'ConfigMap', 'PersistentVolumeClaim']) {
      expect(
        findAll(env, kind).some((o) => o.metadata.name.startsWith(service) || o.metadata.name.startsWith(worker)),
        kind,
      ).toBe(true);
    }
    expect(find(env, 'Deployment', `${service}-green`)).toBeDefined();
    expect(objectsOf(env).flatMap(issuesOf)).toEqual([]);
  });

  it('<app.name>-<environment> must fit a label value: it is app.kubernetes.io/instance on every object', () => {
    const text = `app: { name: ${'a'.repeat(60)} }\nnamespace: shop\n`;
    const problems = environmentProblems('prod', unchecked(text));
    expect(problems).toEqual([
      {
        path: ['app', 'name'],
        severity: 'error',
        message: expect.stringMatching(
          /^".{65}" \(<app\.name>-<environment>\) is longer than 63 characters: it is the app\.kubernetes\.io\/instance label of every object; use a shorter app\.name/,
        ),
      },
    ]);
    // Without an explicit namespace, the same name is the namespace: one problem, at the key that fixes both.
    expect(environmentProblems('prod', unchecked(`app: { name: ${'a'.repeat(60)} }\n`))).toEqual([
      expect.objectContaining({ path: ['app', 'name'], message: expect.stringContaining('and the default namespace') }),
    ]);
    expect(environmentProblems('prod', unchecked(`app: { name: ${'a'.repeat(58)} }\nnamespace: shop\n`))).toEqual([]);

    expect(issuesOf(find(render(unchecked(text), 'prod'), 'Deployment', 'backend'))).toContainEqual(expect.stringMatching(/app\.kubernetes\.io\/instance.*invalid label value/));
  });

  it('the default logging namespace <namespace>-logging must fit 63 characters', () => {
    const namespace = 'n'.repeat(56);
    const problems = environmentProblems('test', unchecked(`namespace: ${namespace}\n`));
    expect(problems).toEqual([
      {
        path: ['logs', 'namespace'],
        severity: 'error',
        message: expect.stringContaining(`"${namespace}-logging" (<namespace>-logging) is longer than 63 characters; set logs.namespace`),
      },
    ]);
    expect(environmentProblems('test', unchecked(`namespace: ${namespace}\nlogs: { namespace: shop-logs }\n`))).toEqual([]);
    expect(issuesOf(find(render(unchecked(`namespace: ${namespace}\n`)), 'Namespace', `${namespace}-logging`))).toEqual([expect.stringContaining('is not a valid DNS-1123 label')]);
  });

  it('label values and keys the config supplies are checked at their keys, and would make invalid objects', () => {
    expect(reported(`services:\n  backend:\n    component: ${'c'.repeat(64)}\n`)).toEqual([
      expect.stringMatching(/^services\.backend\.component \(line 4, column \d+\): must be at most 63 characters/),
    ]);
    const component = valid('');
    component.services.backend.component = 'c'.repeat(64);
    expect(issuesOf(find(render(component), 'Deployment', 'backend'))).toContainEqual(expect.stringMatching(/app\.kubernetes\.io\/component.*invalid label value/));

    expect(reported('monitoring:\n  serviceMonitorLabels: { release: "kube prometheus" }\n')).toEqual([
      expect.stringMatching(/^monitoring\.serviceMonitorLabels\.release \(line 3, column \d+\): must be a label value/),
    ]);
    const monitorLabels = valid('');
    monitorLabels.monitoring.serviceMonitorLabels = { release: 'kube prometheus' };
    expect(issuesOf(find(render(monitorLabels), 'ServiceMonitor', 'backend'))).toContainEqual(expect.stringMatching(/labels\.release: invalid label value/));

    expect(reported('monitoring:\n  grafana:\n    dashboards: { labelValue: "yes please" }\n')).toEqual([
      expect.stringMatching(/^monitoring\.grafana\.dashboards\.labelValue .*must be a label value/),
    ]);

    expect(reported('ingress:\n  annotations: { "nginx.ingress.kubernetes.io/ bad": "1" }\n')).toEqual([
      expect.stringMatching(/^ingress\.annotations\.nginx\.ingress\.kubernetes\.io\/ bad .*invalid name .*must be an annotation key/),
    ]);
    const annotations = valid('');
    annotations.ingress.annotations = { 'nginx.ingress.kubernetes.io/ bad': '1' };
    expect(issuesOf(find(render(annotations), 'Ingress', 'webapp'))).toContainEqual(expect.stringContaining('invalid annotation key'));
  });

  // Fields the API server validates that the objects carry verbatim (Kubernetes
  // pkg/apis/core/validation and pkg/apis/networking/validation).
  it.each([
    ['an IngressClass name (DNS-1123 subdomain)', 'ingress: { className: Nginx_Public }', 'ingress.className', 'must be an object name'],
    [
      'a StorageClass name (DNS-1123 subdomain)',
      'services: { backend: { volumes: { uploads: { storageClass: Fast_SSD } } } }',
      'services.backend.volumes.uploads.storageClass',
      'must be an object name',
    ],
    ['a datastore StorageClass name', 'mongodb: { storage: { storageClass: "fast ssd" } }', 'mongodb.storage.storageClass', 'must be an object name'],
    [
      'a secretKeyRef key (IsConfigMapKey)',
      'services: { backend: { secretEnv: { JWT: { secretName: s, key: "jwt/key" } } } }',
      'services.backend.secretEnv.JWT.key',
      'must be a Secret key',
    ],
    ['a Secret key that starts with ".."', 'redis: { auth: { passwordKey: "..pw" } }', 'redis.auth.passwordKey', 'must not be "." or start with ".."'],
    ['the replica-set keyfile key', 'mongodb: { replicaSet: { keyFile: { key: "key file" } } }', 'mongodb.replicaSet.keyFile.key', 'must be a Secret key'],
    ['an Ingress host that is an IP address', 'ingress: { host: 10.0.0.1 }', 'ingress.host', 'not an IP address'],
    ['a Prefix path with "//"', 'services: { backend: { ingress: { paths: [{ path: "/api//v1" }] } } }', 'services.backend.ingress.paths[0].path', 'must not contain "//"'],
    [
      'an Exact path ending in "/."',
      'services: { backend: { ingress: { paths: [{ path: "/api/.", pathType: Exact }] } } }',
      'services.backend.ingress.paths[0].path',
      'must not end with "/."',
    ],
  ])('%s is checked where it is written', (_what, text, path, fragment) => {
    const problems = reported(text);
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${path} (line `)).toBe(true);
    expect(problems[0]).toContain(fragment);
  });

  it('ImplementationSpecific paths are left to the controller', () => {
    expect(reported('services: { backend: { ingress: { paths: [{ path: "/api//v1", pathType: ImplementationSpecific }] } } }')).toEqual([]);
  });

  it('StatefulSet names are fixed and leave room for pod ordinals and the controller-revision-hash label', () => {
    // The controller labels each pod controller-revision-hash=<name>-<10-character hash>, which must
    // fit a label value (https://github.com/kubernetes/kubernetes/issues/64023): names of at most
    // 52 characters. None depends on the config, so no rule is needed; this guards the fixed names.
    const env = render(valid('mongodb: { replicaSet: { enabled: true, members: 7 } }\nlogs: { enabled: true }\n'));
    const statefulSets = findAll(env, 'StatefulSet');
    expect(statefulSets.map((s) => s.metadata.name).sort()).toEqual(['loki', 'mongodb', 'redis']);
    for (const s of statefulSets) {
      expect(s.metadata.name.length + '-0123456789'.length).toBeLessThanOrEqual(63);
      expect(`${s.metadata.name}-${s.spec.replicas - 1}`.length).toBeLessThanOrEqual(63);
    }
  });
});

describe('peer namespaces of the network section', () => {
  it('a namespace longer than 63 characters is refused at its key: it becomes a label value in the policy', () => {
    const long = 'n'.repeat(64);
    expect(problemsOf(`network:\n  ingressController: { namespace: ${long} }\n`)).toEqual([
      expect.stringMatching(/^network\.ingressController\.namespace \(line 2, column 24\): must be at most 63 characters/),
    ]);
    expect(problemsOf(`network:\n  ingressController: { namespace: ${long.slice(1)} }\n`)).toEqual([]);
  });
});

describe('user keys colliding with generated ones', () => {
  const USES_ALL = `services:\n  api:\n    ${IMAGE}\n    uses: [mongodb, redis]\n`;
  const RS = 'mongodb: { replicaSet: { enabled: true } }\n';

  it('every variable the charts put into a container is refused in env and in secretEnv', () => {
    // Read from the rendered objects, not from the rules: the ConfigMap's keys and the container's own env.
    const env = render(valid(USES_ALL + RS));
    const generated = [...Object.keys(find(env, 'ConfigMap', 'api-config').data), ...pod(env, 'api').containers[0].env.map((v: { name: string }) => v.name)];
    expect(generated).toEqual(
      expect.arrayContaining([
        'PORT',
        'MONGODB_HOSTS',
        'MONGODB_DATABASE',
        'MONGODB_REPLICA_SET',
        'MONGODB_USERNAME',
        'MONGODB_PASSWORD',
        'MONGODB_URI',
        'REDIS_HOST',
        'REDIS_PORT',
        'REDIS_PASSWORD',
        'REDIS_URL',
      ]),
    );
    for (const name of generated) {
      const inEnv = environmentProblems('test', unchecked(`${USES_ALL}    env: { ${name}: "x" }\n${RS}`));
      expect(at(inEnv, 'services', 'api', 'env', name), name).toEqual([
        {
          path: ['services', 'api', 'env', name],
          severity: 'error',
          message: expect.stringMatching(new RegExp(`^"${name}" is generated \\(the platform sets it .*\\); a value here would conflict with it: remove it or use another name$`)),
        },
      ]);
      const inSecretEnv = environmentProblems('test', unchecked(`${USES_ALL}    secretEnv: { ${name}: { secretName: s, key: k } }\n${RS}`));
      expect(errors(inSecretEnv), name).toEqual([expect.objectContaining({ path: ['services', 'api', 'secretEnv', name] })]);
    }
  });

  it('a user PORT would replace the port the Service and probes use', () => {
    const text = `${USES_ALL}    env: { PORT: "9999" }\n`;
    expect(environmentProblems('test', unchecked(text))).toEqual([
      expect.objectContaining({ path: ['services', 'api', 'env', 'PORT'], message: expect.stringContaining('from services.api.port; change port instead') }),
    ]);
    const env = render(unchecked(text));
    expect(find(env, 'ConfigMap', 'api-config').data.PORT).toBe('9999');
    expect(pod(env, 'api').containers[0].ports[0].containerPort).toBe(8080);
  });

  it('a secretEnv variable the datastore connection also sets would be defined twice in the container', () => {
    const text = `${USES_ALL}    secretEnv: { REDIS_PASSWORD: { secretName: other, key: pw } }\n`;
    expect(errors(environmentProblems('test', unchecked(text)))).toEqual([
      expect.objectContaining({ path: ['services', 'api', 'secretEnv', 'REDIS_PASSWORD'], message: expect.stringContaining('because the workload uses redis') }),
    ]);
    const names = pod(render(unchecked(text)), 'api').containers[0].env.map((v: { name: string }) => v.name);
    expect(names.filter((n: string) => n === 'REDIS_PASSWORD')).toHaveLength(2);
  });

  it('variables of a datastore the workload does not use are its own', () => {
    const text = `workers:\n  mailer:\n    ${IMAGE}\n    env: { MONGODB_URI: "mongodb://external/db", REDIS_HOST: cache.example.com, PORT: "25" }\n`;
    expect(environmentProblems('test', unchecked(text))).toEqual([]);
  });

  it('the same name in env and secretEnv: the Secret would silently win', () => {
    const text = `${USES_ALL}    env: { FEATURE: "on" }\n    secretEnv: { FEATURE: { secretName: flags, key: feature } }\n`;
    expect(environmentProblems('test', unchecked(text))).toEqual([
      expect.objectContaining({ path: ['services', 'api', 'env', 'FEATURE'], severity: 'error', message: expect.stringContaining('is also in secretEnv') }),
    ]);
    const env = render(unchecked(text));
    expect(find(env, 'ConfigMap', 'api-config').data.FEATURE).toBe('on');
    expect(pod(env, 'api').containers[0].env).toContainEqual({ name: 'FEATURE', valueFrom: { secretKeyRef: { name: 'flags', key: 'feature' } } });
  });

  it('a volume must not take the name or the mount path of a writable emptyDir (frontend: /tmp, /var/cache/nginx, /var/run)', () => {
    const named = 'services:\n  frontend:\n    volumes: { writable-tmp: { mountPath: /data } }\n';
    expect(environmentProblems('test', unchecked(named))).toEqual([
      expect.objectContaining({ path: ['services', 'frontend', 'volumes', 'writable-tmp'], message: expect.stringContaining('generated emptyDir volume of writable path "/tmp"') }),
    ]);
    const volumes = pod(render(unchecked(named)), 'frontend').volumes.map((v: { name: string }) => v.name);
    expect(volumes.filter((v: string) => v === 'writable-tmp')).toHaveLength(2);

    for (const mountPath of ['/var/cache/nginx', '/var/run/', '/tmp']) {
      const text = `services:\n  frontend:\n    volumes: { cache: { mountPath: ${mountPath} } }\n`;
      expect(environmentProblems('test', unchecked(text)), mountPath).toEqual([
        expect.objectContaining({
          path: ['services', 'frontend', 'volumes', 'cache', 'mountPath'],
          message: expect.stringContaining('is already the mount path of the writable path'),
        }),
      ]);
    }
    const mounts = pod(render(unchecked('services:\n  frontend:\n    volumes: { cache: { mountPath: /var/cache/nginx } }\n')), 'frontend').containers[0].volumeMounts.map(
      (m: { mountPath: string }) => m.mountPath,
    );
    expect(mounts.filter((m: string) => m === '/var/cache/nginx')).toHaveLength(2);
  });

  it('writable paths and volume mount paths are each unique', () => {
    expect(environmentProblems('test', unchecked('services: { backend: { writablePaths: [/tmp, /cache, /tmp/] } }'))).toEqual([
      expect.objectContaining({ path: ['services', 'backend', 'writablePaths', 2], message: '"/tmp/" is listed twice; remove one' }),
    ]);
    expect(environmentProblems('test', unchecked('services: { backend: { writablePaths: [/var/run, /var-run] } }'))).toEqual([
      expect.objectContaining({ path: ['services', 'backend', 'writablePaths', 1], message: expect.stringContaining('would both get the emptyDir volume "writable-var-run"') }),
    ]);
    expect(environmentProblems('test', unchecked('services: { backend: { volumes: { extra: { mountPath: /app/uploads/ } } } }'))).toEqual([
      expect.objectContaining({
        path: ['services', 'backend', 'volumes', 'uploads', 'mountPath'],
        message: expect.stringContaining('is already the mount path of volume "extra"'),
      }),
    ]);
  });

  it('PersistentVolumeClaims of different workloads, or of a workload and a datastore, must not share a name', () => {
    const text = `services:\n  shop:\n    ${IMAGE}\n    volumes: { cache-data: { mountPath: /a } }\nworkers:\n  shop-cache:\n    ${IMAGE}\n    volumes: { data: { mountPath: /b } }\n`;
    expect(environmentProblems('test', unchecked(text))).toEqual([
      expect.objectContaining({ path: ['workers', 'shop-cache', 'volumes', 'data'], message: expect.stringContaining('"shop-cache-data"') }),
    ]);
    expect(findAll(render(unchecked(text)), 'PersistentVolumeClaim').filter((c) => c.metadata.name === 'shop-cache-data')).toHaveLength(2);

    const datastore = `workers:\n  data:\n    ${IMAGE}\n    volumes: { mongodb-0: { mountPath: /b } }\n`;
    expect(environmentProblems('test', unchecked(datastore))).toEqual([
      expect.objectContaining({ path: ['workers', 'data', 'volumes', 'mongodb-0'], message: expect.stringContaining('the data volume of mongodb pod 0') }),
    ]);
    // The StatefulSet controller names a pod's claim <template>-<statefulset>-<ordinal>.
    const env = render(unchecked(datastore));
    const mongodb = find(env, 'StatefulSet', 'mongodb');
    expect(find(env, 'PersistentVolumeClaim', `${mongodb.spec.volumeClaimTemplates[0].metadata.name}-mongodb-0`)).toBeDefined();
  });

  it('a separate metrics port must not be the Service port', () => {
    const text = 'services: { backend: { metrics: { port: 80 } } }';
    expect(environmentProblems('test', unchecked(text))).toEqual([
      expect.objectContaining({ path: ['services', 'backend', 'metrics', 'port'], message: expect.stringContaining('the Service would expose port 80 twice') }),
    ]);
    expect(find(render(unchecked(text)), 'Service', 'backend').spec.ports.map((p: { port: number }) => p.port)).toEqual([80, 80]);
  });

  it('Prefix paths that differ only by a trailing slash are one route', () => {
    expect(reported('services: { frontend: { ingress: { paths: [{ path: /api/ }] } } }')).toEqual([
      expect.stringContaining('path "/api/" matches the same requests as "/api" (a Prefix path ignores a trailing slash) and is already routed to service "backend"'),
    ]);
    expect(reported('services: { frontend: { ingress: { paths: [{ path: /api/, pathType: Exact }] } } }')).toEqual([]);
    // Without the rule both reach the Ingress, each matching /api/... for another service.
    const skipped = valid('services: { frontend: { ingress: { paths: [{ path: /apix }] } } }');
    skipped.services.frontend.ingress.paths[0].path = '/api/';
    const paths = find(render(skipped), 'Ingress', 'webapp').spec.rules[0].http.paths;
    expect(paths.filter((p: { path: string }) => p.path.startsWith('/api')).map((p: any) => [p.path, p.pathType, p.backend.service.name])).toEqual([
      ['/api/', 'Prefix', 'frontend'],
      ['/api', 'Prefix', 'backend'],
    ]);
  });

  it('labels the config adds must not redefine the platform labels', () => {
    const text = 'monitoring: { serviceMonitorLabels: { app.kubernetes.io/name: prometheus } }';
    expect(environmentProblems('test', unchecked(text))).toEqual([expect.objectContaining({ path: ['monitoring', 'serviceMonitorLabels', 'app.kubernetes.io/name'] })]);
    expect(find(render(unchecked(text)), 'ServiceMonitor', 'backend').metadata.labels['app.kubernetes.io/name']).toBe('prometheus');
    expect(environmentProblems('test', unchecked('monitoring: { grafana: { dashboards: { label: track } } }'))).toEqual([
      expect.objectContaining({ path: ['monitoring', 'grafana', 'dashboards', 'label'] }),
    ]);
  });

  it('app.name must not be the name of a canary Ingress', () => {
    const text = `app: { name: web-canary }\n${canaryService('web')}`;
    expect(environmentProblems('test', unchecked(text))).toEqual([
      expect.objectContaining({ path: ['app', 'name'], message: expect.stringContaining('the canary Ingress of service "web"') }),
    ]);
    expect(findAll(render(unchecked(text)), 'Ingress').filter((i) => i.metadata.name === 'web-canary')).toHaveLength(2);
  });

  it("a measured web service must not be named like the environment's PrometheusRule <app.name>-alerts", () => {
    const text = `app: { name: web }\nservices:\n  web-alerts:\n    ${IMAGE}\n    metrics: { enabled: true }\n`;
    expect(environmentProblems('test', unchecked(text))).toEqual([
      expect.objectContaining({ path: ['services', 'web-alerts'], message: expect.stringContaining('the PrometheusRule of its alerts would be named "web-alerts"') }),
    ]);
    expect(findAll(render(unchecked(text)), 'PrometheusRule').filter((r) => r.metadata.name === 'web-alerts')).toHaveLength(2);
    expect(environmentProblems('test', unchecked(text.replace('metrics: { enabled: true }', 'metrics: { enabled: false }')))).toEqual([]);
  });
});

describe('reserved and shared namespaces', () => {
  it.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])('"%s" is refused as namespace and as logs.namespace', (reserved) => {
    expect(environmentProblems('test', unchecked(`namespace: ${reserved}\nlogs: { namespace: shop-logs }\n`))).toEqual([
      expect.objectContaining({ path: ['namespace'], severity: 'error', message: expect.stringContaining(`"${reserved}" is a namespace Kubernetes reserves for itself`) }),
    ]);
    expect(environmentProblems('test', unchecked(`logs: { namespace: ${reserved} }\n`))).toEqual([expect.objectContaining({ path: ['logs', 'namespace'], severity: 'error' })]);
  });

  it('a default namespace <app.name>-<environment> that comes out reserved is refused too', () => {
    expect(environmentProblems('system', unchecked('app: { name: kube }\nlogs: { namespace: system-logs }\n'))).toEqual([
      expect.objectContaining({ path: ['namespace'], message: expect.stringContaining('"kube-system"') }),
    ]);
  });

  it('the "kube-" prefix is a warning', () => {
    expect(environmentProblems('test', unchecked('namespace: kube-shop\nlogs: { namespace: shop-logs }\n'))).toEqual([
      expect.objectContaining({ path: ['namespace'], severity: 'warning' }),
    ]);
  });

  it('the logging namespace must not be the environment namespace', () => {
    const text = 'namespace: shop\nlogs: { namespace: shop }\n';
    expect(environmentProblems('test', unchecked(text))).toEqual([
      expect.objectContaining({ path: ['logs', 'namespace'], severity: 'error', message: expect.stringContaining('is also the environment namespace') }),
    ]);
    // Without the rule, synthesis itself fails: objects of both namespaces collide.
    expect(() => render(unchecked(text))).toThrow('There is already a Construct with name');
  });

  const named = (name: string, text: string): NamedConfig => ({ name, file: `config/environments/${name}.yaml`, config: unchecked(text) });

  it('two environments in one namespace: an error against the later file', () => {
    const problems = crossEnvironmentProblems([
      named('blue', 'namespace: shop\ningress: { host: a.example.com }\n'),
      named('green', 'namespace: shop\ningress: { host: b.example.com }\n'),
    ]);
    expect(problems).toEqual([
      { file: 'config/environments/green.yaml', path: ['namespace'], severity: 'error', message: expect.stringContaining('"shop" is also the namespace of environment "blue"') },
      {
        file: 'config/environments/green.yaml',
        path: ['logs', 'namespace'],
        severity: 'error',
        message: expect.stringContaining('"shop-logging" is also the logging namespace of environment "blue"'),
      },
    ]);
    // The logging namespace of one environment is a namespace too.
    expect(
      crossEnvironmentProblems([
        named('a', 'namespace: shop\ningress: { host: a.example.com }\n'),
        named('b', 'namespace: shop-logging\nlogs: { enabled: false }\ningress: { host: b.example.com }\n'),
      ]),
    ).toEqual([
      expect.objectContaining({ file: 'config/environments/b.yaml', path: ['namespace'], message: expect.stringContaining('is also the logging namespace of environment "a"') }),
    ]);
  });

  it('two environments on one host: a warning against the later file; without an Ingress, no problem', () => {
    expect(crossEnvironmentProblems([named('a', ''), named('b', 'namespace: other\n')])).toEqual([
      {
        file: 'config/environments/b.yaml',
        path: ['ingress', 'host'],
        severity: 'warning',
        message: expect.stringContaining('environment "a" serves the same host "app.example.com"'),
      },
    ]);
    expect(crossEnvironmentProblems([named('a', ''), named('b', 'namespace: other\ningress: { enabled: false }\n')])).toEqual([]);
  });

  it('namespaces and hosts clash on one cluster only (a global host every region serves); the instance across clusters', () => {
    const region = (name: string, cluster: string) => named(name, `namespace: shop\ningress: { host: shop.example.com }\ncluster: ${cluster}\n`);
    expect(crossEnvironmentProblems([region('us', '{ name: prod-us }'), region('eu', '{ name: prod-eu }'), region('ap', '{ server: "https://ap.k8s.example.com" }')])).toEqual([]);
    const sameCluster = crossEnvironmentProblems([region('us', '{ name: prod }'), region('eu', '{ name: prod }')]);
    expect(sameCluster).toEqual([
      expect.objectContaining({ path: ['namespace'], severity: 'error', message: expect.stringContaining('"shop" is also the namespace of environment "us" on prod:') }),
      expect.objectContaining({ path: ['logs', 'namespace'], severity: 'error' }),
      expect.objectContaining({ path: ['ingress', 'host'], severity: 'warning', message: expect.stringContaining('serves the same host "shop.example.com" on prod:') }),
    ]);
    // Without a cluster, environments are on the default one (config/gitops.yaml server), together.
    expect(crossEnvironmentProblems([named('a', 'namespace: shop\n'), named('b', 'namespace: shop\n')])[0].message).toContain(
      'on the same cluster (the default of config/gitops.yaml)',
    );
    expect(clusterKey(unchecked('cluster: { name: prod }\n'))).not.toBe(clusterKey(unchecked('cluster: { server: "https://prod" }\n')));
  });

  it('two environments with one <app.name>-<environment> (Argo CD Application name, instance label): an error', () => {
    const problems = crossEnvironmentProblems([
      named('a-b', 'namespace: one\ningress: { host: a.example.com }\n'),
      named('b', 'app: { name: webapp-a }\nnamespace: two\ningress: { host: b.example.com }\n'),
    ]);
    expect(problems).toEqual([expect.objectContaining({ file: 'config/environments/b.yaml', path: ['app', 'name'], message: expect.stringContaining('"webapp-a-b"') })]);
  });

  it("synthesis applies them to the environment files: the later file fails with the key's line, a shared host is a warning", () => {
    const dir = mkdtempSync(join(tmpdir(), 'cross-env-'));
    writeFileSync(join(dir, 'blue.yaml'), 'tier: staging\nnamespace: shop\ningress: { host: a.example.com }\n');
    writeFileSync(join(dir, 'green.yaml'), 'tier: staging\ningress: { host: b.example.com }\nnamespace: shop\n');
    let error: unknown;
    try {
      synthesize({ configDir: dir, environments: ['blue', 'green'] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).file).toBe(join(dir, 'green.yaml'));
    expect((error as ConfigError).problems[0]).toMatch(/^namespace \(line 3, column 1\): "shop" is also the namespace of environment "blue"/);

    writeFileSync(join(dir, 'green.yaml'), 'tier: staging\nnamespace: shop2\ningress: { host: a.example.com }\n');
    const { warnings } = synthesize({ configDir: dir, environments: ['blue', 'green'] });
    expect(warnings).toEqual([expect.stringMatching(/green\.yaml: ingress\.host \(line 3, column 12\): environment "blue" serves the same host "a\.example\.com"/)]);
  });

  it('the committed environments have no problems, alone or together', () => {
    const loaded = listEnvironments().map((name) => loadEnvironment(name));
    expect(loaded.length).toBeGreaterThan(0);
    for (const { name, config } of loaded) expect(environmentProblems(name, config), name).toEqual([]);
    expect(crossEnvironmentProblems(loaded)).toEqual([]);
  });
});

describe('the 1 MiB ConfigMap limit and NUL characters', () => {
  it('settings over 1 MiB are refused, counted in UTF-8 bytes of the values as the API server counts them', () => {
    const base = 'services:\n  backend:\n    env:\n      BLOB: ';
    const rendered = (config: Config) => Object.values(find(render(config), 'ConfigMap', 'backend-config').data as Record<string, string>);
    const others = rendered(unchecked(`${base}""\n`)).reduce((n, v) => n + Buffer.byteLength(v), 0);

    const fits = unchecked(`${base}${'x'.repeat(CONFIGMAP_MAX_BYTES - others)}\n`);
    expect(environmentProblems('test', fits)).toEqual([]);
    expect(rendered(fits).reduce((n, v) => n + Buffer.byteLength(v), 0)).toBe(CONFIGMAP_MAX_BYTES);

    // About half as many characters, each two bytes: over the limit although shorter than it.
    const characters = Math.floor((CONFIGMAP_MAX_BYTES - others) / 2) + 1;
    const total = others + 2 * characters;
    const text = `${base}${'é'.repeat(characters)}\n`;
    expect(environmentProblems('test', unchecked(text))).toEqual([
      {
        path: ['services', 'backend', 'env'],
        severity: 'error',
        message: expect.stringContaining(
          `the settings total ${total} bytes, over the 1048576 bytes (1 MiB) the API server accepts in one ConfigMap (backend-config); the largest is BLOB`,
        ),
      },
    ]);
    expect(rendered(unchecked(text)).reduce((n, v) => n + Buffer.byteLength(v), 0)).toBe(total);
    expect(total).toBeGreaterThan(CONFIGMAP_MAX_BYTES);
  });

  it('a NUL character anywhere is refused at its key path', () => {
    const text =
      'services:\n  backend:\n    env: { GREETING: "hi\\0there" }\n    args: [serve, "--x=\\0"]\ningress:\n  annotations: { nginx.ingress.kubernetes.io/configuration-snippet: "a\\0" }\n';
    const problems = environmentProblems('test', unchecked(text));
    expect(problems.map((p) => p.path)).toHaveLength(3);
    expect(problems.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        ['services', 'backend', 'env', 'GREETING'],
        ['services', 'backend', 'args', 1],
        ['ingress', 'annotations', 'nginx.ingress.kubernetes.io/configuration-snippet'],
      ]),
    );
    for (const problem of problems) expect(problem).toMatchObject({ severity: 'error', message: expect.stringContaining('contains a NUL character') });
    expect(find(render(unchecked(text)), 'ConfigMap', 'backend-config').data.GREETING).toBe('hi\0there');
  });
});

describe('env keys that look like secrets', () => {
  it.each(['DB_PASSWORD', 'CLIENT_SECRET', 'github_token', 'STRIPE_API_KEY', 'SSH_PRIVATE_KEY'])('%s is a warning pointing to secretEnv, an error in the prod tier', (key) => {
    const text = `workers:\n  mailer:\n    ${IMAGE}\n    env: { ${key}: hunter2 }\n`;
    const expected = (severity: string) => [
      {
        path: ['workers', 'mailer', 'env', key],
        severity,
        message: expect.stringContaining(
          `looks like a secret: env values are written into the ConfigMap mailer-config and committed with dist/; put the value in a Secret and reference it under workers.mailer.secretEnv.${key}`,
        ),
      },
    ];
    expect(environmentProblems('test', unchecked(text, 'dev'))).toEqual(expected('warning'));
    expect(environmentProblems('test', unchecked(text, 'staging'))).toEqual(expected('warning'));
    expect(environmentProblems('test', unchecked(text, 'prod'))).toEqual(expected('error'));
    expect(find(render(unchecked(text, 'dev')), 'ConfigMap', 'mailer-config').data[key]).toBe('hunter2');
  });

  it('ordinary settings and secretEnv references are not flagged', () => {
    const text = `workers:\n  mailer:\n    ${IMAGE}\n    env: { LOG_LEVEL: debug, SMTP_HOST: smtp.example.com }\n    secretEnv: { SMTP_PASSWORD: { secretName: smtp, key: password } }\n`;
    expect(environmentProblems('test', unchecked(text))).toEqual([]);
  });
});

describe('the defaults', () => {
  it('have no problems', () => {
    expect(environmentProblems('test', valid(''))).toEqual([]);
  });
});
