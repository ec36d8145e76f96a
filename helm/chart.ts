/**
 * The Helm chart (`npm run synth:helm` -> dist/helm/<app>/): templates merged from renderings of
 * the same constructs as dist/<env>/ (helm/variant.ts, merge.ts), values from the environment
 * configs, values.schema.json from the config schema. Pure: returns the files, writes nothing.
 */
import { readFileSync } from 'node:fs';
import { assertReadsAsWritten, toYamlDocument } from '../core/yaml.js';
import { z } from 'zod';
import { configSchema, dnsLabel, type Config } from '../config/schema.js';
import { environmentContext } from '../config/context.js';
import { isPlainObject } from '../config/merge.js';
import { emitValuesYaml, sectionDescription, valuesTable } from './docs.js';
import { Emitter } from './emit.js';
import { CANARY_SERVICE, CHART_ONLY, chartValuesOf, knobsOf, withValueAt, type Knob } from './knobs.js';
import { mergeVariants, type Branch, type TemplateFile, type TNode } from './merge.js';
import { fieldAt } from './schema-walk.js';
import { switchesOf } from './switches.js';
import { partsText, renderVariant } from './variant.js';
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
  // The namespace is always a value: the config's default (<app>-<env>) is written out.
  environments = environments.map(({ name, config }) => ({ name, config: { ...config, namespace: environmentContext(name, config).namespace } }));
  const base = baseEnvironment(environments);
  const chartName = base.config.app.name;
  const knobs = knobsOf(environments.map((e) => e.config));
  const everywhere = (service: string) => environments.every((e) => service in e.config.services);
  const partialServices = new Set(environments.flatMap((e) => Object.keys(e.config.services)).filter((s) => !everywhere(s)));
  const switches = switchesOf(
    knobs,
    optionalGuards,
    environments.map((e) => e.name),
    partialServices,
  );
  const configs = variantConfigs(environments, knobs, (k) => k.values[0] !== 'namespace' && optionalGuards(k).length > 0, opts.drawsPerEnvironment);
  const variants = configs.map((v) => ({ name: v.name, values: chartValuesOf(v.environment, v.config, knobs), output: renderVariant(v.environment, v.config, knobs) }));
  const merged = mergeVariants(variants, switches);
  const createNamespace = switches.findIndex((s) => s.expr === `.Values.${CHART_ONLY.createNamespace}`);

  const dataTemplates = new Map<string, string>();
  for (const file of merged.values()) collectChecksums(file, (configMap) => dataTemplates.set(configMap, `${chartName}.data.${configMap.replace(/[^A-Za-z0-9.-]+/g, '-')}`));
  const emitter = new Emitter({ switches, dataTemplates });

  const files = new Map<string, string>();
  const baseValues = chartValuesOf(base.name, base.config, knobs);
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; description: string };
  files.set('Chart.yaml', chartYaml(chartName, packageJson.version, base.config));
  files.set('.helmignore', HELMIGNORE);
  /** A values file, which must read back as the values it was written from. */
  const setValuesFile = (file: string, text: string, values: unknown) => {
    files.set(file, text);
    assertReadsAsWritten(file, text, [values]);
  };
  setValuesFile('values.yaml', emitValuesYaml(baseValues, knobs, `Defaults: the ${base.name} environment (config/environments/${base.name}.yaml).`), baseValues);
  for (const env of environments) {
    const diff = valuesDiff(baseValues, chartValuesOf(env.name, env.config, knobs)) ?? {};
    const file = `values-${env.name}.yaml`;
    setValuesFile(
      file,
      `# What ${env.name} (config/environments/${env.name}.yaml) changes in values.yaml.\n# helm upgrade --install ${env.config.app.name}-${env.name} dist/helm/${chartName} -f dist/helm/${chartName}/${file}\n${toYamlDocument(diff)}`,
      diff,
    );
  }
  files.set('values.schema.json', `${JSON.stringify(valuesJsonSchema(knobs), null, 2)}\n`);
  files.set('templates/_helpers.tpl', helpersTemplate(chartName));
  const dataDefines: string[] = [];
  for (const [file, template] of merged) {
    const withHooks = template.map((branches) => onlyIfCreatingNamespace(branches, createNamespace).map((b) => ({ ...b, node: withHelmHooks(b.node) })));
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
  files.set(
    'templates/NOTES.txt',
    notesTemplate(
      environments.flatMap((e) => e.config),
      base.config,
    ),
  );
  files.set('README.md', chartReadme(chartName, base, environments, valuesTable(baseValues, knobs)));
  const headed = [...files].map(([path, content]): [string, string] => [path, withGeneratedHeader(path, content)]);
  return { name: chartName, files: new Map(headed.sort(([a], [b]) => a.localeCompare(b))), variants: variants.length };
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

/** Jobs (the MongoDB replica-set init) run as Helm hooks after install and upgrade. */
function withHelmHooks(node: TNode): TNode {
  if (entry(node, 'kind')?.t !== 'lit' || (entry(node, 'kind') as { v: unknown }).v !== 'Job' || node.t !== 'map') return node;
  const hook = (key: string, v: string): { key: string; branches: Branch[] } => ({ key, branches: [{ node: { t: 'lit', v } }] });
  return {
    t: 'map',
    entries: node.entries.map((e) => {
      if (e.key !== 'metadata' || e.branches[0].node.t !== 'map') return e;
      const metadata = e.branches[0].node;
      const annotations = metadata.entries.find((m) => m.key === 'annotations');
      const hooks = [hook('helm.sh/hook', 'post-install,post-upgrade'), hook('helm.sh/hook-delete-policy', 'before-hook-creation,hook-succeeded')];
      const newAnnotations: TNode = { t: 'map', entries: [...((annotations?.branches[0].node as Extract<TNode, { t: 'map' }> | undefined)?.entries ?? []), ...hooks] };
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
  let tree: Tree = {};
  for (const knob of knobs) {
    const field = knob.values[0] === CHART_ONLY.environment ? dnsLabel.describe('Environment name (Grafana dashboard tags).') : fieldAt(configSchema, knob.config).schema;
    tree = withValueAt(tree, knob.values, field);
  }
  tree[CHART_ONLY.createNamespace] = z
    .boolean()
    .default(true)
    .describe('Create the environment namespace (with its Pod Security labels). Set false when it exists already, e.g. with helm --create-namespace.');
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

function chartYaml(name: string, version: string, base: Config): string {
  return toYamlDocument({
    apiVersion: 'v2',
    name,
    description: `The ${name} web stack (Node.js backend, React frontend, MongoDB, Redis, monitoring, logs), generated by cdk8s-platform from config/environments.`,
    type: 'application',
    version,
    appVersion: base.services[CANARY_SERVICE]?.image.tag ?? base.app.version,
    kubeVersion: '>=1.27.0-0',
    keywords: ['nodejs', 'react', 'mongodb', 'redis', 'canary'],
    annotations: { 'generated-by': 'cdk8s-platform (npm run synth:helm); do not edit' },
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

{{/* Namespace of the environment's objects. */}}
{{- define "${chart}.namespace" -}}
{{- .Values.namespace | default .Release.Namespace }}
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
${envs.map((e) => `helm upgrade --install ${base.config.app.name}-${e} dist/helm/${chart} -f dist/helm/${chart}/values-${e}.yaml`).join('\n')}
# a canary of the ${CANARY_SERVICE} at 10%, then 25%:
helm upgrade ${base.config.app.name}-prod dist/helm/${chart} -f dist/helm/${chart}/values-prod.yaml --reuse-values --set canary.enabled=true,canary.tag=1.1.0,canary.weight=10
helm upgrade ${base.config.app.name}-prod dist/helm/${chart} --reuse-values --set canary.weight=25
# rollback: --set canary.enabled=false
\`\`\`

Use the release name \`<app>-<env>\` (e.g. \`${base.config.app.name}-prod\`): it is \`app.kubernetes.io/instance\`, which
selectors include. The chart creates the environment namespace itself (with Pod Security labels); install the
release into another namespace (e.g. \`default\`), or set \`createNamespace=false\` and use \`--create-namespace\`.

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
