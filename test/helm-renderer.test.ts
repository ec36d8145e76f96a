/**
 * helm-render (test/helm/renderer), the test-only stand-in for `helm template` and `helm lint`,
 * checked against Helm's behaviour on the tiny chart in test/fixtures/helm-mini: so that the
 * chart tests built on it can trust what it renders. With helm on PATH, the same expectations run
 * against helm, its output must equal helm-render's, and lint must reach the same verdicts.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, type TestContext } from 'vitest';
import { type Helm, HelmRenderError, type HelmLintOptions, type HelmLintResult, helmLint, helmRows, helms, helmTemplate, type HelmTemplateOptions } from './helm/render.js';

const fixture = fileURLToPath(new URL('./fixtures/helm-mini', import.meta.url));
const base: HelmTemplateOptions = { release: 'rel', namespace: 'ns1' };

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh copy of the fixture (in a directory named like the chart, as lint expects), changed by `change`. */
function chartCopy(change: (dir: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'helm-mini-'));
  tempDirs.push(root);
  const dir = join(root, 'helm-mini');
  cpSync(fixture, dir, { recursive: true });
  change(dir);
  return dir;
}

function valuesFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'helm-values-'));
  tempDirs.push(dir);
  writeFileSync(join(dir, 'values.yaml'), text);
  return join(dir, 'values.yaml');
}

const standIn = helms().find((h) => h.name === 'helm-render');
const realHelm = helms().find((h) => h.name === 'helm');

/** The error the renderer fails with (its stderr), or a test failure when it renders. */
function renderError(chartDir: string, opts: HelmTemplateOptions, helm: Helm): string {
  try {
    helmTemplate(chartDir, opts, helm);
  } catch (error) {
    expect(error).toBeInstanceOf(HelmRenderError);
    return (error as HelmRenderError).stderr;
  }
  throw new Error(`expected ${helm.name} to fail`);
}

function configMap(helm: Helm, opts: HelmTemplateOptions = base): { data: Record<string, string>; metadata: Record<string, unknown> } {
  const found = helmTemplate(fixture, opts, helm).objects.find((o) => o.kind === 'ConfigMap');
  if (!found) throw new Error('no ConfigMap rendered');
  return found as never;
}

/**
 * helm-render's lint result, whose messages the tests check word for word; helm, when it is here,
 * must reach the same verdict (its messages are worded differently and vary between releases).
 */
function lint(ctx: TestContext, chartDir: string, opts: HelmLintOptions = {}): HelmLintResult {
  if (!standIn) ctx.skip('helm-render cannot be built here (no Go or no Debian Go sources); helm is used instead');
  const result = helmLint(chartDir, opts, standIn!);
  if (realHelm) expect(helmLint(chartDir, opts, realHelm).ok, `helm lint ${chartDir} agrees`).toBe(result.ok);
  return result;
}

// Without helm there is nothing to compare with (the run says at its start whether helm is used).
if (standIn && realHelm)
  describe('helm-render and helm', () => {
    it.each<[string, HelmTemplateOptions]>([
      ['defaults', base],
      ['an upgrade with extra API versions', { ...base, isUpgrade: true, apiVersions: ['monitoring.coreos.com/v1'] }],
      [
        'typed --set and --set-string values',
        { ...base, set: ['probe.flag=true,probe.count=25', 'probe.fromFile=null,probe.lead=007,list[1]=b,list[0]=a'], setString: ['probe.str=true'] },
      ],
    ])('print the same output (%s)', (_, opts) => {
      expect(helmTemplate(fixture, opts, standIn!).stdout).toBe(helmTemplate(fixture, opts, realHelm!).stdout);
    });
  });

describe.each(helmRows())('%s template', (_, helm) => {
  const result = helmTemplate(fixture, base, helm);
  const data = configMap(helm).data;

  it('prints documents like helm: Source headers, install order by kind, hooks last, no partials, no NOTES.txt, no empty documents', () => {
    expect(result.objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Service', 'Deployment', 'Job']);
    expect(result.documents.every((d) => d.source === 'helm-mini/templates/a.yaml')).toBe(true);
    expect(result.sources.get('helm-mini/templates/a.yaml')).toHaveLength(4);
    expect(result.stdout.startsWith('---\n# Source: helm-mini/templates/a.yaml\n')).toBe(true);
    expect(result.stdout).not.toMatch(/Thanks for installing|_helpers/);
  });

  it('renders the named helpers with include and nindent', () => {
    expect(result.stdout).toContain('  labels:\n    app.kubernetes.io/name: helm-mini\n    app.kubernetes.io/instance: rel\n    team: "platform"\n    tier: "web"\nspec:');
    const deployment = result.objects.find((o) => o.kind === 'Deployment') as { metadata: { name: string } };
    expect(deployment.metadata.name).toBe('rel-helm-mini');
  });

  it('formats toYaml like sigs.k8s.io/yaml: sorted keys, unindented lists, no trailing newline', () => {
    expect(data['config.yaml']).toBe('extra: remove-me\ngreeting: hello\nnested:\n  a: x\n  b: 2\nports:\n- 80\n- 443\n');
    expect(data.imageYaml).toBe('repository: nginx\ntag: "1.25"');
  });

  it('passes an escaped "{{" through as a literal (Prometheus templates in alert rules)', () => {
    expect(data.alert).toBe('Pod {{ $labels.pod }} is down');
  });

  it('exposes .Chart, .Release, .Capabilities and .Template like helm template', () => {
    expect(data).toMatchObject({
      chart: 'helm-mini-0.1.0',
      appVersion: '1.2.3',
      kubeVersion: 'v1.27.0',
      hasApps: 'true',
      hasMonitoring: 'false',
      template: 'helm-mini/templates/a.yaml',
      basePath: 'helm-mini/templates',
      install: 'true/false/1',
    });
    expect(configMap(helm).metadata.namespace).toBe('ns1');
    expect(configMap(helm, { ...base, isUpgrade: true, apiVersions: ['monitoring.coreos.com/v1'] }).data).toMatchObject({
      install: 'false/true/1',
      hasMonitoring: 'true',
    });
  });

  it('behaves like Helm on missing keys, big numbers, tpl and lookup', () => {
    expect(data.missing).toBe(''); // not "<no value>"
    expect(data.big).toBe('1e+06'); // values go through YAML -> JSON: float64
    expect(data.tpl).toBe('nginx:1.25');
    expect(data.lookup).toBe('absent');
  });

  it('fails `required` with its message', () => {
    expect(renderError(fixture, { ...base, set: ['image.repository='] }, helm)).toMatch(
      /^Error: execution error at \(helm-mini\/templates\/a\.yaml:\d+:\d+\): image\.repository is required/,
    );
  });

  it('has no env or expandenv: a template using them does not parse', () => {
    for (const fn of ['env "HOME"', 'expandenv "$HOME"']) {
      const chart = chartCopy((dir) => writeFileSync(join(dir, 'templates/env.yaml'), `a: {{ ${fn} }}\n`));
      expect(renderError(chart, base, helm)).toMatch(/parse error at \(helm-mini\/templates\/env\.yaml:1\): function "(env|expandenv)" not defined/);
    }
  });

  it('coalesces -f files over values.yaml in order, a null deleting the key', () => {
    const first = valuesFile('replicas: 3\nconfig:\n  extra: null\n  added: extra-value\nlabels:\n  team: null\n');
    const second = valuesFile('replicas: 4\n');
    const { objects } = helmTemplate(fixture, { ...base, valuesFiles: [first, second] }, helm);
    const cm = objects.find((o) => o.kind === 'ConfigMap') as { data: Record<string, string> };
    expect(cm.data['config.yaml']).toBe('added: extra-value\ngreeting: hello\nnested:\n  a: x\n  b: 2\nports:\n- 80\n- 443\n');
    const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: { replicas: number }; metadata: { labels: Record<string, string> } };
    expect(deployment.spec.replicas).toBe(4);
    expect(deployment.metadata.labels).toEqual({ 'app.kubernetes.io/name': 'helm-mini', 'app.kubernetes.io/instance': 'rel', tier: 'web' });
  });

  it('types --set values like Helm (bool, int64, null deletes) and keeps --set-string values strings', () => {
    const kinds = configMap(helm, {
      ...base,
      set: ['probe.flag=true,probe.count=25', 'probe.fromFile=null,probe.lead=007,list[1]=b,list[0]=a'],
      setString: ['probe.str=true'],
    }).data;
    expect(kinds.kinds).toBe('count=int64;flag=bool;lead=string;str=string;');
    expect(kinds.list).toBe('["a","b"]');
    expect(data.kinds).toBe('fromFile=float64;');
  });

  it('rejects values that violate values.schema.json', () => {
    const stderr = renderError(fixture, { ...base, set: ['replicas=zero'] }, helm);
    expect(stderr).toContain("values don't meet the specifications of the schema(s) in the following chart(s):\nhelm-mini:\n");
    expect(stderr).toContain('- replicas: Invalid type. Expected: integer, given: string');
    expect(renderError(fixture, { ...base, set: ['image=null'] }, helm)).toContain('- (root): image is required');
  });

  it("checks the chart's kubeVersion and the release name", () => {
    expect(renderError(fixture, { ...base, kubeVersion: 'v1.24.0' }, helm)).toContain('chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.24.0');
    expect(renderError(fixture, { ...base, release: 'Not_Valid' }, helm)).toContain('invalid release name');
  });
});

describe('helm-render lint', () => {
  it('passes the fixture, and does not fail `required` while linting (as helm lint)', (ctx) => {
    expect(lint(ctx, fixture)).toMatchObject({ ok: true, messages: [] });
    expect(lint(ctx, fixture, { set: ['image.repository='] }).ok).toBe(true);
  });

  it('flags a template that does not parse', (ctx) => {
    const chart = chartCopy((dir) => writeFileSync(join(dir, 'templates/bad.yaml'), 'metadata:\n  name: {{ .Values.x\n'));
    const result = lint(ctx, chart);
    expect(result.ok).toBe(false);
    expect(result.messages).toEqual([expect.stringMatching(/^\[ERROR\] templates\/bad\.yaml: parse error at \(helm-mini\/templates\/bad\.yaml:\d+\): unclosed action/)]);
  });

  it('flags a Chart.yaml without version', (ctx) => {
    const chart = chartCopy((dir) => {
      const file = join(dir, 'Chart.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^version:.*\n/m, ''));
    });
    expect(lint(ctx, chart)).toMatchObject({ ok: false, messages: ['[ERROR] Chart.yaml: version is required'] });
    expect(renderError(chart, base, standIn!)).toContain('validation: chart.metadata.version is required');
  });

  it('flags values that violate the schema, and rendered objects with bad names or no kind', (ctx) => {
    expect(lint(ctx, fixture, { set: ['replicas=0'] }).messages).toEqual(['[ERROR] values.yaml: - replicas: Must be greater than or equal to 1']);
    const chart = chartCopy((dir) =>
      writeFileSync(
        join(dir, 'templates/names.yaml'),
        [
          'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ repeat 64 "x" }}',
          'apiVersion: v1\nkind: Service\nmetadata:\n  name: Not_A_Name',
          'apiVersion: v1\nmetadata:\n  name: no-kind',
        ].join('\n---\n'),
      ),
    );
    const result = lint(ctx, chart);
    expect(result.ok).toBe(false);
    expect(result.messages).toEqual([
      `[WARNING] templates/names.yaml: ConfigMap name "${'x'.repeat(64)}" is longer than 63 characters`,
      '[ERROR] templates/names.yaml: Service name "Not_A_Name" must be a DNS-1035 label (at most 63 characters)',
      '[ERROR] templates/names.yaml: object has no kind',
    ]);
  });
});
