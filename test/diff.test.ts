/**
 * gitops/diff.ts (object and field comparison) and `npm run diff` against a scratch copy of the
 * config and of a synthesized dist/, never the committed one.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { CONFIG_DIGEST_ANNOTATION, chartValuesFiles, configDigest } from '../helm/chart.js';
import { listEnvironments, loadEnvironments } from '../config/load.js';

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { diffCommand, wantsColour } from '../cli/diff.js';
import { capLine, diffFiles, diffManifests, diffValues, fieldPath, formatDiff, formatStat, MAX_LINE, matchItems, objectKey, textDiff, withPlaceholders } from '../gitops/diff.js';
import { writeEnvironments } from '../core/output.js';
import { synthesize } from '../synth/synth.js';
import { REFERENCE_CONFIG_DIR } from './setup/reference.js';

const deployment = (image: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'backend', namespace: 'web', labels: { 'app.kubernetes.io/name': 'backend' } },
  spec: { template: { spec: { containers: [{ name: 'backend', image }] } }, ...extra },
});
const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } };

describe('gitops/diff.ts: long texts', () => {
  it('diffs lines with three lines of context and … between hunks', () => {
    const before = [...'abcdefghijklmnopq'];
    const after = before.map((line) => ({ d: 'X', o: 'O' })[line] ?? line);
    expect(textDiff(before, after)).toEqual(['  a', '  b', '  c', '- d', '+ X', '  e', '  f', '  g', '…', '  l', '  m', '  n', '- o', '+ O', '  p', '  q']);
    expect(textDiff(['same'], ['same'])).toEqual([]);
    expect(textDiff(['x'], ['x', 'y'])).toEqual(['  x', '+ y']);
  });

  it('never prints a dashboard whole: one changed panel title is a few lines, the JSON pretty-printed', () => {
    const dashboard = (title: string) =>
      JSON.stringify({ panels: Array.from({ length: 400 }, (_, i) => ({ id: i, title: i === 200 ? title : `Panel ${i}`, targets: [{ expr: `rate(x_${i}[5m])` }] })) });
    const configMap = (title: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dashboards' }, data: { 'app.json': dashboard(title) } });
    expect(dashboard('CPU').length).toBeGreaterThan(20_000);
    const lines = formatDiff(diffManifests([configMap('CPU')], [configMap('CPU (cores)')]));
    expect(lines.slice(0, 2)).toEqual(['~ ConfigMap/dashboards', '    data["app.json"]: (text, line by line)']);
    expect(lines).toContain('      -       "title": "CPU",');
    expect(lines).toContain('      +       "title": "CPU (cores)",');
    expect(lines.length).toBeLessThan(12);
    expect(lines.join('\n').length).toBeLessThan(600);
  });

  it('shows a long one-line value once old above new, and cuts any line at MAX_LINE characters saying how much is left out', () => {
    const expr = (threshold: number) =>
      `histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="web",service=~"backend|backend-canary"}[5m]))) > ${threshold}`;
    const rule = (threshold: number) => ({ kind: 'PrometheusRule', metadata: { name: 'r' }, spec: { expr: expr(threshold) } });
    expect(formatDiff(diffManifests([rule(0.5)], [rule(0.3)]))).toEqual([
      '~ PrometheusRule/r',
      '    spec.expr:',
      `      - ${JSON.stringify(expr(0.5))}`,
      `      + ${JSON.stringify(expr(0.3))}`,
    ]);
    const cut = capLine('x'.repeat(5000));
    expect(cut.length).toBeLessThan(MAX_LINE);
    expect(cut).toMatch(/^x+ … \((\d+) more characters\)$/);
    expect(cut.indexOf(' … ') + Number(/\((\d+) more/.exec(cut)?.[1])).toBe(5000);
    expect(capLine('short')).toBe('short');
  });

  it('prints a large object or list on one side as YAML, its first lines only', () => {
    const containers = Array.from({ length: 10 }, (_, i) => ({ command: ['sh', '-c', `echo ${i}`], image: 'busybox:1.36' }));
    const pod = (spec: Record<string, unknown>) => ({ kind: 'Pod', metadata: { name: 'p' }, spec });
    const lines = formatDiff(diffManifests([pod({})], [pod({ initContainers: containers })]));
    expect(lines.slice(0, 5)).toEqual(['~ Pod/p', '    spec.initContainers: (absent) -> list of 10', '      + - command:', '      +     - sh', '      +     - -c']);
    expect(lines.at(-1)).toBe('      … 38 more lines');
    expect(lines).toHaveLength(2 + 12 + 1);
  });

  it('colours added, removed and changed lines only when asked', () => {
    const diff = diffManifests([namespace, deployment('a')], [deployment('b')]);
    expect(formatDiff(diff).join('\n')).not.toContain('\x1b[');
    expect(formatDiff(diff, true)).toEqual([
      '\x1b[31m- Namespace/web\x1b[0m',
      '\x1b[33m~ Deployment/web/backend\x1b[0m',
      '    spec.template.spec.containers[name=backend].image: "a" -> "b"',
    ]);
    expect(wantsColour(true, {})).toBe(true);
    expect(wantsColour(true, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColour(true, { NO_COLOR: '' })).toBe(true);
    expect(wantsColour(false, {})).toBe(false);
    expect(wantsColour(undefined, {})).toBe(false);
  });

  it('keeps short values on one line', () => {
    expect(formatDiff(diffManifests([{ kind: 'A', metadata: { name: 'a' }, spec: { x: 'old' } }], [{ kind: 'A', metadata: { name: 'a' }, spec: { x: 'new' } }]))).toEqual([
      '~ A/a',
      '    spec.x: "old" -> "new"',
    ]);
  });
});

describe('gitops/diff.ts', () => {
  it('keys objects by kind/namespace/name (kind/name when cluster-scoped)', () => {
    expect(objectKey(deployment('a'))).toBe('Deployment/web/backend');
    expect(objectKey(namespace)).toBe('Namespace/web');
  });

  it('reports changed, added and removed fields by path', () => {
    expect(diffValues(deployment('a'), deployment('b', { replicas: 2 }))).toEqual([
      { path: 'spec.replicas', before: undefined, after: 2 },
      { path: 'spec.template.spec.containers[name=backend].image', before: 'a', after: 'b' },
    ]);
    expect(diffValues({ list: [1, 2, 3] }, { list: [1, 5] })).toEqual([
      { path: 'list[1]', before: 2, after: 5 },
      { path: 'list[2]', before: 3, after: undefined },
    ]);
    expect(diffValues({ a: { b: 1 } }, { a: 'x' })).toEqual([{ path: 'a', before: { b: 1 }, after: 'x' }]);
    // Items with a unique name (path, containerPort, ...) are matched by it: an insertion is one change.
    const paths = (...list: string[]) => ({ paths: list.map((path) => ({ path, backend: `svc${path}` })) });
    expect(diffValues(paths('/api', '/'), paths('/api', '/admin', '/'))).toEqual([
      { path: 'paths[path=/admin]', before: undefined, after: { path: '/admin', backend: 'svc/admin' } },
    ]);
    expect(diffValues({ env: [{ name: 'A', value: '1' }] }, { env: [{ name: 'A', value: '2' }] })).toEqual([{ path: 'env[name=A].value', before: '1', after: '2' }]);
    // Without a unique key, equal items are matched (longest common subsequence), the rest paired in order.
    expect(diffValues({ l: [{ x: 1 }, { x: 1 }] }, { l: [{ x: 1 }, { x: 2 }] })).toEqual([{ path: 'l[1].x', before: 1, after: 2 }]);
    // A kustomization gaining a file in the middle: one added entry, not every entry after it.
    expect(
      diffValues(
        { resources: ['00-namespace.yaml', '40-ingress.yaml', '50-monitoring.yaml'] },
        { resources: ['00-namespace.yaml', '30-notifier.yaml', '40-ingress.yaml', '50-monitoring.yaml'] },
      ),
    ).toEqual([{ path: 'resources[1]', before: undefined, after: '30-notifier.yaml' }]);
    expect(diffValues({ args: ['a', 'b', 'c', 'd'] }, { args: ['a', 'c', 'd'] })).toEqual([{ path: 'args[1]', before: 'b', after: undefined }]);
    expect(matchItems(['a', 'b', 'c'], ['a', 'x', 'b', 'y'])).toEqual([
      [0, 0],
      [undefined, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(diffValues(deployment('a'), deployment('a'))).toEqual([]);
  });

  it('quotes keys that are not identifiers', () => {
    expect(fieldPath(['metadata', 'annotations', 'argocd.argoproj.io/sync-wave'])).toBe('metadata.annotations["argocd.argoproj.io/sync-wave"]');
    expect(fieldPath(['spec', 'ports', 0, 'targetPort'])).toBe('spec.ports[0].targetPort');
  });

  it('counts objects added, removed and changed per file (--stat)', () => {
    const diff = diffFiles(
      [
        { name: '00-namespace.yaml', objects: [namespace] },
        { name: '30-backend.yaml', objects: [deployment('a')] },
      ],
      [
        { name: '30-backend.yaml', objects: [deployment('b')] },
        {
          name: '30-worker.yaml',
          objects: [
            { kind: 'Deployment', metadata: { name: 'worker' } },
            { kind: 'Service', metadata: { name: 'worker' } },
          ],
        },
      ],
    );
    expect(diff.files).toEqual([
      { file: '00-namespace.yaml', added: 0, removed: 1, changed: 0 },
      { file: '30-backend.yaml', added: 0, removed: 0, changed: 1 },
      { file: '30-worker.yaml', added: 2, removed: 0, changed: 0 },
    ]);
    expect(formatStat(diff)).toEqual(['00-namespace.yaml  1 removed', '30-backend.yaml    1 changed', '30-worker.yaml     2 added']);
  });

  it('sorts objects into added, removed and changed', () => {
    const diff = diffManifests([namespace, deployment('a')], [deployment('b'), { ...namespace, metadata: { name: 'other' } }]);
    expect(diff).toEqual({
      added: ['Namespace/other'],
      removed: ['Namespace/web'],
      changed: [{ key: 'Deployment/web/backend', changes: [{ path: 'spec.template.spec.containers[name=backend].image', before: 'a', after: 'b' }] }],
    });
    expect(formatDiff(diff)).toEqual(['+ Namespace/other', '- Namespace/web', '~ Deployment/web/backend', '    spec.template.spec.containers[name=backend].image: "a" -> "b"']);
  });

  it('replaces environment names, also in derived names and keys, and drops metadata.namespace', () => {
    const objects = [
      { kind: 'ConfigMap', metadata: { name: 'c', namespace: 'web-prod' }, data: { HOST: 'db.web-prod.svc', OTHER: 'web-production', 'web-prod-logs.json': 'loki-web-prod-logs' } },
    ];
    expect(withPlaceholders(objects, { 'web-prod': '<env>' })).toEqual([
      { kind: 'ConfigMap', metadata: { name: 'c' }, data: { HOST: 'db.<env>.svc', OTHER: 'web-production', '<env>-logs.json': 'loki-<env>-logs' } },
    ]);
    expect(objects[0].metadata.namespace).toBe('web-prod');
  });
});

describe('npm run diff', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'diff-cli-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const dist = join(scratch, 'dist');
  const pristine = join(scratch, 'environments');
  cpSync(REFERENCE_CONFIG_DIR, pristine, { recursive: true });
  const synthesis = synthesize({ configDir: pristine });
  writeEnvironments(dist, synthesis.environments, synthesis.argocd);

  /** A copy of the environment files with `edit` applied to prod.yaml. */
  function configWith(name: string, edit: (prod: string) => string): string {
    const dir = join(scratch, name);
    mkdirSync(dir);
    cpSync(pristine, dir, { recursive: true });
    writeFileSync(join(dir, 'prod.yaml'), edit(readFileSync(join(pristine, 'prod.yaml'), 'utf8')));
    return dir;
  }

  function diff(...args: string[]): { code: number; stdout: string; stderr: string } {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
    try {
      return { code: diffCommand(['--dist', dist, ...args]), stdout: stdout.join('\n'), stderr: stderr.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('exits 0 when dist/ is what the config produces', () => {
    const result = diff('--config-dir', pristine);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toContain(`${join(dist, 'prod')}: no differences`);
    expect(result.stdout).toContain(`${join(dist, 'argocd')}: no differences`);
  });

  it('reports only directories synthesis writes: dist/helm/ is not a removed environment, but a stale chart is reported', () => {
    // The chart's files diff reads: its values files and Chart.yaml's config digest (no templates needed).
    const environments = loadEnvironments(listEnvironments(pristine), pristine);
    const { name, files } = chartValuesFiles(environments);
    const chartDir = join(dist, 'helm', name);
    mkdirSync(chartDir, { recursive: true });
    for (const [file, content] of files) writeFileSync(join(chartDir, file), content);
    writeFileSync(join(chartDir, 'Chart.yaml'), `apiVersion: v2\nname: ${name}\nversion: 0.0.0\nannotations:\n  ${CONFIG_DIGEST_ANNOTATION}: ${configDigest(environments)}\n`);
    try {
      const fresh = diff('--config-dir', pristine);
      expect(fresh.code, fresh.stdout).toBe(0);
      expect(fresh.stdout).toContain(`${chartDir}: no differences`);
      expect(fresh.stdout).not.toContain('no environment file produces');
      writeFileSync(join(chartDir, 'Chart.yaml'), 'apiVersion: v2\nname: webapp\nversion: 0.0.0\n');
      const stale = diff('--config-dir', pristine);
      expect(stale.code, stale.stdout).toBe(1);
      expect(stale.stdout).toContain(`${chartDir}: stale: templates/ (generated from another config); run \`npm run synth:helm\``);
      expect(stale.stdout).not.toContain('run `npm run synth`\n');
    } finally {
      rmSync(join(dist, 'helm'), { recursive: true, force: true });
    }
  });

  it('exits 1 and names the field when a setting changed', () => {
    const configDir = configWith('changed', (prod) => prod.replace('  storage:\n    size: 20Gi\n', '  storage:\n    size: 20Gi\n  image: { tag: "7.0.14" }\n'));
    const changed = diff('--config-dir', configDir, '--env', 'prod');
    expect(changed.code, changed.stderr).toBe(1);
    expect(changed.stdout).toContain('~ StatefulSet/webapp-prod/mongodb');
    expect(changed.stdout).toContain('spec.template.spec.containers[name=mongodb].image: "docker.io/library/mongo:7.0" -> "docker.io/library/mongo:7.0.14"');
    expect(changed.stdout).toContain('differs from what the config produces: run `npm run synth`');
  });

  it('prints the summary first; --stat only the summary, --json everything for tools, with the same exit codes', () => {
    const configDir = configWith('summary', (prod) => prod.replace('  storage:\n    size: 20Gi\n', '  storage:\n    size: 20Gi\n  image: { tag: "7.0.14" }\n'));
    const full = diff('--config-dir', configDir);
    expect(full.code).toBe(1);
    const lines = full.stdout.split('\n');
    // The MongoDB image is also the image of its backup CronJob and restore Job (90-backup.yaml, restore/mongodb.yaml).
    const summaryEnd = lines.indexOf(`${join(dist, 'staging')}: no differences`);
    expect(lines.slice(0, 2)).toEqual([`${join(dist, 'dev')}: no differences`, expect.stringMatching(/prod: 0 added, 0 removed, \d+ changed$/)]);
    expect(lines.slice(2, summaryEnd)).toEqual([
      expect.stringMatching(/^ {2}20-mongodb\.yaml +6 changed$/),
      expect.stringMatching(/^ {2}90-backup\.yaml +3 changed$/),
      expect.stringMatching(/^ {2}restore\/mongodb\.yaml +1 changed$/),
    ]);
    expect(lines).toContain('  ~ StatefulSet/webapp-prod/mongodb');
    const stat = diff('--config-dir', configDir, '--stat');
    expect(stat.code).toBe(1);
    expect(stat.stdout).not.toContain('StatefulSet');
    expect(stat.stdout.split('\n').filter((l) => l.startsWith(dist))).toHaveLength(lines.filter((l) => l.startsWith(dist) && l.includes(': ')).length);
    expect(stat.stdout).toMatch(/^ {2}20-mongodb\.yaml +6 changed$/m);
    const json = diff('--config-dir', configDir, '--json');
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout) as {
      differs: boolean;
      sections: { title: string; diff: { changed: { key: string; changes: { path: string; before: string; after: string }[] }[] } }[];
    };
    expect(parsed.differs).toBe(true);
    const mongodb = parsed.sections.find((s) => s.title === join(dist, 'prod'))?.diff.changed.find((c) => c.key === 'StatefulSet/webapp-prod/mongodb');
    expect(mongodb?.changes).toContainEqual({
      path: 'spec.template.spec.containers[name=mongodb].image',
      before: 'docker.io/library/mongo:7.0',
      after: 'docker.io/library/mongo:7.0.14',
    });
    expect(parsed.sections.find((s) => s.title === join(dist, 'prod'))).toMatchObject({
      diff: {
        files: [
          { file: '20-mongodb.yaml', added: 0, removed: 0, changed: 6 },
          { file: '90-backup.yaml', added: 0, removed: 0, changed: 3 },
          { file: 'restore/mongodb.yaml', added: 0, removed: 0, changed: 1 },
        ],
      },
    });
    expect(diff('--config-dir', configDir, '--stat', '--json').code).toBe(2);
    // Colour is the caller's choice (a terminal without NO_COLOR, see wantsColour): the same lines, coloured.
    const colouredLines: string[] = [];
    const coloured = diffCommand(['--dist', dist, '--config-dir', configDir, '--env', 'prod'], { out: (line) => void colouredLines.push(line), err: () => undefined }, true);
    expect(coloured).toBe(1);
    expect(colouredLines).toContain('  \x1b[33m~ StatefulSet/webapp-prod/mongodb\x1b[0m');
    expect(colouredLines.some((l) => l.startsWith('  \x1b[33m20-mongodb.yaml ') && l.endsWith(' 6 changed\x1b[0m'))).toBe(true);
  });

  it('exits 1 and lists an object the config adds', () => {
    const configDir = configWith('added', (prod) => `${prod}\nworkers:\n  mailer:\n    image: { repository: acme/mailer, tag: "1.1.0" }\n`);
    const result = diff('--config-dir', configDir, '--env', 'prod');
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('+ Deployment/webapp-prod/mailer');
  });

  it('exits 1 and lists an object the config removes', () => {
    const configDir = configWith('removed', (prod) => prod.replace('services:\n', 'services:\n  frontend:\n    enabled: false\n'));
    const result = diff('--config-dir', configDir);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stdout).toContain('- Deployment/webapp-prod/frontend');
    expect(result.stdout).toContain(`${join(dist, 'staging')}: no differences`);
  });

  it('exits 2 with the config error', () => {
    const configDir = configWith('broken', (prod) => `${prod}\nredis:\n  shards: 2\n`);
    const result = diff('--config-dir', configDir, '--env', 'prod');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('prod.yaml: invalid configuration\n  - redis.shards');
  });

  it('compares two environments, ignoring their namespace and instance names', () => {
    const result = diff('--config-dir', pristine, '--env', 'staging', '--against', 'prod');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ignored: metadata.namespace, and the namespace and instance names (webapp-prod / webapp-staging), shown as <env>');
    expect(result.stdout).toContain('- Job/mongodb-rs-init');
    expect(result.stdout).toContain('spec.rules[0].host: "app.example.com" -> "staging.app.example.com"');
    const differences = result.stdout.split('\n').filter((line) => !line.includes('ignored:'));
    expect(differences.join('\n')).not.toMatch(/webapp-(prod|staging)/);
    expect(diff('--config-dir', pristine, '--env', 'prod', '--against', 'prod').code).toBe(0);
  });

  /** What a reviewer reads must stay small: total size and the longest line. */
  function expectReadable(stdout: string, maxBytes: number): void {
    expect(Buffer.byteLength(stdout), stdout.slice(0, 2000)).toBeLessThan(maxBytes);
    expect(Math.max(...stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(MAX_LINE);
  }

  it('a new service: its objects listed, one Ingress path and one kustomization entry added, under 20 KB', () => {
    const configDir = configWith('new-service', (prod) =>
      prod.replace('services:\n', 'services:\n  notifier:\n    image: { repository: acme/notifier, tag: "1.0.0" }\n    port: 8080\n    ingress: { paths: [{ path: /notify }] }\n'),
    );
    const result = diff('--config-dir', configDir, '--env', 'prod');
    expect(result.code, result.stderr).toBe(1);
    expectReadable(result.stdout, 20_000);
    expect(result.stdout).toContain('  30-notifier.yaml ');
    expect(result.stdout).toContain('+ Deployment/webapp-prod/notifier');
    expect(result.stdout).toMatch(/paths\[path=\/notify\]: \(absent\) -> \{/);
    // Inserted in the middle of the kustomization's list: that entry only.
    expect(result.stdout).toMatch(/~ Kustomization\n {6}resources\[\d+\]: \(absent\) -> "30-notifier.yaml"\n\n/);
  });

  it('--against prod: staging against prod, under 16 KB with no line over MAX_LINE', () => {
    const result = diff('--config-dir', pristine, '--env', 'staging', '--against', 'prod');
    expect(result.code).toBe(1);
    expectReadable(result.stdout, 16_000);
    expect(result.stdout).toMatch(/spec\.template\.spec\.initContainers: list of 1 -> \(absent\)\n {8}- - command:/);
  });

  it('a dashboard panel change: the changed lines of the dashboard JSON with context, under 4 KB', () => {
    const configDir = configWith('panel', (prod) => `${prod}\nmonitoring:\n  alerts:\n    latency:\n      p95Seconds: 0.3\n`);
    const result = diff('--config-dir', configDir, '--env', 'prod');
    expect(result.code, result.stderr).toBe(1);
    expectReadable(result.stdout, 4_000);
    expect(result.stdout).toContain('data["webapp-prod-overview.json"]: (text, line by line)');
    expect(result.stdout).toContain('-       "description": "The objective is below 500 ms.",');
    expect(result.stdout).toContain('+       "description": "The objective is below 300 ms.",');
    expect(result.stdout).toMatch(/- +"value": 0\.5\n +\+ +"value": 0\.3/);
  });

  it('runs as a real process with the exit code (npm run diff)', async () => {
    const root = new URL('..', import.meta.url).pathname;
    const error = await promisify(execFile)(
      process.execPath,
      ['cli/run.mjs', 'diff', '--dist', dist, '--config-dir', configWith('process', (prod) => prod.replace('size: 20Gi', 'size: 30Gi')), '--env', 'prod'],
      { cwd: root },
    ).catch((e: unknown) => e as { code: number; stdout: string });
    expect(error).toMatchObject({ code: 1, stdout: expect.stringContaining('spec.volumeClaimTemplates[0].spec.resources.requests.storage: "20Gi" -> "30Gi"') });
  });
});
