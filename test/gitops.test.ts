/**
 * GitOps delivery: sync waves and hooks on the environments' objects, the Argo CD objects in
 * dist/argocd*, and config/gitops.yaml.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APPLICATIONSET_DIRECTORY, ARGOCD_DIRECTORY, renderArgoCd, type DeliveredEnvironment } from '../gitops/argocd-chart.js';
import { ConfigError, loadEnvironment, loadGitOps, parseGitOps } from '../config/load.js';
import { argoCdAnnotations, HOOK_ANNOTATION, HOOK_DELETE_POLICY_ANNOTATION, SYNC_OPTIONS_ANNOTATION, SYNC_WAVE_ANNOTATION, syncWave } from '../charts/argocd-annotations.js';
import { autoSync, RESOURCES_FINALIZER, rolloutSteps, rolloutWave, WAVE_LABEL } from '../gitops/argocd.js';
import { deepMerge } from '../config/merge.js';
import type { OutputDirectory } from '../core/output.js';
import { renderEnvironment } from '../charts/render.js';
import type { Manifest } from '../core/manifest.js';
import { toYaml } from '../core/yaml.js';
import { synthesize } from '../synth/synth.js';
import { validateManifests } from '../core/validate/index.js';
import { configFromYaml, ENVIRONMENTS, find, findAll, objectsOf, problemsOf as problemsOfText, renderCommitted } from './helpers.js';
import { renderReference } from './setup/reference.js';
import { executeGoTemplate } from './go/gotemplate.js';

const gitops = parseGitOps('repoURL: https://git.example.com/platform.git\n', 'gitops.yaml');

/** The Argo CD directories for environments given as YAML overlays. */
function argoCdFor(environments: Record<string, string>): { argocd: Manifest[]; applicationSet: Manifest[] } {
  const delivered: DeliveredEnvironment[] = Object.entries(environments).map(([name, yamlText]) => {
    const config = configFromYaml(yamlText);
    return { name, config, objects: objectsOf(renderEnvironment(name, config)) };
  });
  const [argocd, applicationSet] = renderArgoCd(gitops, delivered).map((d) => d.files.flatMap((f) => f.objects));
  return { argocd, applicationSet };
}

const byKind = (objects: Manifest[], kind: string): any[] => objects.filter((o) => o.kind === kind);

/**
 * The Applications an ApplicationSet's list generator makes, as the controller does with goTemplate:
 * the template (its JSON text) and the templatePatch executed by Go's text/template with the
 * goTemplateOptions for each element, the patch merged over the template (maps key by key, which is
 * what a strategic merge patch does to these fields).
 */
function generatedApplications(set: any): { metadata: { name: string; labels: Record<string, string> }; spec: any }[] {
  const elements: Record<string, string>[] = set.spec.generators[0].list.elements;
  const options: string[] = set.spec.goTemplateOptions;
  const templates = executeGoTemplate(JSON.stringify(set.spec.template), elements, options).map((text) => JSON.parse(text));
  const patches = executeGoTemplate(set.spec.templatePatch, elements, options).map((text) => parse(text) ?? {});
  return templates.map((template, i) => deepMerge(template, patches[i]) as any);
}
const application = (objects: Manifest[], name: string): any => byKind(objects, 'Application').find((a) => a.metadata.name === name);

describe('sync waves and hooks (charts/argocd-annotations.ts)', () => {
  it('puts an object in the wave of its file, Namespaces in wave 0, ServiceAccounts and ConfigMaps in wave 10', () => {
    expect(syncWave('Namespace', 0)).toBe(0);
    expect(syncWave('Namespace', 60)).toBe(0);
    expect(syncWave('ServiceAccount', 20)).toBe(10);
    expect(syncWave('ConfigMap', 30)).toBe(10);
    expect(syncWave('StatefulSet', 20)).toBe(20);
    expect(syncWave('PersistentVolumeClaim', 30)).toBe(30);
    expect(syncWave('Deployment', 30)).toBe(30);
    expect(syncWave('Ingress', 40)).toBe(40);
  });

  it('makes Jobs PostSync hooks deleted when they succeed, and keeps the namespace when the Application is deleted', () => {
    expect(argoCdAnnotations('Job', 20)).toEqual({
      [SYNC_WAVE_ANNOTATION]: '20',
      [HOOK_ANNOTATION]: 'PostSync',
      [HOOK_DELETE_POLICY_ANNOTATION]: 'HookSucceeded,BeforeHookCreation',
    });
    expect(argoCdAnnotations('Namespace', 0)).toEqual({ [SYNC_WAVE_ANNOTATION]: '0', [SYNC_OPTIONS_ANNOTATION]: 'Delete=false' });
    expect(argoCdAnnotations('Deployment', 30)).toEqual({ [SYNC_WAVE_ANNOTATION]: '30' });
  });
});

describe.each(ENVIRONMENTS)('environment %s: Argo CD order', (name) => {
  const env = renderCommitted(name);
  const { config } = loadEnvironment(name);
  const objects = objectsOf(env) as any[];
  const wave = (o: any): number => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]);
  const waves = (selected: any[]) => selected.map(wave);
  const component = (o: any): string | undefined => o.metadata.labels?.['app.kubernetes.io/name'];
  const datastores = new Set(['mongodb', 'redis'].filter((d) => config[d as 'mongodb' | 'redis'].enabled));
  const webServices = new Set(Object.keys(config.services).filter((s) => config.services[s].enabled));

  it('gives every object an integer sync wave', () => {
    for (const o of objects) expect(Number.isInteger(wave(o)), `${o.kind}/${o.metadata.name}`).toBe(true);
  });

  it('syncs the namespace, then ServiceAccounts and ConfigMaps, then datastores, then web services, then the Ingress', () => {
    const stages = [
      objects.filter((o) => o.kind === 'Namespace'),
      objects.filter((o) => ['ServiceAccount', 'ConfigMap'].includes(o.kind)),
      objects.filter((o) => ['StatefulSet', 'Service'].includes(o.kind) && datastores.has(component(o)!)),
      objects.filter((o) => ['Deployment', 'Service', 'HorizontalPodAutoscaler'].includes(o.kind) && webServices.has(component(o)!)),
      objects.filter((o) => o.kind === 'Ingress'),
    ];
    for (const stage of stages) expect(stage.length).toBeGreaterThan(0);
    for (let i = 1; i < stages.length; i++) {
      expect(Math.max(...waves(stages[i - 1])), `stage ${i - 1} before stage ${i}`).toBeLessThan(Math.min(...waves(stages[i])));
    }
  });

  it('syncs each PersistentVolumeClaim with a pod that mounts it (WaitForFirstConsumer claims stay Pending until then)', () => {
    // A Deployment, or for a backup claim the Job (a Sync hook of the last wave) that binds it.
    const mounts = (spec: any, claim: string) => (spec.volumes ?? []).some((v: any) => v.persistentVolumeClaim?.claimName === claim);
    for (const claim of findAll(env, 'PersistentVolumeClaim')) {
      const users = [
        ...findAll(env, 'Deployment').filter((d) => mounts(d.spec.template.spec, claim.metadata.name)),
        ...findAll(env, 'Job').filter((j) => j.metadata.annotations[HOOK_ANNOTATION] === 'Sync' && mounts(j.spec.template.spec, claim.metadata.name)),
      ];
      expect(users.length, claim.metadata.name).toBeGreaterThan(0);
      for (const user of users) expect(wave(claim), `${claim.metadata.name} / ${user.metadata.name}`).toBe(wave(user));
    }
  });

  it('puts the backups in the last wave, with nothing after them', () => {
    const backups = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component']?.startsWith('backup'));
    if (backups.length === 0) return;
    const last = Math.max(...waves(objects));
    for (const o of backups) expect(wave(o), `${o.kind}/${o.metadata.name}`).toBe(last);
    expect(objects.filter((o) => wave(o) === last).every((o) => backups.includes(o))).toBe(true);
  });

  it('runs Jobs as hooks only', () => {
    for (const o of objects) {
      expect(o.metadata.annotations[HOOK_ANNOTATION] !== undefined, `${o.kind}/${o.metadata.name}`).toBe(o.kind === 'Job');
    }
  });

  it('is byte-identical when rendered again (nothing changes between syncs)', () => {
    expect(renderCommitted(name).files.map((f) => toYaml(f.objects))).toEqual(env.files.map((f) => toYaml(f.objects)));
  });
});

describe('MongoDB replica-set init Job (reference prod)', () => {
  it('is a PostSync hook, deleted when it succeeds', () => {
    const job = find(renderReference('prod'), 'Job', 'mongodb-rs-init');
    expect(job.metadata.annotations).toMatchObject({ [HOOK_ANNOTATION]: 'PostSync', [HOOK_DELETE_POLICY_ANNOTATION]: expect.stringContaining('HookSucceeded') });
  });

  it('exists only where the replica set is enabled', () => {
    expect(find(renderReference('dev'), 'Job', 'mongodb-rs-init')).toBeUndefined();
    expect(find(renderReference('staging'), 'Job', 'mongodb-rs-init')).toBeUndefined();
  });
});

describe('Argo CD objects of the committed environments', () => {
  const synthesis = synthesize();
  const settings = loadGitOps();
  const directory = (name: string): OutputDirectory => synthesis.argocd.find((d) => d.name === name)!;
  const argocd = directory(ARGOCD_DIRECTORY).files.flatMap((f) => f.objects);
  const appSet = directory(APPLICATIONSET_DIRECTORY).files.flatMap((f) => f.objects);
  const rootName = `${settings.project}-root`;

  it('validate against the Argo CD CRDs, which catch mistakes deep inside the ApplicationSet', () => {
    for (const d of synthesis.argocd) for (const f of d.files) expect(validateManifests(f.objects), `${d.name}/${f.name}`).toEqual([]);
    const broken = structuredClone(byKind(appSet, 'ApplicationSet')[0]);
    broken.spec.template.spec.source.pth = 'dist';
    broken.spec.generators[0].list.elements = 'dev';
    expect(validateManifests([broken]).map((i) => i.message)).toEqual([
      `ApplicationSet/${broken.metadata.name}: spec.generators[0].list.elements: must be array, got string "dev"`,
      `ApplicationSet/${broken.metadata.name}: spec.template.spec.source.pth: unknown field`,
    ]);
  });

  it('include an AppProject limited to the repository, the environment namespaces and the kinds they contain', () => {
    const [project] = byKind(argocd, 'AppProject');
    expect(project.metadata).toMatchObject({ name: settings.project, namespace: settings.namespace });
    expect(project.spec.sourceRepos).toEqual([settings.repoURL]);
    const emitted = synthesis.environments.flatMap(objectsOf) as any[];
    const namespaces = new Set([...ENVIRONMENTS.map((name) => loadEnvironment(name).config.namespace), ...emitted.map((o) => o.metadata.namespace).filter(Boolean)]);
    expect(project.spec.destinations).toEqual([...namespaces].sort().map((namespace) => ({ server: settings.server, namespace })));
    const kinds = (objects: any[]) => new Set(objects.map((o) => o.kind));
    expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: '', kind: 'Namespace' });
    expect(kinds(project.spec.clusterResourceWhitelist)).toEqual(kinds(emitted.filter((o) => !o.metadata.namespace)));
    expect(kinds(project.spec.namespaceResourceWhitelist)).toEqual(kinds(emitted.filter((o) => o.metadata.namespace)));
  });

  it('include one Application per environment in Argo CD, synced automatically as its tier and settings say', () => {
    const delivered = ENVIRONMENTS.filter((name) => loadEnvironment(name).config.argocd.enabled);
    const nameOf = (name: string) => `${loadEnvironment(name).config.app.name}-${name}`;
    expect(
      byKind(argocd, 'Application')
        .map((a) => a.metadata.name)
        .sort(),
    ).toEqual([...delivered.map(nameOf), rootName].sort());
    for (const name of delivered) {
      const { config } = loadEnvironment(name);
      const app = application(argocd, nameOf(name));
      expect(app.metadata.finalizers).toEqual([RESOURCES_FINALIZER]);
      expect(app.spec).toMatchObject({
        project: settings.project,
        source: { repoURL: settings.repoURL, targetRevision: config.argocd.targetRevision ?? settings.targetRevision, path: `${settings.path}/${name}` },
        destination: { server: settings.server, namespace: config.namespace },
      });
      expect(app.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(['ServerSideApply=true', 'SkipDryRunOnMissingResource=true', 'CreateNamespace=false']));
      expect(app.spec.syncPolicy.retry).toEqual(settings.retry);
      expect(app.spec.syncPolicy.automated, name).toEqual(autoSync(config.tier, config.argocd) ? { prune: true, selfHeal: true } : undefined);
    }
  });

  it('syncs the AppProject before the Applications', () => {
    const wave = (o: any) => Number(o.metadata.annotations[SYNC_WAVE_ANNOTATION]);
    const [project] = byKind(argocd, 'AppProject');
    for (const app of byKind(argocd, 'Application').filter((a) => a.metadata.name !== rootName)) expect(wave(project)).toBeLessThan(wave(app));
  });

  it('include a root Application that syncs dist/argocd/ except itself, and never the ApplicationSet', () => {
    const root = application(argocd, rootName);
    expect(directory(ARGOCD_DIRECTORY).files.find((f) => f.name === 'root.yaml')?.objects).toEqual([root]);
    expect(root.spec.source).toMatchObject({ path: `${settings.path}/argocd`, directory: { recurse: false, exclude: 'root.yaml' } });
    expect(root.spec.destination.namespace).toBe(settings.namespace);
    expect(root.metadata.finalizers).toBeUndefined();
    expect(byKind(argocd, 'ApplicationSet')).toEqual([]);
    expect(byKind(appSet, 'Application')).toEqual([]);
  });

  it('offer an ApplicationSet that generates exactly the Applications of the app of apps (Go templates executed by Go)', () => {
    const [set] = byKind(appSet, 'ApplicationSet');
    const applications = byKind(argocd, 'Application').filter((a) => a.metadata.name !== rootName);
    expect(generatedApplications(set).map((a) => a.metadata.name)).toEqual(applications.map((a) => a.metadata.name));
    expect(generatedApplications(set)).toEqual(applications.map((a) => ({ metadata: { name: a.metadata.name, labels: a.metadata.labels }, spec: a.spec })));
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
  });
});

/** A list generator element with the default cluster, no region and the prod wave. */
const element = (environment: string, namespace: string) => ({
  name: `webapp-${environment}`,
  environment,
  namespace,
  clusterName: '',
  server: 'https://kubernetes.default.svc',
  region: '',
  wave: '2',
});

describe('a fleet: environments on several clusters and regions', () => {
  const fleet = parseGitOps('repoURL: https://git.example.com/platform.git\nprogressiveSync: true\n', 'gitops.yaml');
  const delivered: DeliveredEnvironment[] = Object.entries({
    dev: 'tier: dev\ncluster: { name: nonprod }\n',
    staging: 'tier: staging\ncluster: { name: nonprod }\n',
    'prod-us': 'tier: prod\nnamespace: shop\ncluster: { name: prod-us, region: us-east-1 }\nargocd: { autoSync: true }\n',
    'prod-eu': 'tier: prod\nnamespace: shop\ncluster: { server: "https://eu.k8s.example.com:6443", region: eu-west-1 }\nargocd: { wave: 3 }\n',
  }).map(([name, text]) => {
    const config = configFromYaml(text);
    return { name, config, objects: objectsOf(renderEnvironment(name, config)) };
  });
  const [argocd, appSet] = renderArgoCd(fleet, delivered).map((d) => d.files.flatMap((f) => f.objects));
  const [project] = byKind(argocd, 'AppProject');
  const [set] = byKind(appSet, 'ApplicationSet');

  it('lists every destination in the AppProject: the namespaces of each environment on its own cluster', () => {
    const destinations: any[] = project.spec.destinations;
    expect(destinations).toEqual(
      expect.arrayContaining([
        { name: 'nonprod', namespace: 'webapp-dev' },
        { name: 'nonprod', namespace: 'webapp-staging' },
        { name: 'prod-us', namespace: 'shop' },
        { server: 'https://eu.k8s.example.com:6443', namespace: 'shop' },
      ]),
    );
    // Every namespace an environment's objects use, on that environment's cluster only.
    for (const { name, objects } of delivered) {
      const cluster = application(argocd, `webapp-${name}`).spec.destination;
      for (const namespace of new Set(objects.map((o: any) => o.metadata.namespace).filter(Boolean))) {
        expect(destinations, `${name}: ${namespace}`).toContainEqual({ ...(cluster.name ? { name: cluster.name } : { server: cluster.server }), namespace });
      }
    }
    expect(destinations.filter((d) => d.server === 'https://kubernetes.default.svc')).toEqual([]);
    expect(destinations.map((d) => JSON.stringify(d))).toEqual([...new Set(destinations.map((d) => JSON.stringify(d)))]);
  });

  it('targets each Application at its cluster, labelled with environment, wave and region, in sync wave 10 + wave', () => {
    const eu = application(argocd, 'webapp-prod-eu');
    expect(eu.spec.destination).toEqual({ server: 'https://eu.k8s.example.com:6443', namespace: 'shop' });
    expect(eu.metadata.labels).toMatchObject({ 'cdk8s-platform/environment': 'prod-eu', 'cdk8s-platform/wave': '3', 'cdk8s-platform/region': 'eu-west-1' });
    expect(application(argocd, 'webapp-prod-us').spec.destination).toEqual({ name: 'prod-us', namespace: 'shop' });
    expect(application(argocd, 'webapp-dev').metadata.labels).not.toHaveProperty(['cdk8s-platform/region']);
    const waves = Object.fromEntries(byKind(argocd, 'Application').map((a) => [a.metadata.name, a.metadata.annotations?.[SYNC_WAVE_ANNOTATION]]));
    expect(waves).toEqual({ 'webapp-dev': '10', 'webapp-staging': '11', 'webapp-prod-us': '12', 'webapp-prod-eu': '13', 'webapp-root': undefined });
  });

  it('rolls out with the ApplicationSet one wave at a time (RollingSync); a wave synced by hand waits (maxUpdate 0)', () => {
    const step = (wave: string) => ({ matchExpressions: [{ key: 'cdk8s-platform/wave', operator: 'In', values: [wave] }] });
    expect(set.spec.strategy).toEqual({ type: 'RollingSync', rollingSync: { steps: [step('0'), step('1'), step('2'), { ...step('3'), maxUpdate: 0 }] } });
    expect(set.spec.goTemplate).toBe(true);
    expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
    // Without progressiveSync, no strategy: every Application is updated at once.
    expect(byKind(argoCdFor({ dev: 'tier: dev\n' }).applicationSet, 'ApplicationSet')[0].spec.strategy).toBeUndefined();
  });

  it('generates with Go templates exactly the Applications of the app of apps, each on its cluster', () => {
    const applications = byKind(argocd, 'Application').filter((a) => a.metadata.name !== 'webapp-root');
    expect(generatedApplications(set)).toEqual(applications.map((a) => ({ metadata: { name: a.metadata.name, labels: a.metadata.labels }, spec: a.spec })));
    // missingkey=error: an element without a key the templates use fails instead of rendering "<no value>".
    const { region: _region, ...withoutRegion } = set.spec.generators[0].list.elements[0];
    expect(() => executeGoTemplate(set.spec.templatePatch, [withoutRegion], set.spec.goTemplateOptions)).toThrow(/map has no entry for key "region"/);
  });

  it('reports a cluster with both name and server, and bad names, regions and waves, with key path and line', () => {
    expect(problemsOfText('tier: prod\ncluster:\n  name: prod-eu\n  server: https://eu.example.com\n')).toEqual([
      'cluster.server (line 4, column 3): set cluster.name or cluster.server, not both: Argo CD rejects a destination with both',
    ]);
    expect(problemsOfText('tier: prod\ncluster: { name: "a b", region: "Eu West" }\nargocd: { wave: 100 }\n')).toEqual([
      'argocd.wave (line 3, column 11): Too big: expected number to be <=99',
      expect.stringMatching(/^cluster\.name \(line 2, column 12\): must be the name of a cluster registered in Argo CD/),
      expect.stringMatching(/^cluster\.region \(line 2, column 25\): must be a label value/),
    ]);
  });

  it('passes the Argo CD CRDs (AppProject, Application, ApplicationSet)', () => {
    expect(validateManifests(argocd)).toEqual([]);
    expect(validateManifests(appSet)).toEqual([]);
  });
});

describe('per-environment Argo CD settings', () => {
  it('derive the rollout wave from the tier unless the environment sets it; one RollingSync step per wave', () => {
    expect([rolloutWave('dev', { enabled: true }), rolloutWave('staging', { enabled: true }), rolloutWave('prod', { enabled: true })]).toEqual([0, 1, 2]);
    expect(rolloutWave('prod', { enabled: true, wave: 5 })).toBe(5);
    const target = (wave: number, autoSync: boolean) => ({
      name: 'n',
      environment: 'e',
      namespace: 'ns',
      targetRevision: 'main',
      destination: { server: 'https://k' },
      wave,
      autoSync,
    });
    const step = (wave: string) => ({ matchExpressions: [{ key: WAVE_LABEL, operator: 'In', values: [wave] }] });
    expect(rolloutSteps([target(5, true), target(0, true), target(5, false), target(2, true)])).toEqual([step('0'), step('2'), { ...step('5'), maxUpdate: 0 }]);
    expect(rolloutSteps([])).toEqual([]);
  });

  it('derive automated sync from the tier unless the environment sets it', () => {
    expect(autoSync('dev', { enabled: true })).toBe(true);
    expect(autoSync('staging', { enabled: true })).toBe(true);
    expect(autoSync('prod', { enabled: true })).toBe(false);
    expect(autoSync('prod', { enabled: true, autoSync: true })).toBe(true);
    expect(autoSync('dev', { enabled: true, autoSync: false })).toBe(false);
  });

  it('override automated sync and the revision, or leave an environment out of Argo CD', () => {
    const { argocd, applicationSet } = argoCdFor({
      canary: 'tier: prod\nargocd: { autoSync: true, targetRevision: release-2 }\n',
      lab: 'tier: dev\nargocd: { enabled: false }\n',
      prod: 'tier: prod\n',
    });
    expect(application(argocd, 'webapp-canary').spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(application(argocd, 'webapp-canary').spec.source.targetRevision).toBe('release-2');
    expect(application(argocd, 'webapp-prod').spec.source.targetRevision).toBe('main');
    expect(application(argocd, 'webapp-lab')).toBeUndefined();
    const destinations: string[] = byKind(argocd, 'AppProject')[0].spec.destinations.map((d: any) => d.namespace);
    expect(destinations).toEqual(expect.arrayContaining(['webapp-canary', 'webapp-prod']));
    expect(destinations.filter((n) => n.startsWith('webapp-lab'))).toEqual([]);
    expect(byKind(applicationSet, 'ApplicationSet')[0].spec.generators[0].list.elements).toEqual([
      { ...element('canary', 'webapp-canary'), targetRevision: 'release-2', autoSync: 'true' },
      { ...element('prod', 'webapp-prod'), targetRevision: 'main', autoSync: 'false' },
    ]);
  });

  it('use the repository path, project, namespace and cluster of config/gitops.yaml', () => {
    const custom = parseGitOps('repoURL: git@github.com:acme/mono.git\npath: platform/dist\nproject: shop\nnamespace: gitops\nserver: https://10.0.0.1:6443\n', 'gitops.yaml');
    const [argocd] = renderArgoCd(custom, [{ name: 'dev', config: configFromYaml('tier: dev\n'), objects: [] }]);
    const objects = argocd.files.flatMap((f) => f.objects);
    const app = application(objects, 'webapp-dev');
    expect(app.metadata.namespace).toBe('gitops');
    expect(app.spec).toMatchObject({
      project: 'shop',
      source: { repoURL: 'git@github.com:acme/mono.git', path: 'platform/dist/dev' },
      destination: { server: 'https://10.0.0.1:6443' },
    });
    const root = application(objects, 'shop-root');
    expect(root.spec.source.path).toBe('platform/dist/argocd');
    // Applications are created where Argo CD runs, whatever cluster the environments go to.
    expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'gitops' });
    expect(validateManifests(objects)).toEqual([]);
  });
});

describe('config/gitops.yaml', () => {
  const problemsOf = (text: string) => problemsOfText(text, parseGitOps);

  it('defaults everything but the repository', () => {
    expect(gitops).toMatchObject({ targetRevision: 'main', path: 'dist', namespace: 'argocd', project: 'webapp', server: 'https://kubernetes.default.svc' });
    expect(problemsOf('targetRevision: main\n')).toEqual(['repoURL: is required: the Git repository Argo CD pulls the manifests from']);
  });

  it('reports mistakes with key path, line and column', () => {
    expect(problemsOf('repoURL: https://git.example.com/p.git\nretry:\n  backoff:\n    duration: 5 seconds\n')).toEqual([
      'retry.backoff.duration (line 4, column 5): must be a duration such as "5s", "3m" or "1h"',
    ]);
    expect(problemsOf('repoURL: https://git.example.com/p.git\nprojct: shop\n')).toEqual([
      'projct (line 2, column 1): unknown key (check the spelling; config/gitops.schema.json lists every setting)',
    ]);
    expect(problemsOf('repoURL: ftp://example.com/p\n')[0]).toMatch(/^repoURL \(line 1, column 1\): must be a Git repository URL/);
  });

  it('is required by a full synthesis', () => {
    expect(() => synthesize({ gitopsFile: '/nonexistent/gitops.yaml' })).toThrow(ConfigError);
  });

  it('keeps environment names from clashing with the Argo CD directories', () => {
    expect(() => loadEnvironment('argocd')).toThrow(/"argocd" is reserved for dist\/argocd\//);
  });
});

describe('Argo Rollouts on the Gateway API (gitops/argocd.ts)', () => {
  const rollouts = 'tier: staging\nrouting: { backend: gateway-api }\ndelivery: { engine: argo-rollouts }\n';
  const { argocd, applicationSet } = argoCdFor({ dev: 'tier: dev\n', staging: rollouts, prod: `${rollouts.replace('staging', 'prod')}` });
  const set = byKind(applicationSet, 'ApplicationSet')[0];

  it('ignores the HTTPRoute weights the plugin sets, only in the environments where a Rollout routes through it', () => {
    const staging = application(argocd, 'webapp-staging');
    expect(staging.spec.ignoreDifferences).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'HTTPRoute',
        jqPathExpressions: ['.spec.rules[].backendRefs[].weight', '.spec.rules[] | select(.name // "" | test("-canary-(header|cookie)(-[0-9]+)?$"))'],
      },
    ]);
    expect(staging.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    expect(application(argocd, 'webapp-dev').spec.ignoreDifferences).toBeUndefined();
    expect(application(argocd, 'webapp-dev').spec.syncPolicy.syncOptions).not.toContain('RespectIgnoreDifferences=true');
  });

  it('generates the same Applications from the ApplicationSet with Go templates (automated or not, with or without weights)', () => {
    const applications = byKind(argocd, 'Application').filter((a) => a.metadata.name !== 'webapp-root');
    expect(generatedApplications(set)).toEqual(applications.map((a) => ({ metadata: { name: a.metadata.name, labels: a.metadata.labels }, spec: a.spec })));
  });
});
