/**
 * "No code changes": an adopter adds an environment and a service the way the README says, in a
 * copy of config/, and everything the project promises holds for the result, checked by the same
 * commands a user runs: synth, schema validation, the policy report, `npm run diff`,
 * `kubectl kustomize` and the Helm chart, whose rendering of each environment must equal its
 * manifests. The names are chosen not to collide with the adopter's own config.
 *
 * The service goes into the new environment and the first existing one only: environments that
 * differ in structure must still give a Helm chart equal to their manifests.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, parseDocument } from 'yaml';
import { checkCommand } from '../cli/check.js';
import { diffCommand } from '../cli/diff.js';
import { helmCommand } from '../cli/helm.js';
import { listEnvironments, loadEnvironment } from '../config/load.js';
import { environmentContext } from '../config/context.js';
import { objectKey } from '../gitops/diff.js';
import { validateManifests } from '../core/validate/index.js';
import { synthCommand } from '../main.js';
import { ENVIRONMENTS } from './helpers.js';
import { chartDifferences, manifestsIn } from './helm/compare.js';
import { helmLint, helmRows, helmTemplate } from './helm/render.js';
import { unusedName } from './setup/names.js';

const root = new URL('..', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'adopter-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const configDir = join(scratch, 'config');
const environmentsDir = join(configDir, 'environments');
const outdir = join(scratch, 'dist');
const chartRoot = join(scratch, 'helm');

const committedServices = ENVIRONMENTS.flatMap((name) => {
  const { config } = loadEnvironment(name);
  return [...Object.keys(config.services), ...Object.keys(config.workers)];
});
/** The README's examples, qa and admin, unless the adopter has them already. */
const environment = unusedName('qa', ENVIRONMENTS);
const service = unusedName('admin', committedServices);
/** Where the adopter adds the service: the new environment and the first existing one. */
const withService = [environment, ENVIRONMENTS[0]];
/** The environment the README says a new one starts from (tier: staging), else the first. */
const template = ENVIRONMENTS.find((name) => loadEnvironment(name).config.tier === 'staging') ?? ENVIRONMENTS[0];

/** Edits an environment file the way a person would: keys set in place, comments kept. */
function editEnvironmentFile(name: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const file = join(environmentsDir, `${name}.yaml`);
  const doc = parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, doc.toString());
}

/** Runs a command in-process, collecting what it prints. */
function command(run: (io: { out: (l: string) => void; err: (l: string) => void }) => number): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = run({ out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Runs `run` with CDK8S_OUTDIR (where `npm run check -- --dist` reads) set to the scratch dist/. */
function withOutdir<T>(run: () => T): T {
  const saved = process.env.CDK8S_OUTDIR;
  process.env.CDK8S_OUTDIR = outdir;
  try {
    return run();
  } finally {
    if (saved === undefined) delete process.env.CDK8S_OUTDIR;
    else process.env.CDK8S_OUTDIR = saved;
  }
}

let environments: string[];
let synth: ReturnType<typeof command>;
let chart: ReturnType<typeof command>;

beforeAll(() => {
  cpSync(join(root, 'config'), configDir, { recursive: true });
  // README, "Adding an environment": a copy of an environment file with its own host; the
  // namespace defaults to <app.name>-<env>.
  cpSync(join(environmentsDir, `${template}.yaml`), join(environmentsDir, `${environment}.yaml`));
  editEnvironmentFile(environment, (doc) => {
    doc.set('tier', 'staging');
    doc.delete('namespace');
    doc.setIn(['ingress', 'host'], `${environment}.app.example.com`);
  });
  // README, "Configuration": a workload is data, added with at least an image.
  environments = listEnvironments(environmentsDir);
  for (const name of withService) {
    editEnvironmentFile(name, (doc) => {
      doc.setIn(
        ['services', service],
        doc.createNode({ image: { registry: 'ghcr.io', repository: `acme/${service}`, tag: '2.0.0' }, ingress: { paths: [{ path: `/${service}` }] } }),
      );
    });
  }
  synth = command((io) => synthCommand(['--config-dir', environmentsDir, '--gitops', join(configDir, 'gitops.yaml'), '--outdir', outdir], io, {}));
  chart = command((io) => helmCommand(['--config-dir', environmentsDir, '--outdir', chartRoot], io));
});

describe(`an adopter's new environment and service`, () => {
  it('are synthesized without code changes: the new environment, the service in two environments, Argo CD delivering both', () => {
    expect(environments).toEqual([...ENVIRONMENTS, environment].sort());
    expect(synth, synth.err).toMatchObject({ code: 0 });
    for (const name of environments.filter((e) => !withService.includes(e))) expect(readdirSync(join(outdir, name)), name).not.toContain(`30-${service}.yaml`);
    for (const name of withService) {
      expect(readdirSync(join(outdir, name)), name).toContain(`30-${service}.yaml`);
      const ingressPaths = manifestsIn(join(outdir, name))
        .filter((o) => o.kind === 'Ingress')
        .flatMap((o) => o.spec.rules.flatMap((r: any) => r.http.paths.map((p: any) => p.backend.service.name)));
      expect(ingressPaths, name).toContain(service);
    }
    const argocd = manifestsIn(join(outdir, 'argocd'));
    const namespace = environmentContext(environment, loadEnvironment(environment, environmentsDir).config).namespace;
    const application = argocd.find((o) => o.kind === 'Application' && o.spec.source.path.endsWith(`/${environment}`));
    expect(application?.spec.destination.namespace).toBe(namespace);
    expect(argocd.find((o) => o.kind === 'AppProject')!.spec.destinations.map((d: any) => d.namespace)).toContain(namespace);
  });

  it('validate against the Kubernetes and CRD schemas, as written', () => {
    for (const name of [...environments, 'argocd', 'argocd-applicationset']) {
      expect(validateManifests(manifestsIn(join(outdir, name))), name).toEqual([]);
    }
  });

  it('pass the policy report (npm run check), from the config and from the written files', () => {
    for (const argv of [
      ['--config-dir', environmentsDir],
      ['--dist', '--config-dir', environmentsDir],
    ]) {
      const check = command((io) => withOutdir(() => checkCommand(argv, io)));
      expect(check.code, `${argv.join(' ')}\n${check.out}${check.err}`).toBe(0);
      for (const name of environments) expect(check.out, argv.join(' ')).toMatch(new RegExp(`^${name}: 0 errors, 0 warnings in \\d+ objects$`, 'm'));
      // Exactly the environments: dist/argocd*/ and dist/helm/ are not environments.
      expect(
        check.out
          .match(/^[\w-]+: \d+ errors/gm)
          ?.map((line) => line.split(':')[0])
          .sort(),
        argv.join(' '),
      ).toEqual([...environments].sort());
    }
  });

  it('are what the config produces (npm run diff)', () => {
    const diff = command((io) => diffCommand(['--dist', outdir, '--config-dir', environmentsDir], io));
    expect(diff.code, diff.out).toBe(0);
  });

  it.each(ENVIRONMENTS.concat(environment).sort())('kubectl kustomize prints exactly the synthesized objects of %s', async (name) => {
    const { stdout } = await promisify(execFile)('kubectl', ['kustomize', join(outdir, name)], { maxBuffer: 16 * 1024 * 1024 });
    const printed = parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any>);
    const synthesized = manifestsIn(join(outdir, name));
    expect(printed.map(objectKey).sort()).toEqual(synthesized.map(objectKey).sort());
    expect(new Map(printed.map((o) => [objectKey(o), o]))).toEqual(new Map(synthesized.map((o) => [objectKey(o), o])));
  });
});

describe.each(helmRows())(`the Helm chart of the adopter's config, with %s`, (_, helm) => {
  const chartDir = () => join(chartRoot, loadEnvironment(environment, environmentsDir).config.app.name);

  it('is generated (npm run synth:helm) and passes lint with every environment values file', () => {
    expect(chart, chart.err).toMatchObject({ code: 0 });
    for (const name of environments) {
      const lint = helmLint(chartDir(), { valuesFiles: [join(chartDir(), `values-${name}.yaml`)] }, helm);
      expect(
        lint.messages.filter((m) => m.startsWith('[ERROR]')),
        name,
      ).toEqual([]);
    }
  });

  it.each(ENVIRONMENTS.concat(environment).sort())('renders with values-%s.yaml the objects of its manifests', (name) => {
    const { config } = loadEnvironment(name, environmentsDir);
    const namespace = environmentContext(name, config).namespace;
    // createNamespace=true: dist/<env>/ has the Namespace object, which the chart leaves to --create-namespace by default.
    const rendered = helmTemplate(
      chartDir(),
      { release: `${config.app.name}-${name}`, namespace, valuesFiles: [join(chartDir(), `values-${name}.yaml`)], set: ['createNamespace=true'] },
      helm,
    );
    expect(chartDifferences(rendered.objects, manifestsIn(join(outdir, name)))).toEqual([]);
  });
});
