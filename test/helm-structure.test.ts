/**
 * The Helm chart for environments that differ in structure, not only in values: a service or a
 * worker in one environment only, a Secret reference in prod only, blue-green in prod, a canary on
 * another service, an extra environment. The generator must never fail on a config `npm run synth`
 * accepts, and `helm template -f values-<env>.yaml` must give the objects of the plain manifests.
 */
import { cpSync, existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { canaryCommand } from '../cli/canary.js';
import { appFileOf, ENVIRONMENTS_DIR, listEnvironments, loadEnvironment, loadEnvironments } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { environmentContext } from '../config/context.js';
import { renderEnvironment } from '../charts/render.js';
import { buildHelmChart, chartStaleness } from '../helm/chart.js';
import { CANARY_SERVICE, configValue, knobsOf, withoutRolloutState, withValueAt, type Knob } from '../helm/knobs.js';
import { ChartGenerationError, mergeVariants } from '../helm/merge.js';
import type { VNode } from '../helm/variant.js';
import { ENVIRONMENTS } from './helpers.js';
import { chartDifferences } from './helm/compare.js';
import { helmTemplate, helms } from './helm/render.js';

type Environments = { name: string; config: Config }[];

const root = new URL('..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'helm-structure-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const committed = (): Environments => ENVIRONMENTS.map((name) => ({ name, config: loadEnvironment(name).config }));

/** The environments with `edit` applied to the parsed config of `name` (parsed again, as the loader would). */
function edited(environments: Environments, name: string, edit: (config: Config) => Record<string, unknown>): Environments {
  return environments.map((e) => (e.name === name ? { name, config: configSchema.parse(edit(e.config)) } : e));
}

const lastTier = (tier: string) =>
  committed()
    .filter((e) => e.config.tier === tier)
    .at(-1)?.name ?? committed().at(-1)!.name;
const prod = lastTier('prod');
const dev = lastTier('dev');

/** Writes the chart of `environments` and renders it per environment: the differences to plain synthesis. */
function chartDifferencesPerEnvironment(label: string, environments: Environments): Record<string, string[]> {
  const chart = buildHelmChart(environments);
  const dir = join(work, label, chart.name);
  for (const [path, content] of chart.files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  const result: Record<string, string[]> = {};
  for (const { name, config } of environments) {
    const context = environmentContext(name, config);
    const rendered = helmTemplate(
      dir,
      { release: context.labels.instance, namespace: context.namespace, valuesFiles: [join(dir, `values-${name}.yaml`)], set: ['createNamespace=true'] },
      helms()[0],
    );
    const plain = renderEnvironment(name, config).files.flatMap((f) => f.objects as Record<string, any>[]);
    result[name] = chartDifferences(rendered.objects as Record<string, any>[], plain);
  }
  return result;
}

const noDifferences = (environments: Environments) => Object.fromEntries(environments.map((e) => [e.name, []]));

/** Structural differences a user's environments may have, each applied to some environments only. */
interface Structure {
  readonly extraService: readonly string[];
  readonly worker: readonly string[];
  readonly prodOnlySecret: boolean;
  readonly blueGreen: readonly string[];
  readonly frontendCanary: readonly string[];
  readonly probesAndArgs: readonly string[];
  readonly egress: readonly string[];
  readonly qa: boolean;
}

function withStructure(structure: Structure): Environments {
  let environments = committed();
  const apply = (names: readonly string[], edit: (config: Config) => Record<string, unknown>) => {
    for (const name of names) environments = edited(environments, name, edit);
  };
  apply(structure.extraService, (c) => ({
    ...c,
    services: { ...c.services, admin: { image: { repository: 'example/admin', tag: '0.1.0' }, ingress: { paths: [{ path: '/admin' }] } } },
  }));
  apply(structure.worker, (c) => ({ ...c, workers: { ...c.workers, mailer: { image: { repository: 'example/mailer', tag: '0.1.0' } } } }));
  apply(structure.prodOnlySecret ? [prod] : [], (c) => ({
    ...c,
    services: { ...c.services, backend: { ...c.services.backend, secretEnv: { ...c.services.backend.secretEnv, STRIPE_KEY: { secretName: 'payments', key: 'stripe' } } } },
  }));
  apply(structure.blueGreen, (c) => ({
    ...c,
    services: { ...c.services, backend: { ...c.services.backend, blueGreen: { ...c.services.backend.blueGreen, enabled: true, idleTag: '9.0.0' } } },
  }));
  apply(structure.frontendCanary, (c) => ({
    ...c,
    services: { ...c.services, frontend: { ...c.services.frontend, canary: { ...c.services.frontend.canary, enabled: true, tag: '2.0.0', weight: 10 } } },
  }));
  apply(structure.probesAndArgs, (c) => ({
    ...c,
    services: {
      ...c.services,
      backend: { ...c.services.backend, args: ['--inspect'], probes: { ...c.services.backend.probes, readiness: { ...c.services.backend.probes.readiness, path: '/ready' } } },
    },
  }));
  apply(structure.egress, (c) => ({
    ...c,
    network: { ...c.network, egress: { ...c.network.egress, allow: [...c.network.egress.allow, { workloads: ['backend'], cidr: '203.0.113.0/24', ports: [443] }] } },
  }));
  if (structure.qa) {
    const staging = environments.find((e) => e.config.tier === 'staging') ?? environments[0];
    environments = [
      ...environments,
      { name: 'qa', config: configSchema.parse({ ...staging.config, namespace: 'webapp-qa', ingress: { ...staging.config.ingress, host: 'qa.example.com' } }) },
    ];
  }
  return environments;
}

describe('structurally different environments', () => {
  it('all at once (the README example in dev, a prod-only Secret, blue-green and a frontend canary in prod, probes/args/egress in dev, a qa environment): generated, and each renders as plain synthesis', () => {
    const environments = withStructure({
      extraService: [dev],
      worker: [dev],
      prodOnlySecret: true,
      blueGreen: [prod],
      frontendCanary: [prod],
      probesAndArgs: [dev],
      egress: [dev],
      qa: true,
    });
    expect(chartDifferencesPerEnvironment('all-at-once', environments)).toEqual(noDifferences(environments));
  });

  it('random environment sets that differ in structure (property)', () => {
    const names = committed().map((e) => e.name);
    const some = fc.subarray(names);
    const structure = fc.record({
      extraService: some,
      worker: some,
      prodOnlySecret: fc.boolean(),
      blueGreen: some,
      frontendCanary: some,
      probesAndArgs: some,
      egress: some,
      qa: fc.boolean(),
    });
    let run = 0;
    fc.assert(
      fc.property(structure, (s) => {
        const environments = withStructure(s);
        expect(chartDifferencesPerEnvironment(`property-${run++}`, environments), JSON.stringify(s)).toEqual(noDifferences(environments));
      }),
      { numRuns: 2, seed: Number(process.env.FUZZ_SEED ?? 20261202) },
    );
  });
});

describe('rollout state lives in values', () => {
  it('a canary step rewrites values-<env>.yaml with dist/<env>/, leaves the templates, and the chart stays fresh', async () => {
    const scratch = join(work, 'rollout');
    const configDir = join(scratch, 'environments');
    const outdir = join(scratch, 'dist');
    cpSync(ENVIRONMENTS_DIR, configDir, { recursive: true });
    if (existsSync(appFileOf())) cpSync(appFileOf(), appFileOf(configDir));
    const environments = () => loadEnvironments(listEnvironments(configDir), configDir);
    // The committed chart is what synth:helm makes of these environments (test/helm-chart.test.ts).
    const chartDir = join(outdir, 'helm', 'webapp');
    cpSync(join(root, 'dist', 'helm', 'webapp'), chartDir, { recursive: true });
    const io = { out: () => undefined, err: () => undefined };
    const canaryEnv = ENVIRONMENTS.find((e) => loadEnvironment(e, configDir).config.services[CANARY_SERVICE]?.ingress.paths.length) ?? ENVIRONMENTS[0];
    expect(await canaryCommand(['start', '--image-tag', '7.7.7', '--env', canaryEnv, '--config-dir', configDir, '--outdir', outdir], io)).toBe(0);

    const values = readFileSync(join(chartDir, `values-${canaryEnv}.yaml`), 'utf8');
    // The step's start (the bake time) is rollout state too: in the values, read by no template.
    expect(parse(values).canary).toMatchObject({ enabled: true, tag: '7.7.7', stepStartedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) });
    // The step changed no template: a fresh chart has the same templates and Chart.yaml.
    const fresh = buildHelmChart(environments());
    for (const [path, content] of fresh.files) expect(readFileSync(join(chartDir, path), 'utf8'), path).toBe(content);
    const onDisk = new Map([...fresh.files.keys()].filter((p) => !p.includes('/')).map((p): [string, string] => [p, readFileSync(join(chartDir, p), 'utf8')]));
    expect(chartStaleness(environments(), onDisk)).toEqual([]);
  });

  it('npm run diff tells a stale chart: a values file or the templates', () => {
    const environments = committed();
    const chartDir = join(root, 'dist', 'helm', 'webapp');
    const files = new Map(
      readdirSync(chartDir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f): [string, string] => [f, readFileSync(join(chartDir, f), 'utf8')]),
    );
    expect(chartStaleness(environments, files)).toEqual([]);
    const [first] = environments;
    const withRollout = edited(environments, first.name, (c) => ({
      ...c,
      services: { ...c.services, frontend: { ...c.services.frontend, blueGreen: { ...c.services.frontend.blueGreen, active: 'green' } } },
    }));
    expect(chartStaleness(withRollout, files)).toEqual([`values-${first.name}.yaml`]);
    const withService = edited(environments, first.name, (c) => ({ ...c, services: { ...c.services, reports: { image: { repository: 'example/reports', tag: '1.0.0' } } } }));
    expect(chartStaleness(withService, files)).toEqual([`values-${first.name}.yaml`, 'templates/ (generated from another config)']);
  });
});

describe('a difference the chart cannot express', () => {
  it('is one line naming the place and what to do, never a stack of variant names', () => {
    // Two renderings of one environment that differ with no switch to tell them apart.
    const object = (replicas: number): VNode => ({
      t: 'map',
      entries: [
        ['kind', { t: 'lit', v: 'Deployment' }],
        ['metadata', { t: 'map', entries: [['name', { t: 'lit', v: 'api' }]] }],
        ['spec', { t: 'map', entries: [['replicas', { t: 'lit', v: replicas }]] }],
      ],
    });
    const variant = (name: string, replicas: number) => ({ name, values: { environment: 'prod' }, output: new Map([['30-api.yaml', [object(replicas)]]]) });
    const switches = [{ expr: 'eq .Values.environment "prod"', test: () => true, environment: 'prod' }];
    let message = '';
    try {
      mergeVariants([variant('prod', 1), variant('draw 1 of prod', 2), variant('draw 2 of prod', 2)], switches);
    } catch (error) {
      expect(error).toBeInstanceOf(ChartGenerationError);
      message = (error as Error).message;
    }
    expect(message).toBe(
      '30-api.yaml > Deployment//api > spec > replicas: in environment prod this differs between renderings in a way no chart value explains (seen in 1 of 3); give the environments the same setting here, or report it with this line',
    );
  });
});

describe('--set of a value equals the same change in the config', () => {
  it('for a sample of every kind of value, on one environment', () => {
    const environments = committed();
    const [env] = environments;
    const chartDir = join(root, 'dist', 'helm', 'webapp');
    const knobs = knobsOf(environments.map((e) => withoutRolloutState(e.config)));
    const context = environmentContext(env.name, env.config);
    const render = (set: string[], setString: string[]) =>
      helmTemplate(
        chartDir,
        {
          release: context.labels.instance,
          namespace: context.namespace,
          valuesFiles: [join(chartDir, `values-${env.name}.yaml`)],
          set: ['createNamespace=true', ...set],
          setString,
        },
        helms()[0],
      ).objects as Record<string, any>[];
    // One change per knob kind and field name, so every kind of value is tried once per run.
    const changes = new Map<string, [Knob, unknown]>();
    for (const knob of knobs) {
      const value = configValue(env.config, knob);
      const field = knob.values.at(-1) ?? '';
      const change: unknown =
        knob.kind === 'boolean'
          ? !value
          : knob.kind === 'tier'
            ? value === 'prod'
              ? 'staging'
              : 'prod'
            : knob.kind === 'colour'
              ? value === 'blue'
                ? 'green'
                : 'blue'
              : knob.kind === 'number'
                ? field === 'weight'
                  ? 25
                  : typeof value === 'number'
                    ? value + 1
                    : undefined
                : field === 'tag'
                  ? '3.2.1'
                  : field === 'host'
                    ? 'other.example.com'
                    : field === 'size'
                      ? '7Gi'
                      : field === 'cpu'
                        ? '300m'
                        : field === 'memory'
                          ? '300Mi'
                          : field === 'storageClass'
                            ? 'fast-ssd'
                            : knob.values.includes('env')
                              ? 'changed'
                              : undefined;
      if (change === undefined || knob.config.length === 0) continue;
      const key = `${knob.kind}:${knob.values[0]}:${field}`;
      if (!changes.has(key)) changes.set(key, [knob, change]);
    }
    expect(changes.size).toBeGreaterThan(10);
    const failures: string[] = [];
    const tried: string[] = [];
    for (const [key, [knob, value]] of changes) {
      let config = withValueAt(env.config, knob.config, value);
      // The canary's details matter only with it on (and its tag is required then).
      if (knob.config[2] === 'canary' && knob.config[3] !== 'enabled')
        config = withValueAt(withValueAt(config, [...knob.config.slice(0, 3), 'enabled'], true), [...knob.config.slice(0, 3), 'tag'], '3.2.1');
      const parsed = configSchema.safeParse(config);
      if (!parsed.success) continue;
      const path = knob.values.join('.');
      tried.push(path);
      const canary = knob.values.slice(0, knob.values.indexOf('canary') + 1).join('.');
      const detail = knob.config[2] === 'canary' && knob.config[3] !== 'enabled';
      const extra = detail ? [`${canary}.enabled=true`] : [];
      const extraString = detail ? [`${canary}.tag=3.2.1`] : [];
      const asString = typeof value === 'string';
      const rendered = render([...extra, ...(asString ? [] : [`${path}=${value}`])], [...extraString, ...(asString ? [`${path}=${value}`] : [])]);
      const plain = renderEnvironment(env.name, parsed.data).files.flatMap((f) => f.objects as Record<string, any>[]);
      const problems = chartDifferences(rendered, plain);
      if (problems.length > 0) failures.push(`${key} (${path}=${JSON.stringify(value)}): ${problems.slice(0, 2).join('; ')}`);
    }
    expect(failures).toEqual([]);
    // Booleans, numbers, strings, tier and colour, canary details: the kinds a user sets.
    expect(tried.length, tried.join(' ')).toBeGreaterThan(15);
  });
});
