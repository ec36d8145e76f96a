/**
 * The Helm chart for environments that differ in structure, not only in values: a service or a
 * worker in one environment only, a Secret reference in prod only, blue-green in prod, a canary on
 * another service, an extra environment. The generator must never fail on a config `npm run synth`
 * accepts, and `helm template -f values-<env>.yaml` must give the objects of the plain manifests.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../config/load.js';
import { configSchema, type Config } from '../config/schema.js';
import { environmentContext } from '../config/context.js';
import { renderEnvironment } from '../charts/render.js';
import { buildHelmChart } from '../helm/chart.js';
import { ENVIRONMENTS } from './helpers.js';
import { chartDifferences } from './helm/compare.js';
import { helmTemplate, helms } from './helm/render.js';

type Environments = { name: string; config: Config }[];

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
    const rendered = helmTemplate(dir, { release: context.labels.instance, namespace: context.namespace, valuesFiles: [join(dir, `values-${name}.yaml`)] }, helms()[0]);
    const plain = renderEnvironment(name, config).files.flatMap((f) => f.objects as Record<string, any>[]);
    result[name] = chartDifferences(rendered.objects as Record<string, any>[], plain);
  }
  return result;
}

const noDifferences = (environments: Environments) => Object.fromEntries(environments.map((e) => [e.name, []]));

const scenarios: [string, () => Environments][] = [
  [
    'a service and a worker added to dev only (the README example)',
    () =>
      edited(committed(), dev, (c) => ({
        ...c,
        services: { ...c.services, admin: { image: { repository: 'example/admin', tag: '0.1.0' }, ingress: { paths: [{ path: '/admin' }] } } },
        workers: { ...c.workers, mailer: { image: { repository: 'example/mailer', tag: '0.1.0' } } },
      })),
  ],
  [
    'a Secret reference in prod only, and a new qa environment',
    () => {
      const base = edited(committed(), prod, (c) => ({
        ...c,
        services: { ...c.services, backend: { ...c.services.backend, secretEnv: { ...c.services.backend.secretEnv, STRIPE_KEY: { secretName: 'payments', key: 'stripe' } } } },
      }));
      const staging = base.find((e) => e.config.tier === 'staging') ?? base[0];
      return [...base, { name: 'qa', config: configSchema.parse({ ...staging.config, namespace: 'webapp-qa', ingress: { ...staging.config.ingress, host: 'qa.example.com' } }) }];
    },
  ],
  [
    'blue-green enabled in prod',
    () =>
      edited(committed(), prod, (c) => ({
        ...c,
        services: { ...c.services, backend: { ...c.services.backend, blueGreen: { ...c.services.backend.blueGreen, enabled: true, idleTag: '9.0.0' } } },
      })),
  ],
  [
    'a canary on the frontend in one environment',
    () =>
      edited(committed(), prod, (c) => ({
        ...c,
        services: { ...c.services, frontend: { ...c.services.frontend, canary: { ...c.services.frontend.canary, enabled: true, tag: '2.0.0', weight: 10 } } },
      })),
  ],
  [
    'different probes, args and egress per environment',
    () =>
      edited(committed(), dev, (c) => ({
        ...c,
        services: {
          ...c.services,
          backend: { ...c.services.backend, args: ['--inspect'], probes: { ...c.services.backend.probes, readiness: { ...c.services.backend.probes.readiness, path: '/ready' } } },
        },
        network: { ...c.network, egress: { ...c.network.egress, allow: [...c.network.egress.allow, { workloads: ['backend'], cidr: '203.0.113.0/24', ports: [443] }] } },
      })),
  ],
];

describe('structurally different environments', () => {
  it.each(scenarios)('%s: the chart is generated and renders each environment as plain synthesis', (label, environments) => {
    const envs = environments();
    expect(chartDifferencesPerEnvironment(label.replace(/\W+/g, '-'), envs)).toEqual(noDifferences(envs));
  });
});
