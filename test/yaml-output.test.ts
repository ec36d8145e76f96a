/**
 * The bytes we write read back as exactly the objects we meant, for every consumer: kubectl, Helm
 * and Argo CD (sigs.k8s.io/yaml, YAML 1.1: test/go/yaml2json), and YAML 1.2 readers; quantities
 * are in the API server's canonical form; every generated file says it is generated.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generatedHeader, writeEnvironments } from '../core/output.js';
import { bytesOf, canonicalQuantity, cpuToMillicores } from '../config/quantity.js';
import { renderEnvironment } from '../charts/render.js';
import type { Manifest } from '../core/manifest.js';
import { composedMisreadings, isAmbiguousPlainScalar, misreadings, readsAsWrittenUncomposed, toYaml } from '../core/yaml.js';
import { readAsKubectl } from './go/yaml2json.js';
import { helmTemplate } from './helm/render.js';
import { configFromYaml, ENVIRONMENTS, find, renderYaml } from './helpers.js';

/** Strings that YAML 1.1 readers (go-yaml v2) or YAML 1.2 readers resolve to something else. */
const TRAPS = [
  ...['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'false'].flatMap((w) => [w, w.toUpperCase(), w[0].toUpperCase() + w.slice(1)]),
  '~',
  'null',
  'Null',
  'NULL',
  '',
  '0755',
  '0o17',
  '0x1F',
  '0b101',
  '1e3',
  '1E3',
  '.5',
  '5.',
  '.inf',
  '-.Inf',
  '+inf',
  '.NaN',
  '1_000',
  '12:30',
  '1:20:30',
  '2024-01-01',
  '2001-12-14t21:59:43.10-05:00',
  '<<',
  '=',
  '-1',
  '+12',
  '007',
];
/** Strings that stay plain: the output stays readable. */
const PLAIN = ['backend', '1.4.2', '/api', 'app.example.com', 'nginx', 'redis-server', '--appendonly', 'info', 'ok', 'yess', 'inf', 'x:y'];

const caseMixed = fc
  .constantFrom('yes', 'no', 'on', 'off', 'y', 'n', 'true', 'false', 'null')
  .chain((word) => fc.array(fc.boolean(), { minLength: word.length, maxLength: word.length }).map((up) => [...word].map((c, i) => (up[i] ? c.toUpperCase() : c)).join('')));
/** Trap-like strings: fixed traps, any-case booleans, number-like, sexagesimal, dates, and ordinary text. */
const trapString = fc.oneof(
  fc.constantFrom(...TRAPS),
  caseMixed,
  fc.stringMatching(/^[-+]?[0-9_]{1,5}(\.[0-9_]{0,3})?([eE][-+]?[0-9]{1,2})?$/),
  fc.stringMatching(/^[-+]?0[xXoObB][0-9a-fA-F_]{1,4}$/),
  fc.stringMatching(/^[0-9]{1,2}(:[0-5][0-9]){1,2}$/),
  fc.stringMatching(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/),
  fc.string({ maxLength: 12 }),
);

/** The JSON data model of what we meant to write (drops undefined like JSON and YAML writers do). */
const json = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? yamlFiles(path) : name.endsWith('.yaml') ? [path] : [];
  });
}

describe('ambiguous scalars', () => {
  it('quotes every string a YAML 1.1 or 1.2 reader would misread, and nothing ordinary', () => {
    for (const trap of TRAPS) expect(isAmbiguousPlainScalar(trap), trap).toBe(true);
    for (const plain of PLAIN) expect(isAmbiguousPlainScalar(plain), plain).toBe(false);
    expect(toYaml([{ args: ['--appendonly', 'yes'], image: 'redis:7.2.4' }])).toBe('args:\n  - --appendonly\n  - "yes"\nimage: redis:7.2.4\n');
  });

  it('catches a misreading: the bare yes that made the API server reject the Redis StatefulSet', () => {
    const objects = [{ spec: { containers: [{ args: ['redis-server', '--appendonly', 'yes'] }] } }];
    const naive = stringify(objects[0]);
    expect(readAsKubectl(naive)).not.toEqual(objects);
    expect(misreadings(naive, objects)).toEqual(['YAML 1.1, document 1: spec.containers[0].args[2]: wrote string "yes", read boolean true']);
    expect(misreadings(toYaml(objects), objects)).toEqual([]);
  });

  it('reads back every trap, as key and as value, identically under sigs.k8s.io/yaml, YAML 1.1 and YAML 1.2', () => {
    const object = { values: TRAPS, map: Object.fromEntries(TRAPS.filter(Boolean).map((t) => [t, t])), nested: [{ [TRAPS[0]]: { list: TRAPS } }] };
    const text = toYaml([object, object]);
    expect(readAsKubectl(text)).toEqual([object, object]);
    expect(misreadings(text, [object, object])).toEqual([]);
  });

  it('property: any mix of trap-like strings in keys and values reads back as written (fast-check, 300 objects)', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, trapString, fc.integer(), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
      list: fc.array(tie('node'), { maxLength: 4 }),
      map: fc.dictionary(trapString, tie('node'), { maxKeys: 4 }),
    })).map;
    const objects = fc.sample(value, { numRuns: 300 }).map(json) as Record<string, unknown>[];
    const text = toYaml(objects);
    expect(misreadings(text, objects)).toEqual([]);
    expect(readAsKubectl(text)).toEqual(objects);
  });
});

/** `value` with every mapping key prefixed by k- (so that it is a plain string to every reader). */
const prefixKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(prefixKeys)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(Object.entries(value).map(([k, v]) => [`k-${k}`, prefixKeys(v)]))
      : value;

describe('the read-back without composing', () => {
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, trapString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), tie('list'), tie('map')),
    list: fc.array(tie('node'), { maxLength: 4 }),
    map: fc.dictionary(trapString, tie('node'), { maxKeys: 4 }),
  })).map;

  it('property: it accepts only what the composer reads as meant under YAML 1.1 and 1.2 (fast-check, 100 runs)', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 3 }), fc.nat(), (values, pick) => {
        const objects = values.map(json);
        // stringify leaves traps plain; its keys get a prefix so that none is a merge key or a timestamp.
        const prefixed = objects.map(prefixKeys);
        const naive = prefixed.map((o) => stringify(o)).join('---\n');
        const written: [string, unknown[]][] = [
          [toYaml(objects), objects],
          [`# header\n${toYaml(objects)}`, objects],
          [naive, prefixed],
        ];
        for (const [text, wrote] of written) {
          // Also against objects other than those written: one fewer, or one of them changed.
          const changed = wrote.map((o, i) => (i === pick % wrote.length ? { changed: o } : o));
          for (const meant of [wrote, wrote.slice(1), changed]) if (readsAsWrittenUncomposed(text, meant)) expect(composedMisreadings(text, meant)).toEqual([]);
        }
        expect(misreadings(naive, prefixed)).toEqual(composedMisreadings(naive, prefixed));
      }),
      { numRuns: 100 },
    );
  });

  it('leaves the YAML toYaml does not write to the composer: anchors, tags, comments after values, flow content, explicit keys', () => {
    const cases: [string, unknown][] = [
      ['a: &x 1\nb: *x\n', { a: 1, b: 1 }],
      ['a: !!str 1\n', { a: '1' }],
      ['a: 1 # one\n', { a: 1 }],
      ['a: {b: 1}\n', { a: { b: 1 } }],
      ['? a\n: 1\n', { a: 1 }],
      ['%YAML 1.2\n---\na: 1\n', { a: 1 }],
      ['a: 0\na: 1\n', { a: 1 }],
    ];
    for (const [text, object] of cases) {
      expect(readsAsWrittenUncomposed(text, [object]), text).toBe(false);
      expect(misreadings(text, [object]), text).toEqual([]);
    }
  });

  it('never accepts what the composer reports: bad indentation, tabs, long keys, merge keys, misread plain scalars, broken quotes', () => {
    const long = 'k'.repeat(1100);
    const cases: [string, unknown][] = [
      ['a: 1\n b: 2\n', { a: 1, b: 2 }],
      ['a:\n\t- x\n', { a: ['x'] }],
      [`${long}: 1\n`, { [long]: 1 }],
      ['a: yes\n', { a: 'yes' }],
      ['<<: {}\n', { '<<': {} }],
      ['a: 2001-12-14\n', { a: '2001-12-14' }],
      ['a: "unterminated\n', { a: 'unterminated' }],
    ];
    for (const [text, object] of cases) {
      expect(readsAsWrittenUncomposed(text, [object]), text).toBe(false);
      expect(misreadings(text, [object]), text).not.toEqual([]);
    }
  });
});

describe('synthesized files read as written', () => {
  it('every committed file of dist/ reads the same through sigs.k8s.io/yaml as through YAML 1.2, and the read-back decides it without composing', () => {
    const files = yamlFiles('dist').filter((f) => !f.includes(`${join('dist', 'helm')}`));
    expect(files.length).toBeGreaterThan(ENVIRONMENTS.length * 5);
    const texts = files.map((f) => readFileSync(f, 'utf8'));
    const asKubectl = readAsKubectl(texts.join('---\n'));
    const perFile = texts.map((t) => parseAllDocuments(t).map((d) => d.toJS() as unknown));
    // The check synthesis runs on each file decides them without composing (core/yaml.ts).
    for (const [i, text] of texts.entries()) expect(readsAsWrittenUncomposed(text, perFile[i]), files[i]).toBe(true);
    const as12 = perFile.flat().filter((o) => o !== null);
    expect(asKubectl).toEqual(as12);
    const redis = as12.find((o: any) => o.kind === 'StatefulSet' && o.metadata.name === 'redis') as any;
    expect(redis.spec.template.spec.containers[0].args).toContain('yes');
  });

  it('property: configs with trap strings in args, env values, annotations and header values synthesize to files every reader reads as meant', () => {
    const configs = fc.sample(fc.record({ args: fc.array(trapString, { minLength: 1, maxLength: 3 }), env: trapString, annotation: trapString, header: trapString }), {
      numRuns: 6,
    });
    const texts: string[] = [];
    const expected: unknown[] = [];
    configs.forEach((c, i) => {
      const env = renderYaml(
        [
          'services:',
          '  backend:',
          `    args: ${JSON.stringify(c.args)}`,
          `    env: { TRAP_VALUE: ${JSON.stringify(c.env)} }`,
          `    canary: { enabled: true, tag: "2.0.0", header: { name: X-Canary, value: ${JSON.stringify(c.header || 'x')} } }`,
          `ingress: { annotations: { example.com/trap: ${JSON.stringify(c.annotation)} } }`,
        ].join('\n'),
        `trap${i}`,
      );
      for (const file of env.files) {
        texts.push(toYaml(file.objects));
        expected.push(...(json(file.objects) as unknown[]));
        expect(misreadings(texts[texts.length - 1], file.objects), file.name).toEqual([]);
      }
    });
    expect(readAsKubectl(texts.join('---\n'))).toEqual(expected);
  });

  it('writes through the read-back check: the files of an environment with traps everywhere land in dist/ and read as meant', () => {
    const env = renderYaml(
      `services:\n  backend:\n    args: ["--flag", "yes", "0755", "12:30"]\n    env: { ON: "off", NULL_VALUE: "~", RATE: "1_000", WHEN: "2024-01-01" }\n`,
      'traps',
    );
    const out = mkdtempSync(join(tmpdir(), 'yaml-output-'));
    writeEnvironments(out, [env]);
    const deployment = readAsKubectl(
      readFileSync(join(out, 'traps', env.files.find((f) => f.objects.some((o) => o.kind === 'Deployment' && (o.metadata as any).name === 'backend'))!.name), 'utf8'),
    ).find((o: any) => o.kind === 'Deployment') as any;
    expect(deployment.spec.template.spec.containers[0].args).toEqual(['--flag', 'yes', '0755', '12:30']);
    const configMap = readAsKubectl(readFileSync(join(out, 'traps', '30-backend.yaml'), 'utf8')).find((o: any) => o.kind === 'ConfigMap') as any;
    expect(configMap.data).toMatchObject({ ON: 'off', NULL_VALUE: '~', RATE: '1_000', WHEN: '2024-01-01' });
  });

  it('starts every generated file with one comment line naming its config and saying not to edit it', () => {
    const out = mkdtempSync(join(tmpdir(), 'yaml-output-'));
    writeEnvironments(out, [renderYaml('tier: dev', 'dev')]);
    for (const file of yamlFiles(out)) {
      const first = readFileSync(file, 'utf8').split('\n')[0];
      expect(first, file).toBe(generatedHeader('config/environments/dev.yaml').trimEnd());
      expect(first).toMatch(/^# Generated by cdk8s-platform from config\/environments\/dev\.yaml: do not edit/);
    }
    for (const file of yamlFiles('dist')) expect(readFileSync(file, 'utf8'), file).toMatch(/^(# Generated by cdk8s-platform from |<!-- Generated|\{\{- \/\* Generated)/);
  });
});

describe('Helm chart renders read as written', () => {
  it.each(ENVIRONMENTS)('helm template of values-%s.yaml reads the same through sigs.k8s.io/yaml as through YAML 1.2', (env) => {
    const chart = join('dist', 'helm', 'webapp');
    const { stdout, objects } = helmTemplate(chart, { release: `webapp-${env}`, namespace: 'default', valuesFiles: [join(chart, `values-${env}.yaml`)] });
    const as12 = parseAllDocuments(stdout)
      .map((d) => d.toJS() as unknown)
      .filter((o) => o !== null);
    expect(readAsKubectl(stdout)).toEqual(as12);
    expect(objects).toEqual(as12);
  });

  it('values files read the same through sigs.k8s.io/yaml as through YAML 1.2', () => {
    const dir = join('dist', 'helm', 'webapp');
    for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      const text = readFileSync(join(dir, name), 'utf8');
      expect(readAsKubectl(text), name).toEqual(
        parseAllDocuments(text)
          .map((d) => d.toJS() as unknown)
          .filter((o) => o !== null),
      );
    }
  });
});

describe('canonical quantities', () => {
  // Expected forms: what kube-apiserver stores and returns (k8s.io/apimachinery resource.Quantity.String).
  it.each([
    ['1000m', '1'],
    ['2000m', '2'],
    ['1500m', '1500m'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['100m', '100m'],
    ['0', '0'],
    ['0m', '0'],
    ['1024Mi', '1Gi'],
    ['2048Ki', '2Mi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Ki', '512'],
    ['1.1Ki', '1126400m'],
    ['1000', '1k'],
    ['1000k', '1M'],
    ['1.5G', '1500M'],
    ['1000Mi', '1000Mi'],
    ['0.0001', '100u'],
    ['20Gi', '20Gi'],
  ])('%s is stored as %s', (written, stored) => {
    expect(canonicalQuantity(written)).toBe(stored);
  });

  it('property: the canonical form has the same value and is a fixed point', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('m', '', 'k', 'Mi', 'Gi', 'Ki', 'M', 'G'), (n, suffix) => {
        const quantity = `${n}${suffix}`;
        const canonical = canonicalQuantity(quantity);
        expect(canonicalQuantity(canonical)).toBe(canonical);
        if (suffix === 'm') expect(cpuToMillicores(canonical)).toBe(cpuToMillicores(quantity));
        else expect(bytesOf(canonical)).toBe(bytesOf(quantity));
      }),
      { numRuns: 500 },
    );
  });

  it('the config keeps quantities canonical, so a re-apply is unchanged and Argo CD shows no drift', () => {
    const config = configFromYaml('services:\n  backend:\n    resources: { requests: { cpu: "0.25", memory: 1024Mi }, limits: { cpu: 2000m, memory: 2048Mi } }\n');
    expect(config.services.backend.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    const container = find(renderEnvironment('test', config), 'Deployment', 'backend').spec.template.spec.containers[0];
    expect(container.resources).toEqual({ requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } });
    const dist = ENVIRONMENTS.flatMap((name) => yamlFiles(join('dist', name))).map((f) => readFileSync(f, 'utf8'));
    const quantities = (readAsKubectl(dist.join('---\n')) as Manifest[])
      .flatMap((o) => JSON.stringify(o).match(/"(cpu|memory|storage|sizeLimit)":"[^"]*"/g) ?? [])
      .map((m) => m.split('":"')[1].slice(0, -1));
    expect(quantities.length).toBeGreaterThan(20);
    for (const q of quantities) expect(canonicalQuantity(q), q).toBe(q);
  });
});
