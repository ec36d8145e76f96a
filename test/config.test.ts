import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, listEnvironments, loadEnvironment } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { configFromYaml, ENVIRONMENTS, problemsOf } from './helpers.js';

describe('defaults (a file with only tier: prod)', () => {
  const config = configFromYaml('tier: prod\n');

  it('is the reference production deployment', () => {
    const backend = config.services.backend;
    expect(backend.port).toBe(5000);
    expect(backend.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } });
    expect(backend.probes.liveness).toMatchObject({ path: '/health', periodSeconds: 30, timeoutSeconds: 5 });
    expect(backend.probes.readiness).toMatchObject({ path: '/health', periodSeconds: 10, timeoutSeconds: 3 });
    expect(backend.probes.startup).toMatchObject({ path: '/health', periodSeconds: 5, failureThreshold: 30 });
    expect(backend.autoscaling).toMatchObject({
      enabled: true,
      minReplicas: 2,
      maxReplicas: 10,
      targetCPUUtilizationPercentage: 70,
      targetMemoryUtilizationPercentage: 80,
      scaleDownStabilizationSeconds: 300,
    });
    expect(backend.volumes.uploads).toMatchObject({ size: '50Gi', accessMode: 'ReadWriteMany' });
    const frontend = config.services.frontend;
    expect(frontend.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(frontend.autoscaling).toMatchObject({ minReplicas: 2, maxReplicas: 8 });
    expect(frontend.probes.liveness).toMatchObject({ path: '/', periodSeconds: 30 });
    expect(frontend.probes.readiness).toMatchObject({ path: '/', periodSeconds: 10 });
    expect(config.mongodb.resources).toEqual({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    expect(config.mongodb.storage.size).toBe('20Gi');
  });

  it('uses the official upstream datastore images, not Bitnami', () => {
    expect(config.mongodb.image).toMatchObject({ registry: 'docker.io', repository: 'library/mongo', tag: '7.0' });
    expect(config.redis.image).toMatchObject({ registry: 'docker.io', repository: 'library/redis', tag: '7' });
  });
});

describe('overlays', () => {
  it('change only what the file states', () => {
    const config = configFromYaml('services:\n  backend:\n    replicas: 1\n');
    expect(config.services.backend.replicas).toBe(1);
    expect(config.services.backend.port).toBe(5000);
    expect(Object.keys(config.services)).toEqual(['backend', 'frontend']);
  });
  it('add services with generic defaults and no code change', () => {
    const config = configFromYaml('services:\n  admin:\n    image: { repository: acme/admin, tag: "2.0.0" }\n    ingress: { paths: [{ path: /admin }] }\n');
    expect(config.services.admin).toMatchObject({ port: 8080, replicas: 2, image: { registry: 'docker.io', tag: '2.0.0' } });
  });
  it('accept a bare number for CPU, as Kubernetes does', () => {
    const config = configFromYaml('services:\n  backend:\n    resources: { requests: { cpu: 1 }, limits: { cpu: 2 } }\n');
    expect(config.services.backend.resources.requests.cpu).toBe('1');
  });
  it('are idempotent: parsing the parsed config gives the same config', () => {
    const config = configFromYaml('tier: dev\nservices: { backend: { replicas: 1 } }');
    expect(configSchema.parse(config)).toEqual(config);
  });
});

describe('invalid config names the key path, the line and what is expected', () => {
  it('wrong type', () => {
    expect(problemsOf('services:\n  backend:\n    replicas: two\n')).toEqual(['services.backend.replicas (line 3, column 5): Invalid input: expected number, received string']);
  });
  it('unknown key (a typo)', () => {
    expect(problemsOf('services:\n  backend:\n    replica: 3\n')).toEqual([
      'services.backend.replica (line 3, column 5): unknown key (check the spelling; config/schema.json lists every setting)',
    ]);
  });
  it('out-of-range number', () => {
    expect(problemsOf('services:\n  backend:\n    port: 70000\n')[0]).toMatch(/^services\.backend\.port \(line 3, column 5\): .*<=65535/);
  });
  it('quantity written the wrong way', () => {
    expect(problemsOf('mongodb:\n  storage:\n    size: 20GB\n')[0]).toBe(
      'mongodb.storage.size (line 3, column 5): must be a Kubernetes byte quantity such as "512Mi", "1Gi" or "20Gi" (not "512MB")',
    );
  });
  it('requests above limits', () => {
    expect(problemsOf('services:\n  backend:\n    resources:\n      requests: { cpu: "2" }\n')[0]).toMatch(
      /^services\.backend\.resources\.requests\.cpu .*requests\.cpu must not exceed limits\.cpu/,
    );
  });
  it('invalid workload name', () => {
    expect(problemsOf('workers:\n  Mail_Sender:\n    image: { repository: a/b, tag: "1" }\n')[0]).toMatch(
      /^workers\.Mail_Sender \(line 2, column 3\): invalid name "Mail_Sender": must be a DNS-1123 label/,
    );
  });
  it('new service without an image', () => {
    expect(problemsOf('services:\n  admin:\n    port: 9000\n')[0]).toMatch(/^services\.admin\.image \(line 2, column 3\): Invalid input: expected object/);
  });
  it('the "latest" tag outside dev', () => {
    const yamlText = 'services:\n  backend:\n    image: { tag: latest }\n';
    expect(problemsOf(`tier: prod\n${yamlText}`)[0]).toMatch(/^services\.backend\.image\.tag .*"latest" tag is not allowed in a prod environment/);
    expect(problemsOf(`tier: staging\n${yamlText}`)[0]).toMatch(/not allowed in a staging environment/);
    expect(problemsOf(`tier: dev\n${yamlText}`)).toEqual([]);
    expect(problemsOf('services:\n  backend:\n    blueGreen: { enabled: true, idleTag: latest }\n')[0]).toMatch(/^services\.backend\.blueGreen\.idleTag .*"latest" tag/);
    expect(problemsOf('redis:\n  metrics:\n    image: { tag: latest }\n')[0]).toMatch(/^redis\.metrics\.image\.tag .*"latest" tag/);
  });
  it('two services on the same Ingress path', () => {
    expect(problemsOf('services:\n  frontend:\n    ingress: { paths: [{ path: /api }] }\n')[0]).toMatch(
      /^services\.frontend\.ingress\.paths\[0\]\.path .*"\/api" is already routed to service "backend"/,
    );
  });
  it('a worker named like a web service', () => {
    expect(problemsOf('workers:\n  backend:\n    image: { repository: a/b, tag: "1" }\n')[0]).toMatch(/^workers\.backend .*already a web service/);
  });
  it('autoscaling bounds the wrong way round', () => {
    expect(problemsOf('services:\n  backend:\n    autoscaling: { minReplicas: 5, maxReplicas: 3 }\n')[0]).toMatch(
      /^services\.backend\.autoscaling\.minReplicas .*must not exceed maxReplicas/,
    );
  });
  it('using a disabled datastore', () => {
    expect(problemsOf('redis:\n  enabled: false\n')[0]).toMatch(/^services\.backend\.uses: uses "redis" but redis\.enabled is false/);
  });
  it('an even number of replica-set members', () => {
    expect(problemsOf('mongodb:\n  replicaSet: { enabled: true, members: 2 }\n')[0]).toMatch(/^mongodb\.replicaSet\.members .*must be odd/);
  });
  it('a workload named like another object of the environment', () => {
    expect(problemsOf('workers:\n  redis:\n    image: { repository: a/b, tag: "1" }\n')[0]).toBe(
      'workers.redis (line 2, column 3): "redis" is the name of the Redis StatefulSet; choose another name',
    );
    expect(problemsOf('services:\n  backend-canary:\n    image: { repository: a/b, tag: "1" }\n')[0]).toMatch(/^services\.backend-canary .*the canary track of service "backend"/);
  });
  it('a derived name longer than 63 characters (config/rules.ts), at the key to change', () => {
    expect(problemsOf(`app:\n  name: ${'a'.repeat(60)}\n`)).toEqual([
      expect.stringMatching(new RegExp(`^app\\.name \\(line 2, column 3\\): "${'a'.repeat(60)}-env" \\(<app\\.name>-<environment>\\) is longer than 63 characters`)),
    ]);
    // logs.namespace is not in the file: the problem points at the nearest key that is.
    expect(problemsOf(`namespace: ${'n'.repeat(60)}\nlogs: { enabled: true }\n`)[0]).toMatch(/^logs\.namespace \(line 2, column 1\): the default logging namespace "n+-logging"/);
  });
  it('malformed YAML, with line and column', () => {
    expect(problemsOf('services:\n  backend: [1\nmongodb: {}\n')[0]).toMatch(/^line \d+, column \d+: YAML syntax error: /);
  });
  it('duplicate keys', () => {
    expect(problemsOf('tier: dev\ntier: prod\n')).toEqual(['tier (line 2, column 1): duplicate key: already set at line 1, column 1; a mapping may set each key once']);
  });
  it('a file that is not a mapping', () => {
    expect(problemsOf('- a\n- b\n')).toEqual(['the file must contain a mapping of settings (key: value), not a list or a single value']);
  });
});

describe('environment files', () => {
  it('are discovered from the directory: adding qa.yaml adds an environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'envs-'));
    writeFileSync(join(dir, 'qa.yaml'), 'tier: staging\n');
    writeFileSync(join(dir, 'dev.yaml'), 'tier: dev\n');
    expect(listEnvironments(dir)).toEqual(['dev', 'qa']);
    expect(loadEnvironment('qa', dir).config.tier).toBe('staging');
  });
  it('a missing file names the environments that exist', () => {
    expect(() => loadEnvironment('nope')).toThrowError(ConfigError);
    try {
      loadEnvironment('nope');
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([`no such environment file (environments: ${ENVIRONMENTS.join(', ')})`]);
      expect((error as ConfigError).file).toMatch(/config\/environments\/nope\.yaml$/);
    }
  });
  it('the checked-in environments are valid', () => {
    for (const name of listEnvironments()) expect(loadEnvironment(name).config).toBeTruthy();
  });
});
