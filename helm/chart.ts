/**
 * The Helm chart (`npm run synth:helm` -> dist/helm/<app>/): templates merged from renderings of
 * the same constructs as dist/<env>/ (helm/variant.ts, merge.ts), values from the environment
 * configs, values.schema.json from the config schema. Pure: returns the files, writes nothing.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { assertReadsAsWritten, toYamlDocument } from '../core/yaml.js';
import { z } from 'zod';
import { configSchema, dnsLabel, type Config } from '../config/schema.js';
import { environmentContext } from '../config/context.js';
import { isPlainObject } from '../config/merge.js';
import { CHART_ONLY_DOCS, emitValuesYaml, sectionDescription, valuesTable } from './docs.js';
import { Emitter } from './emit.js';
import { CANARY_SERVICE, CHART_ONLY, chartValuesOf, knobsOf, templateKnobs, valueKnobs, withoutRolloutState, withValuesAt, type Knob } from './knobs.js';
import { mergeVariants, type Branch, type TemplateFile, type TNode } from './merge.js';
import { fieldAt } from './schema-walk.js';
import { switchesOf } from './switches.js';
import { NodeTable, partsText, renderVariant } from './variant.js';
import { variantConfigs } from './variants.js';
import { notesTemplate } from './notes.js';

export interface HelmChart {
  readonly name: string;
  /** Path inside the chart directory -> content. */
  readonly files: ReadonlyMap<string, string>;
  /** How many configs the templates were merged from. */
  readonly variants: number;
}

export interface Environment {
  readonly name: string;
  readonly config: Config;
}

/** Environment whose values are the chart defaults (values.yaml): prod, else the last one. */
function baseEnvironment(environments: readonly Environment[]): Environment {
  return environments.find((e) => e.name === 'prod') ?? environments[environments.length - 1];
}

/** Value paths (prefixes of `knob.values`) that are optional in the schema and so guard a switch. */
function optionalGuards(knob: Knob): string[][] {
  if (knob.config.length === 0) return [];
  const offset = knob.config.length - knob.values.length;
  return fieldAt(configSchema, knob.config)
    .optionalAt.map((length) => knob.values.slice(0, length - offset))
    .filter((path) => path.length > 0);
}

export function buildHelmChart(environments: readonly Environment[], opts: { drawsPerEnvironment?: number } = {}): HelmChart {
  environments = withNamespaces(environments);
  const base = baseEnvironment(environments);
  const chartName = base.config.app.name;
  // Templates come from the configs without rollout state; values files carry the real state.
  const templateSources = environments.map(({ name, config }) => ({ name, config: withoutRolloutState(config) }));
  const allKnobs = knobsOf(templateSources.map((e) => e.config));
  // Recorded rollout state is in the values files and schema only; the templates never read it.
  const knobs = templateKnobs(allKnobs);
  const everywhere = (service: string) => environments.every((e) => service in e.config.services);
  const partialServices = new Set(environments.flatMap((e) => Object.keys(e.config.services)).filter((s) => !everywhere(s)));
  const switches = switchesOf(
    knobs,
    optionalGuards,
    environments.map((e) => e.name),
    partialServices,
  );
  const configs = variantConfigs(templateSources, knobs, (k) => k.values[0] !== 'namespace' && optionalGuards(k).length > 0, opts.drawsPerEnvironment);
  const nodes = new NodeTable(knobs);
  const variants = configs.map((v) => ({ name: v.name, values: chartValuesOf(v.environment, v.config, knobs), output: renderVariant(v.environment, v.config, knobs, nodes) }));
  const merged = mergeVariants(variants, switches);
  const createNamespace = switches.findIndex((s) => s.expr === `.Values.${CHART_ONLY.createNamespace}`);

  const dataTemplates = new Map<string, string>();
  for (const file of merged.values()) collectChecksums(file, (configMap) => dataTemplates.set(configMap, `${chartName}.data.${configMap.replace(/[^A-Za-z0-9.-]+/g, '-')}`));
  const emitter = new Emitter({ switches, dataTemplates });

  const files = new Map<string, string>(valuesFilesOf(environments, allKnobs));
  const baseValues = defaultValues(allKnobs);
  files.set('.helmignore', HELMIGNORE);
  files.set('values.schema.json', `${JSON.stringify(valuesJsonSchema(allKnobs), null, 2)}\n`);
  files.set('templates/_helpers.tpl', helpersTemplate(chartName));
  const dataDefines: string[] = [];
  for (const [file, template] of merged) {
    const withHooks = template.map((branches) => onlyIfCreatingNamespace(branches, createNamespace).map((b) => ({ ...b, node: withHelmAnnotations(b.node) })));
    for (const branches of withHooks) {
      for (const { node } of branches) {
        const name = configMapName(node);
        if (name !== undefined && dataTemplates.has(name))
          // No trim before `end`: it would eat the last line break of a block literal.
          dataDefines.push(`{{- define ${JSON.stringify(dataTemplates.get(name))} -}}\n${emitter.dataBody(dataOf(node))}\n{{ end }}`);
      }
    }
    files.set(`templates/${file.replace(/^\d+-/, '')}`, withHelmLabels(emitter.file(withHooks), chartName));
  }
  files.set(
    'templates/_config-data.tpl',
    `{{- /* ConfigMap data, shared by the ConfigMaps and the checksum/config annotations of the pods that read them. */ -}}\n${dataDefines.join('\n')}\n`,
  );
  files.set('templates/NOTES.txt', notesTemplate(environments));
  files.set('README.md', chartReadme(chartName, base, environments, valuesTable(baseValues, allKnobs)));
  const headed = new Map([...files].map(([path, content]): [string, string] => [path, withGeneratedHeader(path, content)]));
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  headed.set('Chart.yaml', withGeneratedHeader('Chart.yaml', chartYaml(chartName, chartVersion(packageJson.version, headed), base.config, configDigest(environments))));
  return { name: chartName, files: new Map([...headed].sort(([a], [b]) => a.localeCompare(b))), variants: variants.length };
}

/** The environment the chart defaults (values.yaml) describe: the schema defaults, tier prod. */
const DEFAULTS = { name: 'default', tier: 'prod' } as const;

function defaultValues(knobs: readonly Knob[]): Record<string, unknown> {
  return chartValuesOf(DEFAULTS.name, configSchema.parse({ tier: DEFAULTS.tier }), knobs);
}

/**
 * values.yaml (the schema defaults) and values-<env>.yaml (what each environment changes, rollout
 * state included), without the templates: what a rollout step rewrites.
 */
function valuesFilesOf(environments: readonly Environment[], knobs: readonly Knob[]): Map<string, string> {
  const files = new Map<string, string>();
  /** A values file, which must read back as the values it was written from. */
  const setValuesFile = (file: string, text: string, values: unknown) => {
    files.set(file, text);
    assertReadsAsWritten(file, text, [values]);
  };
  const defaults = defaultValues(knobs);
  setValuesFile(
    'values.yaml',
    emitValuesYaml(defaults, knobs, `Defaults: the config schema's (config/schema.ts), tier ${DEFAULTS.tier}. Each environment's own values are in values-<env>.yaml.`),
    defaults,
  );
  for (const env of environments) {
    const diff = valuesDiff(defaults, chartValuesOf(env.name, env.config, knobs)) ?? {};
    const file = `values-${env.name}.yaml`;
    const release = `${env.config.app.name}-${env.name}`;
    const namespace = environmentContext(env.name, env.config).namespace;
    const chart = `dist/helm/${env.config.app.name}`;
    setValuesFile(
      file,
      `# What ${env.name} (config/environments/${env.name}.yaml) changes in values.yaml, rollout state included.\n# helm upgrade --install ${release} ${chart} -n ${namespace} --create-namespace -f ${chart}/${file}\n${toYamlDocument(diff)}`,
      diff,
    );
  }
  return files;
}

/**
 * The chart's values files for these environments (see valuesFilesOf): `npm run canary` rewrites
 * them with dist/<env>/ after each step, without generating the templates again.
 */
export function chartValuesFiles(environments: readonly Environment[]): { name: string; files: Map<string, string> } {
  const prepared = withNamespaces(environments);
  const knobs = knobsOf(prepared.map((e) => withoutRolloutState(e.config)));
  const files = new Map([...valuesFilesOf(prepared, knobs)].map(([path, content]): [string, string] => [path, withGeneratedHeader(path, content)]));
  return { name: baseEnvironment(prepared).config.app.name, files };
}

/** Every environment's namespace written out (the config's default is <app>-<env>). */
function withNamespaces(environments: readonly Environment[]): Environment[] {
  return environments.map(({ name, config }) => ({ name, config: { ...config, namespace: environmentContext(name, config).namespace } }));
}

/**
 * The chart version: the package version with a digest of the templates and the values schema as
 * SemVer build metadata (e.g. 0.2.0+3f9a1c2e7b), so it changes whenever what the chart renders can change.
 */
export function chartVersion(packageVersion: string, files: ReadonlyMap<string, string>): string {
  const hash = createHash('sha256');
  for (const [path, content] of [...files].filter(([p]) => p.startsWith('templates/') || p === 'values.schema.json').sort(([a], [b]) => a.localeCompare(b))) {
    hash.update(`${path}\0${content}\0`);
  }
  return `${packageVersion}+${hash.digest('hex').slice(0, 10)}`;
}

const GENERATED = 'Generated by cdk8s-platform from config/environments/ (npm run synth:helm): do not edit; change the config and generate again.';

/**
 * Every chart file starts by saying it is generated, as a comment of its own language: a Go
 * template comment where the text is printed (NOTES.txt) or is not YAML (_*.tpl), none in
 * values.schema.json (JSON has no comments; its description says it).
 */
function withGeneratedHeader(path: string, content: string): string {
  if (path.endsWith('.json')) return content;
  if (path.endsWith('.md')) return `<!-- ${GENERATED} -->\n${content}`;
  if (path.endsWith('.tpl') || path.endsWith('.txt')) return `{{- /* ${GENERATED} */ -}}\n${content}`;
  return `# ${GENERATED}\n${content}`;
}

function collectChecksums(file: TemplateFile, found: (configMap: string) => void): void {
  const visit = (node: TNode) => {
    if (node.t === 'checksum') found(node.configMap);
    if (node.t === 'map') for (const e of node.entries) for (const b of e.branches) visit(b.node);
    if (node.t === 'list') for (const item of node.items) for (const b of item) visit(b.node);
  };
  for (const branches of file) for (const b of branches) visit(b.node);
}

const entry = (node: TNode | undefined, key: string): TNode | undefined =>
  node?.t === 'map' ? node.entries.find((e) => e.key === key)?.branches.find((b) => !b.condition)?.node : undefined;

function configMapName(node: TNode): string | undefined {
  const kind = entry(node, 'kind');
  if (kind?.t !== 'lit' || kind.v !== 'ConfigMap') return undefined;
  const name = entry(entry(node, 'metadata'), 'name');
  if (name?.t === 'lit') return String(name.v);
  if (name?.t === 'str') return partsText(name.parts);
  return undefined;
}

function dataOf(node: TNode): TNode {
  const data = node.t === 'map' ? node.entries.find((e) => e.key === 'data') : undefined;
  if (data?.branches.length !== 1 || data.branches[0].condition) throw new Error('a ConfigMap whose data a checksum covers must always have its data');
  return data.branches[0].node;
}

/** The environment's Namespace object exists only with `createNamespace` (helm --create-namespace makes it otherwise). */
function onlyIfCreatingNamespace(branches: readonly Branch[], createNamespace: number): readonly Branch[] {
  return branches.map((branch) => {
    const node = branch.node;
    const kind = entry(node, 'kind');
    const name = entry(entry(node, 'metadata') ?? node, 'name');
    const isEnvironmentNamespace = kind?.t === 'lit' && kind.v === 'Namespace' && name?.t === 'str' && partsText(name.parts) === `\${namespace}`;
    if (!isEnvironmentNamespace) return branch;
    const literal = { s: createNamespace, negated: false };
    if (branch.condition && branch.condition.op !== 'and') throw new Error('the environment Namespace has an unexpected condition');
    return { ...branch, condition: { op: 'and', literals: [...(branch.condition?.literals ?? []), literal] } };
  });
}

/**
 * Annotations only Helm reads: Jobs (the MongoDB replica-set init) run as hooks after install and
 * upgrade; Namespaces and PersistentVolumeClaims stay on `helm uninstall` (resource-policy keep),
 * so an uninstall never deletes data. StatefulSet volumes are not the release's: Kubernetes keeps
 * them anyway (https://helm.sh/docs/howto/charts_tips_and_tricks/#tell-helm-not-to-uninstall-a-resource).
 */
function withHelmAnnotations(node: TNode): TNode {
  const kind = entry(node, 'kind');
  const kindName = kind?.t === 'lit' ? kind.v : undefined;
  const added: [string, string][] =
    kindName === 'Job'
      ? [
          ['helm.sh/hook', 'post-install,post-upgrade'],
          ['helm.sh/hook-delete-policy', 'before-hook-creation,hook-succeeded'],
        ]
      : kindName === 'Namespace' || kindName === 'PersistentVolumeClaim'
        ? [['helm.sh/resource-policy', 'keep']]
        : [];
  if (added.length === 0 || node.t !== 'map') return node;
  const literal = ([key, v]: [string, string]): { key: string; branches: Branch[] } => ({ key, branches: [{ node: { t: 'lit', v } }] });
  return {
    t: 'map',
    entries: node.entries.map((e) => {
      if (e.key !== 'metadata' || e.branches[0].node.t !== 'map') return e;
      const metadata = e.branches[0].node;
      const annotations = metadata.entries.find((m) => m.key === 'annotations');
      const newAnnotations: TNode = { t: 'map', entries: [...((annotations?.branches[0].node as Extract<TNode, { t: 'map' }> | undefined)?.entries ?? []), ...added.map(literal)] };
      return {
        key: 'metadata',
        branches: [{ node: { t: 'map', entries: [...metadata.entries.filter((m) => m.key !== 'annotations'), { key: 'annotations', branches: [{ node: newAnnotations }] }] } }],
      };
    }),
  };
}

/** Helm's own labels: managed-by Helm (the release service) and helm.sh/chart next to it. */
function withHelmLabels(text: string, chart: string): string {
  return text.replace(
    /^( *)app\.kubernetes\.io\/managed-by: cdk8s$/gm,
    (_, pad: string) => `${pad}app.kubernetes.io/managed-by: {{ .Release.Service }}\n${pad}helm.sh/chart: {{ include "${chart}.chart" . }}`,
  );
}

/** What `-f values-<env>.yaml` must say over values.yaml: changed leaves, and null for removed keys. */
function valuesDiff(base: unknown, target: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(target)) {
    const diff: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(base), ...Object.keys(target)])) {
      if (!(key in target)) diff[key] = null;
      else if (!(key in base)) diff[key] = target[key];
      else {
        const sub = valuesDiff(base[key], target[key]);
        if (sub !== undefined) diff[key] = sub;
      }
    }
    return Object.keys(diff).length > 0 ? diff : undefined;
  }
  return JSON.stringify(base) === JSON.stringify(target) ? undefined : target;
}

/** The zod schema of the chart values: the config schema's own fields, at the knobs' places. */
function chartValuesSchema(knobs: readonly Knob[]): z.ZodType {
  type Tree = { [key: string]: Tree | z.ZodType };
  const tree = withValuesAt<Tree>(
    {},
    valueKnobs(knobs).map((knob) => [
      knob.values,
      knob.values[0] === CHART_ONLY.environment ? dnsLabel.describe('Environment name (Grafana dashboard tags).') : fieldAt(configSchema, knob.config).schema,
    ]),
  );
  tree[CHART_ONLY.createNamespace] = z.boolean().default(false).describe(CHART_ONLY_DOCS[CHART_ONLY.createNamespace]);
  const toSchema = (node: Tree | z.ZodType, path: string[]): z.ZodType => {
    if (node instanceof z.ZodType) return node;
    const described = path.length > 0 ? sectionDescription(knobs, path) : undefined;
    const object = z.strictObject(Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toSchema(v, [...path, k]).optional()])));
    return described ? object.describe(described) : object;
  };
  return toSchema(tree, []);
}

function valuesJsonSchema(knobs: readonly Knob[]): Record<string, unknown> {
  const schema = z.toJSONSchema(chartValuesSchema(knobs), { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'cdk8s-platform Helm chart values', description: 'Generated from config/schema.ts by `npm run synth:helm`.' };
}

/** Chart.yaml's annotation with the digest of what the templates were generated from (configDigest). */
export const CONFIG_DIGEST_ANNOTATION = 'cdk8s-platform/config-digest';

/**
 * A digest of what the templates are generated from: the environments without rollout state, and
 * the package version. `npm run diff` compares it with the committed chart's to tell a stale chart
 * without generating one.
 */
export function configDigest(environments: readonly Environment[]): string {
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  const sources = withNamespaces(environments).map(({ name, config }) => [name, withoutRolloutState(config)]);
  return createHash('sha256')
    .update(JSON.stringify([packageJson.version, sources]))
    .digest('hex')
    .slice(0, 16);
}

function chartYaml(name: string, version: string, base: Config, digest: string): string {
  return toYamlDocument({
    apiVersion: 'v2',
    name,
    description: `The ${name} web stack (Node.js backend, React frontend, MongoDB, Redis, monitoring, logs), generated by cdk8s-platform from config/environments.`,
    type: 'application',
    version,
    // The application's version, not a service's image tag: a rollout step changes values only.
    appVersion: base.app.version,
    kubeVersion: '>=1.27.0-0',
    keywords: ['nodejs', 'react', 'mongodb', 'redis', 'canary'],
    annotations: { 'generated-by': 'cdk8s-platform (npm run synth:helm); do not edit', [CONFIG_DIGEST_ANNOTATION]: digest },
  });
}

function helpersTemplate(chart: string): string {
  return `{{/*
Helpers of the ${chart} chart. Object names are fixed (backend, mongodb, ...) so that DNS names and
GitOps diffs stay the same as in dist/<env>/; the release name is app.kubernetes.io/instance.
*/}}

{{/* helm.sh/chart label value: <name>-<version>, as \`helm create\` writes it. */}}
{{- define "${chart}.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}
`;
}

const HELMIGNORE = `# Patterns to ignore when building packages (helm package).
.DS_Store
.git/
.gitignore
*.swp
*.bak
*.tmp
*.orig
*~
.idea/
.vscode/
`;

function chartReadme(chart: string, base: Environment, environments: readonly Environment[], table: string): string {
  const envs = environments.map((e) => e.name);
  return `# ${chart} Helm chart

Generated by [cdk8s-platform](../../../README.md) with \`npm run synth:helm\` from \`config/environments/*.yaml\`:
do not edit; change the config and regenerate. Rendering this chart with \`values-<env>.yaml\` gives the
same objects as \`dist/<env>/\` (a test proves it for ${envs.join(', ')}).

## Install

\`\`\`sh
${environments.map((e) => `helm upgrade --install ${base.config.app.name}-${e.name} dist/helm/${chart} -n ${e.config.namespace} --create-namespace -f dist/helm/${chart}/values-${e.name}.yaml`).join('\n')}
# a canary of the ${CANARY_SERVICE} at 10%, then 25%:
helm upgrade ${base.config.app.name}-prod dist/helm/${chart} -f dist/helm/${chart}/values-prod.yaml --reuse-values --set canary.enabled=true,canary.tag=1.1.0,canary.weight=10
helm upgrade ${base.config.app.name}-prod dist/helm/${chart} --reuse-values --set canary.weight=25
# rollback: --set canary.enabled=false
\`\`\`

Use the release name \`<app>-<env>\` (e.g. \`${base.config.app.name}-prod\`): it is \`app.kubernetes.io/instance\`, which
selectors include. Objects go to the release namespace (\`-n\`); \`--create-namespace\` creates it, and NOTES print the
\`kubectl label\` command for its Pod Security labels. \`createNamespace=true\` makes the namespace (with those labels)
part of the chart instead, for tools that apply rendered templates (e.g. Argo CD); it is kept on \`helm uninstall\`.

Uninstalling keeps the data: PersistentVolumeClaims and Namespaces carry \`helm.sh/resource-policy: keep\`, and the
MongoDB/Redis volumes belong to their StatefulSets, which Kubernetes never deletes with them. Delete them by hand
(\`kubectl -n <namespace> delete pvc -l app.kubernetes.io/instance=<release>\`) only when the data must go.

## Prerequisites (not shipped by the chart)

- CRDs of the Prometheus Operator (\`monitoring.coreos.com\`: ServiceMonitor, PrometheusRule${environments.some((e) => Object.keys(e.config.monitoring.receivers).length > 0) ? ', AlertmanagerConfig' : ''}), e.g. from kube-prometheus-stack.
- ingress-nginx, and cert-manager with the ClusterIssuer named in \`ingress.tls.clusterIssuer\` when TLS is on.
- The Secrets the workloads read (never part of the chart): see the main README, Secrets.

## What the chart is made of

Templates are merged from renderings of the cdk8s constructs: each environment, each environment with one
value changed, and seeded random combinations. A value listed below changes the objects exactly as the same
change in \`config/environments/<env>.yaml\` would. Everything else (probes, alert thresholds, network
policies, dashboards) is fixed by the config the chart was generated from. The set of services and the keys of
\`env\` are fixed too: add them in the config, not with \`--set\`.

Template features used, all within Helm 3's documented functions: value lookups; \`if\`/\`else\`, \`and\`,
\`or\`, \`not\`, \`eq\`, \`gt\`, \`hasKey\`, \`ternary\`; \`int\`, \`toString\`, \`toJson\`, \`trimPrefix\`,
\`trimSuffix\`, \`required\`; \`define\`/\`include\` with \`nindent\`; \`fromYaml\`, \`index\` and \`sha256sum\` for the
\`checksum/config\` annotations; \`printf\`, \`replace\`, \`trunc\`, \`trimSuffix\`, \`default\` in \`_helpers.tpl\`.
Literal \`{{\` in content (alert annotations, Grafana legends) is written as \`{{ "{{" }}\`.

## Values

${table}
`;
}

/**
 * Where the committed chart (its files by path) differs from what `npm run synth:helm` would write
 * for these environments, without generating templates: each values file, and the templates when
 * the config they were generated from has changed (Chart.yaml's config digest). Empty: up to date.
 */
export function chartStaleness(environments: readonly Environment[], committed: ReadonlyMap<string, string>): string[] {
  const stale: string[] = [];
  const { files } = chartValuesFiles(environments);
  const committedValues = [...committed.keys()].filter((path) => /^values(-.+)?\.yaml$/.test(path));
  for (const path of [...new Set([...files.keys(), ...committedValues])].sort()) {
    if (committed.get(path) !== files.get(path)) stale.push(path);
  }
  const chartYamlText = committed.get('Chart.yaml');
  const digest = chartYamlText === undefined ? undefined : (parse(chartYamlText) as { annotations?: Record<string, string> } | null)?.annotations?.[CONFIG_DIGEST_ANNOTATION];
  if (digest !== configDigest(environments)) stale.push('templates/ (generated from another config)');
  return stale;
}
