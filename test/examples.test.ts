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
import { synthesize } from '../synth/synth.js';
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
  expect(examples).toEqual(['blockchain-voting', 'fleet', 'society-management', 'voting-app']);
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

  // blockchain-voting and fleet differ in structure between environments (an egress rule, a nodeSelector in prod only).
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

describe('examples/fleet: the seed 004 system on a fleet of clusters', () => {
  const dir = join(EXAMPLES, 'fleet', 'environments');
  const synthesis = synthesize({ configDir: dir, gitopsFile: join(EXAMPLES, 'fleet', 'gitops.yaml') });
  const [argocd, applicationSet] = synthesis.argocd.map((d) => d.files.flatMap((f) => f.objects) as Array<Record<string, any>>);
  const regions = ['prod-ap-southeast', 'prod-eu-west', 'prod-us-east'];
  const configOf = (name: string) => loadEnvironments([name], dir)[0].config;

  it('has three regions that extend prod and state only what differs', () => {
    expect(listEnvironments(dir)).toEqual(['dev', 'prod', ...regions, 'staging']);
    for (const region of regions) {
      expect(configOf(region).extends).toBe('prod');
      expect(configOf(region).namespace).toBe('atlas-prod');
      expect(configOf(region).services.postgres.scheduling.tolerations).toEqual(configOf('prod').services.postgres.scheduling.tolerations);
    }
    expect(configOf('prod-eu-west').services.app.autoscaling).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
    expect(configOf('prod-us-east').cluster).toEqual({ name: 'prod-us-east', region: 'us-east-1' });
    expect(synthesis.warnings).toEqual([]);
  });

  it('delivers each region to its own cluster; the AppProject lists every destination', () => {
    const [project] = argocd.filter((o) => o.kind === 'AppProject');
    for (const region of regions) {
      const application = argocd.find((o) => o.kind === 'Application' && o.metadata.name === `atlas-${region}`);
      expect(application?.spec.destination).toEqual({ name: region, namespace: 'atlas-prod' });
      expect(project.spec.destinations).toContainEqual({ name: region, namespace: 'atlas-prod' });
    }
    expect(argocd.find((o) => o.metadata.name === 'atlas-prod')).toBeUndefined();
  });

  it('rolls out wave by wave with the ApplicationSet: dev, staging, US-East, then EU-West and AP-Southeast', () => {
    const [set] = applicationSet.filter((o) => o.kind === 'ApplicationSet');
    expect(set.spec.strategy.type).toBe('RollingSync');
    expect(set.spec.strategy.rollingSync.steps.map((s: any) => s.matchExpressions[0].values)).toEqual([['0'], ['1'], ['2'], ['3']]);
    const waves = Object.fromEntries(set.spec.generators[0].list.elements.map((e: any) => [e.environment, e.wave]));
    expect(waves).toEqual({ dev: '0', staging: '1', 'prod-us-east': '2', 'prod-eu-west': '3', 'prod-ap-southeast': '3' });
  });

  it('passes the Argo CD CRDs in both styles', () => {
    expect(validateManifests(argocd)).toEqual([]);
    expect(validateManifests(applicationSet)).toEqual([]);
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
