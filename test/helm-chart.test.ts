/**
 * The Helm chart (dist/helm/webapp): rendered by helm-render (Go text/template + Sprig + Helm's
 * functions, test/helm/) and, when it is on PATH, by helm itself, it must give the same objects as
 * the plain manifests, for every environment and for value changes the chart claims to support.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVIRONMENTS_DIR, loadEnvironment } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { environmentContext, loggingNamespace } from '../config/context.js';
import { buildHelmChart, chartVersion, type HelmChart } from '../helm/chart.js';
import { CANARY_SERVICE } from '../helm/knobs.js';
import { notesTemplate } from '../helm/notes.js';
import { renderEnvironment } from '../charts/render.js';
import { configFromYaml, ENVIRONMENTS } from './helpers.js';
import { chartDifferences, idOf, manifestsIn } from './helm/compare.js';
import { helmLint, helmRows, helmTemplate, HelmRenderError, type Helm } from './helm/render.js';

const root = new URL('..', import.meta.url).pathname;
const chartDir = join(root, 'dist', 'helm', 'webapp');
const valuesFile = (env: string) => join(chartDir, `values-${env}.yaml`);
type Obj = Record<string, any>;

const distObjects = (env: string): Obj[] => manifestsIn(join(root, 'dist', env));

function plainObjects(env: string, config: Config): Obj[] {
  return renderEnvironment(env, config).files.flatMap((f) => f.objects as Obj[]);
}

const configOf = (env: string) => loadEnvironment(env, ENVIRONMENTS_DIR).config;
/** The release name that gives the objects of dist/<env>/: app.kubernetes.io/instance. */
const releaseOf = (env: string) => `${configOf(env).app.name}-${env}`;

const namespaceOf = (env: string) => environmentContext(env, configOf(env)).namespace;

/**
 * `helm template` into the environment's namespace. createNamespace=true (unless `set` says
 * otherwise): dist/<env>/ has the Namespace object, which the chart leaves to --create-namespace by default.
 */
function render(helm: Helm, env: string, set: string[] = [], setString: string[] = []): Obj[] {
  return helmTemplate(chartDir, { release: releaseOf(env), namespace: namespaceOf(env), valuesFiles: [valuesFile(env)], set: ['createNamespace=true', ...set], setString }, helm)
    .objects;
}

let generated: HelmChart;
beforeAll(() => {
  generated = buildHelmChart(ENVIRONMENTS.map((name) => ({ name, config: configOf(name) })));
});

describe('dist/helm/webapp', () => {
  it('is what `npm run synth:helm` produces from the current config and code', () => {
    const committed = (path: string) => readFileSync(join(chartDir, path), 'utf8');
    for (const [path, content] of generated.files) expect(committed(path), `dist/helm/webapp/${path} (run npm run synth:helm)`).toBe(content);
  });

  it('has the files of a Helm chart, Chart.yaml with the version of package.json (+ templates digest) and the app version as appVersion', () => {
    for (const path of ['Chart.yaml', 'values.yaml', 'values.schema.json', '.helmignore', 'README.md', 'templates/NOTES.txt', 'templates/_helpers.tpl']) {
      expect(generated.files.has(path), path).toBe(true);
    }
    for (const env of ENVIRONMENTS) expect(generated.files.has(`values-${env}.yaml`)).toBe(true);
    const chart = parse(generated.files.get('Chart.yaml')!);
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const prod = configOf(ENVIRONMENTS.includes('prod') ? 'prod' : ENVIRONMENTS.at(-1)!);
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'webapp', appVersion: prod.app.version, kubeVersion: '>=1.27.0-0' });
    expect(chart.version).toMatch(new RegExp(`^${pkg.version.replace(/\./g, '\\.')}\\+[0-9a-f]{10}$`));
  });

  it('changes its version when a template changes, and only then', () => {
    const environments = ENVIRONMENTS.map((name) => ({ name, config: configOf(name) }));
    const versionOf = (chart: HelmChart) => parse(chart.files.get('Chart.yaml')!).version as string;
    const [first] = environments;
    const withRollout = environments.map((e) =>
      e === first
        ? {
            ...e,
            config: configSchema.parse({
              ...e.config,
              services: {
                ...e.config.services,
                [CANARY_SERVICE]: { ...e.config.services[CANARY_SERVICE], canary: { ...e.config.services[CANARY_SERVICE].canary, enabled: true, tag: '7.7.7', weight: 25 } },
              },
            }),
          }
        : e,
    );
    const rolledOut = buildHelmChart(withRollout);
    // A rollout step is values only: same templates, same version, another values file.
    expect(versionOf(rolledOut)).toBe(versionOf(generated));
    for (const [path, content] of rolledOut.files) if (path.startsWith('templates/')) expect(content, path).toBe(generated.files.get(path));
    expect(rolledOut.files.get(`values-${first.name}.yaml`)).not.toBe(generated.files.get(`values-${first.name}.yaml`));
    // The version digests the templates and the values schema, not the values files.
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
    const files = new Map(generated.files);
    expect(chartVersion(pkg, files)).toBe(versionOf(generated));
    expect(chartVersion(pkg, new Map([...files, ['values-prod.yaml', 'tier: dev\n']]))).toBe(versionOf(generated));
    expect(chartVersion(pkg, new Map([...files, ['templates/backend.yaml', `${files.get('templates/backend.yaml')}# changed\n`]]))).not.toBe(versionOf(generated));
  });
});

describe.each(helmRows())('%s lint', (_, helm) => {
  it('passes with the default values and with every environment values file', () => {
    expect(helmLint(chartDir, {}, helm).messages.filter((m) => m.startsWith('[ERROR]'))).toEqual([]);
    for (const env of ENVIRONMENTS) {
      const lint = helmLint(chartDir, { valuesFiles: [valuesFile(env)] }, helm);
      expect(
        lint.messages.filter((m) => m.startsWith('[ERROR]')),
        env,
      ).toEqual([]);
      expect(lint.ok).toBe(true);
    }
  });
});

describe.each(helmRows())('%s template: rendering equals the plain manifests', (_, helm) => {
  it.each(ENVIRONMENTS)('-f values-%s.yaml gives the objects of the plain manifests (dist/<env>/)', (env) => {
    const objects = render(helm, env);
    expect(chartDifferences(objects, distObjects(env))).toEqual([]);
    // By default the release namespace is Helm's (--create-namespace): all objects but that Namespace.
    const byDefault = helmTemplate(chartDir, { release: releaseOf(env), namespace: namespaceOf(env), valuesFiles: [valuesFile(env)] }, helm).objects;
    expect(chartDifferences(byDefault, distObjects(env))).toEqual([`missing from the chart: Namespace//${namespaceOf(env)}`]);
  });

  it.each(ENVIRONMENTS)('--set canary.enabled=true,canary.weight=25 on %s gives the plain synth of that canary', (env) => {
    const config = configOf(env);
    const withCanary = configSchema.parse({
      ...config,
      services: {
        ...config.services,
        [CANARY_SERVICE]: { ...config.services[CANARY_SERVICE], canary: { ...config.services[CANARY_SERVICE].canary, enabled: true, weight: 25, tag: '1.1.0' } },
      },
    });
    const objects = render(helm, env, ['canary.enabled=true,canary.weight=25,canary.tag=1.1.0']);
    expect(chartDifferences(objects, plainObjects(env, withCanary))).toEqual([]);
    const canaryIngress = objects.find((o) => o.kind === 'Ingress' && o.metadata.name === `${CANARY_SERVICE}-canary`)!;
    expect(canaryIngress.metadata.annotations['nginx.ingress.kubernetes.io/canary-weight']).toBe('25');
  });

  it('changed values give the objects of the same change in the config (random changes)', () => {
    // Any environment does: the changes are applied to its values and to its config alike.
    const env = ENVIRONMENTS[ENVIRONMENTS.length - 1];
    const base = configOf(env);
    const change = fc.record({
      backendAutoscaling: fc.boolean(),
      frontendAutoscaling: fc.boolean(),
      replicas: fc.integer({ min: 1, max: 5 }),
      minReplicas: fc.integer({ min: 1, max: 3 }),
      maxReplicas: fc.integer({ min: 3, max: 12 }),
      tag: fc.constantFrom('1.2.3', '2.0.0-rc.1'),
      host: fc.constantFrom('shop.example.org', 'a.b.example.com'),
      tls: fc.boolean(),
      logs: fc.boolean(),
      mongoMetrics: fc.boolean(),
      redisMetrics: fc.boolean(),
      replicaSet: fc.boolean(),
      mongoSize: fc.constantFrom('5Gi', '100Gi'),
      storageClass: fc.option(fc.constantFrom('fast-ssd', 'standard'), { nil: undefined }),
      canary: fc.option(
        fc.record({
          weight: fc.integer({ min: 0, max: 100 }),
          cookie: fc.option(fc.constant('beta'), { nil: undefined }),
          header: fc.option(fc.constant('X-Beta'), { nil: undefined }),
        }),
        { nil: undefined },
      ),
      logLevel: fc.option(fc.constantFrom('info', 'warn'), { nil: undefined }),
    });
    fc.assert(
      fc.property(change, (c) => {
        const set = [
          `services.backend.autoscaling.enabled=${c.backendAutoscaling}`,
          `services.frontend.autoscaling.enabled=${c.frontendAutoscaling}`,
          `services.backend.replicas=${c.replicas}`,
          `services.backend.autoscaling.minReplicas=${c.minReplicas}`,
          `services.backend.autoscaling.maxReplicas=${c.maxReplicas}`,
          `ingress.tls.enabled=${c.tls}`,
          `logs.enabled=${c.logs}`,
          `mongodb.metrics.enabled=${c.mongoMetrics}`,
          `redis.metrics.enabled=${c.redisMetrics}`,
          `mongodb.replicaSet.enabled=${c.replicaSet}`,
          `redis.storage.storageClass=${c.storageClass ?? 'null'}`,
          ...(c.canary ? [`canary.enabled=true`, `canary.weight=${c.canary.weight}`] : []),
          ...(c.canary?.cookie ? [`canary.cookie=${c.canary.cookie}`] : []),
          ...(c.canary?.header ? [`canary.header.name=${c.canary.header}`] : []),
        ];
        const setString = [
          `services.backend.image.tag=${c.tag}`,
          `ingress.host=${c.host}`,
          `mongodb.storage.size=${c.mongoSize}`,
          ...(c.canary ? ['canary.tag=1.1.0'] : []),
          ...(c.logLevel ? [`services.backend.env.LOG_LEVEL=${c.logLevel}`] : []),
        ];
        const backend = base.services.backend;
        const config = configSchema.parse({
          ...base,
          ingress: { ...base.ingress, host: c.host, tls: { ...base.ingress.tls, enabled: c.tls } },
          logs: { ...base.logs, enabled: c.logs },
          mongodb: {
            ...base.mongodb,
            metrics: { ...base.mongodb.metrics, enabled: c.mongoMetrics },
            replicaSet: { ...base.mongodb.replicaSet, enabled: c.replicaSet },
            storage: { ...base.mongodb.storage, size: c.mongoSize },
          },
          redis: { ...base.redis, metrics: { ...base.redis.metrics, enabled: c.redisMetrics }, storage: { ...base.redis.storage, storageClass: c.storageClass } },
          services: {
            ...base.services,
            frontend: { ...base.services.frontend, autoscaling: { ...base.services.frontend.autoscaling, enabled: c.frontendAutoscaling } },
            backend: {
              ...backend,
              replicas: c.replicas,
              image: { ...backend.image, tag: c.tag },
              env: c.logLevel ? { ...backend.env, LOG_LEVEL: c.logLevel } : backend.env,
              autoscaling: { ...backend.autoscaling, enabled: c.backendAutoscaling, minReplicas: c.minReplicas, maxReplicas: c.maxReplicas },
              canary: c.canary
                ? {
                    ...backend.canary,
                    enabled: true,
                    tag: '1.1.0',
                    weight: c.canary.weight,
                    cookie: c.canary.cookie,
                    header: c.canary.header ? { name: c.canary.header } : undefined,
                  }
                : backend.canary,
            },
          },
        });
        const problems = chartDifferences(render(helm, env, set, setString), plainObjects(env, config));
        expect(problems, JSON.stringify(c)).toEqual([]);
      }),
      { numRuns: 15, seed: Number(process.env.FUZZ_SEED ?? 20261123) },
    );
  });
});

describe.each(helmRows())('%s template: what the chart promises', (_, helm) => {
  // The values each promise depends on are set explicitly, so one environment shows it for all.
  describe.each([ENVIRONMENTS[0]])('with values-%s.yaml', (env) => {
    const config = configOf(env);
    const namespace = config.namespace!;
    const logging = loggingNamespace(environmentContext(env, config));
    const find = (objects: Obj[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

    it('prints literal {{ }} of alert annotations and Grafana legends unchanged', () => {
      const objects = render(helm, env);
      const rules = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: Obj) => g.rules));
      expect(rules.some((r: Obj) => Object.values(r.annotations ?? {}).some((a) => String(a).includes('{{ $labels.')))).toBe(true);
      const dashboards = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('grafana-dashboard'));
      expect(dashboards.some((d) => Object.values(d.data).some((json) => String(json).includes('{{pod}}')))).toBe(true);
      expect(generated.files.get('templates/monitoring.yaml')).toContain('{{ "{{" }}');
    });

    it('labels every object with the release as app.kubernetes.io/instance and with helm.sh/chart, puts it in the release namespace', () => {
      const version = (parse(generated.files.get('Chart.yaml')!).version as string).replace('+', '_');
      for (const o of render(helm, env)) {
        if (o.kind !== 'Namespace' && o.metadata.namespace !== logging) expect(o.metadata.namespace, idOf(o)).toBe(namespace);
        expect(o.metadata.labels['app.kubernetes.io/instance'], idOf(o)).toBe(releaseOf(env));
        expect(o.metadata.labels['helm.sh/chart'], idOf(o)).toBe(`webapp-${version}`);
        expect(o.metadata.labels['app.kubernetes.io/managed-by']).toBe('Helm');
      }
    });

    it('leaves the environment namespace to helm --create-namespace with createNamespace=false', () => {
      const namespaces = (set: string) =>
        render(helm, env, ['logs.enabled=true', set])
          .filter((o) => o.kind === 'Namespace')
          .map((o) => o.metadata.name);
      expect(namespaces('createNamespace=true').sort()).toEqual([namespace, logging].sort());
      expect(namespaces('createNamespace=false')).toEqual([logging]);
    });

    it('keeps namespaces and PersistentVolumeClaims on helm uninstall (resource-policy keep)', () => {
      const kept = render(helm, env, ['logs.enabled=true']).filter((o) => o.kind === 'Namespace' || o.kind === 'PersistentVolumeClaim');
      expect(kept.length).toBeGreaterThan(1);
      for (const o of kept) expect(o.metadata.annotations?.['helm.sh/resource-policy'], idOf(o)).toBe('keep');
    });

    it('runs the MongoDB replica-set init Job as a post-install/post-upgrade hook, only with the replica set', () => {
      const job = find(render(helm, env, ['mongodb.replicaSet.enabled=true']), 'Job', 'mongodb-rs-init')!;
      expect(job.metadata.annotations).toMatchObject({ 'helm.sh/hook': 'post-install,post-upgrade', 'helm.sh/hook-delete-policy': 'before-hook-creation,hook-succeeded' });
      expect(render(helm, env, ['mongodb.replicaSet.enabled=false']).some((o) => o.kind === 'Job')).toBe(false);
    });

    it('omits spec.replicas of HPA-managed Deployments and sets it when autoscaling is off', () => {
      const on = render(helm, env, ['services.backend.autoscaling.enabled=true']);
      expect(find(on, 'Deployment', 'backend')!.spec.replicas).toBeUndefined();
      expect(find(on, 'HorizontalPodAutoscaler', 'backend')).toBeDefined();
      const off = render(helm, env, ['services.backend.autoscaling.enabled=false,services.backend.replicas=4']);
      expect(find(off, 'Deployment', 'backend')!.spec.replicas).toBe(4);
      expect(find(off, 'HorizontalPodAutoscaler', 'backend')).toBeUndefined();
    });

    it('switches optional components off: exporters, Loki/Promtail, TLS', () => {
      const objects = render(helm, env, ['mongodb.metrics.enabled=false,redis.metrics.enabled=false,logs.enabled=false,ingress.tls.enabled=false']);
      expect(objects.some((o) => o.metadata.namespace === logging)).toBe(false);
      expect(find(objects, 'StatefulSet', 'mongodb')!.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(['mongodb']);
      expect(find(objects, 'Ingress', config.app.name)?.spec.tls).toBeUndefined();
    });

    it('rejects bad values like the config loader: schema errors, and required canary tag', () => {
      const fails = (set: string[], setString: string[] = []) => {
        try {
          render(helm, env, set, setString);
        } catch (error) {
          expect(error).toBeInstanceOf(HelmRenderError);
          return (error as HelmRenderError).stderr;
        }
        throw new Error(`rendered with ${set.join(' ')} ${setString.join(' ')}`);
      };
      expect(fails(['services.backend.autoscaling.minReplicas=0'])).toMatch(/minReplicas/);
      expect(fails([], ['ingress.host=Not_A_Host'])).toMatch(/host/);
      expect(fails([], ['mongodb.storage.size=20GB'])).toMatch(/size/);
      expect(fails(['no.such.value=1'])).toMatch(/no/);
      expect(fails(['canary.enabled=true'])).toMatch(/canary.tag: an enabled canary needs the image tag it runs/);
    });
  });
});

describe('NOTES.txt', () => {
  const withReplicaSet = (enabled: boolean) => configFromYaml(`tier: prod\nmongodb: { replicaSet: { enabled: ${enabled} } }\n`);
  const secretsLine = (text: string) => text.split('\n').find((line) => line.includes('these Secrets in')) ?? '';

  it('names the MongoDB keyfile Secret only where the values enable a replica set', () => {
    const line = secretsLine(
      notesTemplate([
        { name: 'a', config: withReplicaSet(false) },
        { name: 'b', config: withReplicaSet(true) },
      ]),
    );
    expect(line).toContain('mongodb-auth, redis-auth{{ if and .Values.mongodb.enabled .Values.mongodb.replicaSet.enabled }}, mongodb-keyfile{{ end }}.');
  });

  it("names each environment's own Secrets", () => {
    const withSecret = configFromYaml('tier: prod\nservices: { backend: { secretEnv: { STRIPE_KEY: { secretName: payments, key: stripe } } } }\n');
    const line = secretsLine(
      notesTemplate([
        { name: 'dev', config: withReplicaSet(false) },
        { name: 'prod', config: withSecret },
      ]),
    );
    expect(line).toContain('{{ if eq .Values.environment "dev" }}mongodb-auth, redis-auth{{ else if eq .Values.environment "prod" }}mongodb-auth, payments, redis-auth{{ else }}');
  });
});
