/**
 * The shipped examples (examples/<system>/): each synthesizes every environment, passes the
 * Kubernetes schemas, and passes the policy report with no error and no warning, with
 * NetworkPolicies on; and its Helm chart renders the same objects as the plain manifests.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { environmentContext } from '../config/context.js';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { listEnvironments, loadEnvironments } from '../config/load.js';
import { renderEnvironment } from '../charts/render.js';
import { validateManifests } from '../core/validate/index.js';
import { buildHelmChart } from '../helm/chart.js';
import { checkObjects } from '../policy/index.js';
import { chartDifferences } from './helm/compare.js';
import { helmTemplate } from './helm/render.js';

const EXAMPLES = fileURLToPath(new URL('../examples/', import.meta.url));
const examples = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(EXAMPLES, d.name, 'environments')))
  .map((d) => d.name)
  .sort();

const scratch = mkdtempSync(join(tmpdir(), 'examples-helm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

it('ships the four seed systems', () => {
  expect(examples).toEqual(['blockchain-voting', 'multi-region', 'society-management', 'voting-app']);
});

describe.each(examples)('examples/%s', (example) => {
  const dir = join(EXAMPLES, example, 'environments');
  const names = listEnvironments(dir);
  const loaded = loadEnvironments(names, dir);
  const rendered = loaded.map(({ name, config }) => ({ name, config, env: renderEnvironment(name, config) }));
  const objectsOf = (name: string) => rendered.find((r) => r.name === name)!.env.files.flatMap((f) => f.objects);

  it('has a dev, a staging and a prod environment, and loads without warnings', () => {
    expect(names).toEqual(expect.arrayContaining(['dev', 'staging', 'prod']));
    expect(loaded.flatMap((e) => e.warnings)).toEqual([]);
  });

  it.each(names)('%s passes the Kubernetes schemas', (name) => {
    expect(validateManifests(objectsOf(name))).toEqual([]);
  });

  it.each(names)('%s passes the policy report, with NetworkPolicies on', (name) => {
    const { config } = rendered.find((r) => r.name === name)!;
    expect(config.network.policies).toBe(true);
    const objects = objectsOf(name);
    expect(objects.some((o) => o.kind === 'NetworkPolicy')).toBe(true);
    expect(checkObjects(objects, { tier: config.tier })).toEqual([]);
  });

  // blockchain-voting and multi-region differ in structure between environments (an egress rule, a nodeSelector in prod only).
  it('renders a Helm chart whose output equals the plain manifests of every environment', () => {
    const chart = buildHelmChart(loaded);
    const chartDir = join(scratch, example, chart.name);
    for (const [path, content] of chart.files) {
      mkdirSync(dirname(join(chartDir, path)), { recursive: true });
      writeFileSync(join(chartDir, path), content);
    }
    for (const { name, config } of loaded) {
      // createNamespace=true: the plain manifests have the Namespace, which the chart leaves to --create-namespace by default.
      const namespace = environmentContext(name, config).namespace;
      const objects = helmTemplate(chartDir, {
        release: `${config.app.name}-${name}`,
        namespace,
        valuesFiles: [join(chartDir, `values-${name}.yaml`)],
        set: ['createNamespace=true'],
      }).objects;
      expect(chartDifferences(objects, objectsOf(name) as Record<string, unknown>[]), name).toEqual([]);
    }
  });
});

describe('examples/voting-app: the seed 003 specifics', () => {
  const dir = join(EXAMPLES, 'voting-app', 'environments');
  const [prod] = loadEnvironments(['prod'], dir);
  const objects = renderEnvironment('prod', prod.config).files.flatMap((f) => f.objects) as Array<Record<string, any>>;
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

  it('serves vote and result on their own hosts, with WebSocket timeouts and cookie affinity on the result Ingress only', () => {
    const vote = find('Ingress', 'voting');
    const result = find('Ingress', 'result');
    expect(vote?.spec.rules.map((r: any) => r.host)).toEqual(['vote.example.com']);
    expect(result?.spec.rules.map((r: any) => r.host)).toEqual(['result.example.com']);
    expect(result?.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/proxy-read-timeout': '3600',
      'nginx.ingress.kubernetes.io/affinity': 'cookie',
      'nginx.ingress.kubernetes.io/session-cookie-name': 'result-affinity',
    });
    expect(Object.keys(vote?.metadata.annotations)).not.toContain('nginx.ingress.kubernetes.io/affinity');
    expect(Object.keys(vote?.metadata.annotations)).not.toContain('nginx.ingress.kubernetes.io/proxy-read-timeout');
  });

  it('runs the built-in PostgreSQL 15, which the worker and the result page reach through uses', () => {
    expect(find('StatefulSet', 'postgres')?.spec.template.spec.containers[0].image).toBe('docker.io/library/postgres:15');
    for (const workload of [find('Deployment', 'worker'), find('Deployment', 'result')]) {
      const names = workload?.spec.template.spec.containers[0].env.map((e: any) => e.name);
      expect(names).toEqual(expect.arrayContaining(['POSTGRES_USER', 'POSTGRES_PASSWORD']));
    }
  });
});
