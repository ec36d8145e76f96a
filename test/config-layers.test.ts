/**
 * The layers of an environment's config (config/layers.ts, read by config/load.ts): schema
 * defaults < config/app.yaml < the tier's workload defaults < the environments a file `extends` <
 * the file; what a new workload starts from; and that every problem names the file and line that
 * state the value.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderEnvironment } from '../charts/render.js';
import { appFileOf, ConfigError, loadEnvironment, parseConfig } from '../config/load.js';
import { genericWorkload, layeredConfig, TIER_WORKLOAD_DEFAULTS } from '../config/layers.js';
import { configSchema } from '../config/schema.js';
import { findAll, objectsOf } from './helpers.js';

const count = (env: ReturnType<typeof renderEnvironment>, kind: string) => findAll(env, kind).length;

const scratch = mkdtempSync(join(tmpdir(), 'config-layers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh config folder: app.yaml (when given) beside environments/ with the given files. */
function configDir(app: string | undefined, environments: Record<string, string>): string {
  const root = mkdtempSync(join(scratch, 'config-'));
  const dir = join(root, 'environments');
  mkdirSync(dir);
  if (app !== undefined) writeFileSync(join(root, 'app.yaml'), app);
  for (const [name, text] of Object.entries(environments)) writeFileSync(join(dir, `${name}.yaml`), text);
  return dir;
}

/** The ConfigError of loading `name` from `dir`: its file (relative to `dir`) and problems, with the config folder shown as "<config>". */
function failure(name: string, dir: string): { file: string; problems: string[] } {
  try {
    loadEnvironment(name, dir);
  } catch (error) {
    if (error instanceof ConfigError) return { file: relative(dir, error.file), problems: error.problems.map((p) => p.replaceAll(join(dir, '..'), '<config>')) };
    throw error;
  }
  throw new Error(`${name} loaded without an error`);
}

const API = 'api:\n    image: { repository: acme/api, tag: "1.0.0" }\n';

describe('The application layer (config/app.yaml)', () => {
  it('is beside the environments folder', () => {
    expect(appFileOf('/repo/config/environments')).toBe('/repo/config/app.yaml');
  });

  it('precedence: schema defaults < app.yaml < environment file, maps merged key by key', () => {
    const dir = configDir(
      ['services:', '  backend:', '    env: { SHARED: app, OVERRIDDEN: app }', '    port: 5001', `  ${API}`, 'ingress:', '  proxyBodySize: 10m', ''].join('\n'),
      {
        prod: ['tier: prod', 'services:', '  backend:', '    env: { OVERRIDDEN: prod }', ''].join('\n'),
        staging: 'tier: staging\n',
      },
    );
    const prod = loadEnvironment('prod', dir).config;
    expect(prod.services.backend.env).toEqual({ NODE_ENV: 'production', SHARED: 'app', OVERRIDDEN: 'prod' });
    expect(prod.services.backend.port).toBe(5001);
    expect(prod.services.backend.servicePort).toBe(80); // the schema default, below both
    expect(prod.ingress.proxyBodySize).toBe('10m');
    // A workload declared once in app.yaml is in every environment.
    expect(Object.keys(loadEnvironment('staging', dir).config.services)).toEqual(['backend', 'frontend', 'api']);
  });

  it('no app.yaml is no layer: the environment overlays the schema defaults alone', () => {
    const dir = configDir(undefined, { prod: 'tier: prod\n' });
    expect(loadEnvironment('prod', dir).config).toEqual(configSchema.parse({ tier: 'prod' }));
  });

  it('a mistake in app.yaml is reported with app.yaml and its line, under the environment that was loaded', () => {
    const dir = configDir(['services:', '  backend:', '    resources:', '      requests: { memory: 512MB }', '    replica: 3', ''].join('\n'), {
      prod: 'tier: prod\nservices:\n  backend:\n    port: 70000\n',
    });
    expect(failure('prod', dir)).toEqual({
      file: 'prod.yaml',
      problems: [
        'services.backend.resources.requests.memory (<config>/app.yaml, line 4, column 19): must be a Kubernetes byte quantity such as "512Mi", "1Gi" or "20Gi" (not "512MB")',
        'services.backend.port (line 4, column 5): Too big: expected number to be <=65535',
        'services.backend.replica (<config>/app.yaml, line 5, column 5): unknown key (check the spelling; config/schema.json lists every setting)',
      ],
    });
  });

  it('a value the environment overrides is located in the environment file, not in app.yaml', () => {
    const dir = configDir('services:\n  backend:\n    replicas: 3\n', { prod: 'tier: prod\nservices:\n  backend:\n    replicas: -1\n' });
    expect(failure('prod', dir).problems).toEqual(['services.backend.replicas (line 4, column 5): Too small: expected number to be >=0']);
  });

  it('YAML mistakes in app.yaml are errors of app.yaml', () => {
    const dir = configDir('services: [\n', { prod: 'tier: prod\n' });
    const { file, problems } = failure('prod', dir);
    expect(file).toBe('../app.yaml');
    expect(problems[0]).toMatch(/^line 1, column 11: YAML syntax error/);
  });

  it('tier and extends belong to environment files only', () => {
    const dir = configDir('tier: dev\nextends: prod\n', { prod: 'tier: prod\n' });
    expect(failure('prod', dir)).toEqual({
      file: '../app.yaml',
      problems: [
        'tier (line 1, column 1): the tier is what kind of environment a file is: set it in each environment file, not in the application layer',
        'extends (line 2, column 1): only an environment file extends another environment; the application layer is under every environment already',
      ],
    });
  });

  it('the repository ships one, and the reference environments render as they did without it', () => {
    // Moving JWT_SECRET from the three environment files into config/app.yaml changed no output (dist.test.ts).
    for (const env of ['dev', 'staging', 'prod']) {
      expect(loadEnvironment(env).config.services.backend.secretEnv).toEqual({ JWT_SECRET: { secretName: 'backend-secrets', key: 'jwt-secret' } });
    }
  });
});

describe('extends: an environment on top of another', () => {
  const prod = ['tier: prod', 'namespace: shop-prod', 'ingress: { host: shop.example.com }', 'services:', '  backend:', '    env: { REGION: eu, MODE: live }', ''].join('\n');

  it('states only what differs; the same overlay rules; a chain of any length', () => {
    const dir = configDir('services:\n  backend:\n    env: { FROM_APP: "1" }\n', {
      prod,
      'prod-us-east': ['extends: prod', 'namespace: shop-prod-us-east', 'services:', '  backend:', '    env: { REGION: us-east }', ''].join('\n'),
      'prod-us-east-canary': ['extends: prod-us-east', 'namespace: shop-prod-us-east-canary', ''].join('\n'),
    });
    const east = loadEnvironment('prod-us-east', dir).config;
    expect(east.tier).toBe('prod');
    expect(east.namespace).toBe('shop-prod-us-east');
    expect(east.ingress.host).toBe('shop.example.com');
    expect(east.services.backend.env).toEqual({ NODE_ENV: 'production', FROM_APP: '1', REGION: 'us-east', MODE: 'live' });
    expect(east.extends).toBe('prod');
    const canary = loadEnvironment('prod-us-east-canary', dir).config;
    expect(canary.services.backend.env.REGION).toBe('us-east');
    expect(canary.namespace).toBe('shop-prod-us-east-canary');
    // The parent is an environment of its own, unchanged by what extends it.
    expect(loadEnvironment('prod', dir).config.services.backend.env.REGION).toBe('eu');
  });

  it('a mistake in the parent is reported with the parent file and line', () => {
    const dir = configDir(undefined, { prod: 'tier: prod\nservices:\n  backend:\n    port: 0\n', 'prod-us-east': 'extends: prod\nnamespace: x-us\n' });
    expect(failure('prod-us-east', dir)).toEqual({
      file: 'prod-us-east.yaml',
      problems: ['services.backend.port (<config>/environments/prod.yaml, line 4, column 5): Too small: expected number to be >=1'],
    });
  });

  it('a missing parent, a cycle, or a name that is no environment is a clear error at the extends line', () => {
    const dir = configDir(undefined, {
      prod: 'tier: prod\n',
      orphan: 'tier: prod\nextends: prodd\n',
      a: 'extends: b\n',
      b: 'extends: c\n',
      c: 'extends: a\n',
      self: 'extends: self\n',
      bad: 'extends: { name: prod }\n',
    });
    expect(failure('orphan', dir)).toEqual({
      file: 'orphan.yaml',
      problems: [
        'extends (line 2, column 1): there is no environment "prodd" to extend (no file <config>/environments/prodd.yaml; environments: a, b, bad, c, orphan, prod, self)',
      ],
    });
    expect(failure('a', dir)).toEqual({
      file: 'c.yaml',
      problems: [
        'extends (line 1, column 1): "a" extends "b" extends "c" extends "a": environments cannot extend each other in a cycle; one of them must stand on its own (with tier, not extends)',
      ],
    });
    expect(failure('self', dir).problems).toEqual([
      'extends (line 1, column 1): "self" extends "self": environments cannot extend each other in a cycle; one of them must stand on its own (with tier, not extends)',
    ]);
    expect(failure('bad', dir).problems).toEqual([
      'extends (line 1, column 1): must be the name of another environment, whose file is in the same folder (e.g. "prod" for prod.yaml)',
    ]);
  });

  it('the tier may come from the parent; with none anywhere the error says so', () => {
    const dir = configDir(undefined, { base: 'namespace: base\n', child: 'extends: base\n' });
    expect(failure('child', dir).problems).toEqual(['tier: missing: neither this file nor the environments it extends (base) set tier at the top level: dev, staging or prod']);
  });
});

describe('Tier defaults apply to every workload', () => {
  const worker = 'workers:\n  mailer:\n    image: { repository: acme/mailer, tag: "1.1.0" }\n';

  it('dev: a workload added in app.yaml or in the file runs one pod, without HPA, disruption budget or spreading', () => {
    const dir = configDir(`services:\n  ${API}${worker}`, {
      dev: ['tier: dev', 'services:', '  admin:', '    image: { repository: acme/admin, tag: "2.0.0" }', ''].join('\n'),
      prod: 'tier: prod\n',
    });
    const dev = loadEnvironment('dev', dir).config;
    for (const workload of [dev.services.api, dev.services.admin, dev.services.backend, dev.services.frontend, dev.workers.mailer]) {
      expect(workload.replicas).toBe(1);
      expect(workload.autoscaling.enabled).toBe(false);
    }
    const rendered = renderEnvironment('dev', dev);
    expect(count(rendered, 'HorizontalPodAutoscaler')).toBe(0);
    expect(count(rendered, 'PodDisruptionBudget')).toBe(0);
    const deployments = objectsOf(rendered).filter((o) => o.kind === 'Deployment') as { spec: { template: { spec: { topologySpreadConstraints?: unknown } } } }[];
    expect(deployments.length).toBe(5);
    for (const d of deployments) expect(d.spec.template.spec.topologySpreadConstraints).toBeUndefined();
    // Other tiers keep the schema's defaults: two replicas of a new workload, backend autoscaled.
    const prod = loadEnvironment('prod', dir).config;
    expect([prod.services.api.replicas, prod.workers.mailer.replicas, prod.services.backend.autoscaling.enabled]).toEqual([2, 2, true]);
  });

  it('dev: what the environment file asks for wins over the tier; what app.yaml asks does not', () => {
    const dir = configDir(`services:\n  ${API}    replicas: 3\n`, {
      dev: ['tier: dev', 'services:', '  backend:', '    autoscaling: { enabled: true }', '  api:', '    replicas: 2', '    topologySpread: true', ''].join('\n'),
      'dev-small': 'tier: dev\n',
    });
    const dev = loadEnvironment('dev', dir).config;
    expect(dev.services.backend.autoscaling).toMatchObject({ enabled: true, minReplicas: 2, maxReplicas: 10 });
    expect(dev.services.api.replicas).toBe(2);
    const rendered = renderEnvironment('dev', dev);
    expect(count(rendered, 'HorizontalPodAutoscaler')).toBe(1);
    expect(count(rendered, 'PodDisruptionBudget')).toBe(2); // backend (HPA minimum 2) and api (2 replicas)
    expect(loadEnvironment('dev-small', dir).config.services.api.replicas).toBe(1);
  });

  it('the tier defaults are data: dev only', () => {
    expect(TIER_WORKLOAD_DEFAULTS).toEqual({ dev: { replicas: 1, autoscaling: { enabled: false } }, staging: {}, prod: {} });
  });
});

describe('Partial overrides merge the same way for new and existing workloads', () => {
  it('only resources.requests.memory on a new workload: the rest from the generic defaults', () => {
    const config = parseConfig(
      `tier: prod\nservices:\n  ${API}    resources: { requests: { memory: 200Mi } }\nworkers:\n  mailer:\n    image: { repository: acme/mailer, tag: "1" }\n    resources: { limits: { cpu: 2 } }\n`,
      'prod.yaml',
    );
    expect(config.services.api.resources).toEqual({ requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(config.workers.mailer.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '256Mi' } });
    // The same partial on backend merges onto backend's own defaults.
    expect(parseConfig('tier: prod\nservices:\n  backend:\n    resources: { requests: { memory: 200Mi } }\n', 'prod.yaml').services.backend.resources).toEqual({
      requests: { cpu: '200m', memory: '200Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    });
  });

  it("a partial canary.resources is an overlay on the service's resources, for backend and a new service alike", () => {
    const config = parseConfig(
      `tier: prod\nservices:\n  backend:\n    canary: { resources: { limits: { memory: 1Gi } } }\n  ${API}    resources: { requests: { cpu: 300m } }\n    canary: { resources: { requests: { memory: 200Mi } } }\n`,
      'prod.yaml',
    );
    expect(config.services.backend.canary.resources).toEqual({ requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } });
    expect(config.services.api.canary.resources).toEqual({ requests: { cpu: '300m', memory: '200Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    // Unset, the canary keeps following the service (charts/workloads read the service's).
    expect(parseConfig('tier: prod\n', 'prod.yaml').services.backend.canary.resources).toBeUndefined();
  });

  it('a partial probe keeps the probe defaults of the reference (liveness every 30 s)', () => {
    const config = parseConfig(`tier: prod\nservices:\n  ${API}    probes: { liveness: { path: /livez } }\n`, 'prod.yaml');
    expect(config.services.api.probes.liveness).toMatchObject({ path: '/livez', periodSeconds: 30, timeoutSeconds: 5 });
  });

  it('a new workload still needs its image, and says so at its key', () => {
    expect(() => parseConfig('tier: prod\nservices:\n  api:\n    replicas: 1\n', 'prod.yaml')).toThrow(
      'services.api.image (line 3, column 3): Invalid input: expected object, received undefined',
    );
  });

  it('a wrong partial value is reported as itself, not as a missing CPU or limits', () => {
    expect(() => parseConfig(`tier: prod\nservices:\n  ${API}    resources: { requests: { memory: 2Gi } }\n`, 'prod.yaml')).toThrow(
      /^[^\n]*\n {2}- services\.api\.resources\.requests\.memory \(line 5, column 30\): requests\.memory must not exceed limits\.memory$/,
    );
  });

  it('the generic defaults are the schema defaults of a workload, without an image', () => {
    expect(genericWorkload('workers')).not.toHaveProperty('image');
    expect(genericWorkload('services')).toMatchObject({ replicas: 2, port: 8080, servicePort: 80, resources: { requests: { cpu: '100m' } } });
    // Pure: the layers as data, no file read.
    const merged = layeredConfig({ services: {} }, { services: { api: { replicas: 3 } } }, [{ tier: 'dev' }]) as { services: { api: { replicas: number } } };
    expect(merged.services.api.replicas).toBe(1);
  });
});
