/**
 * The config loader against input that used to crash it or slip through (issue 11): every case
 * ends in a ConfigError naming the key path or the line and column, or in a clean config.
 * Outcomes only: timings are measured by `npm run bench` (section 6), never asserted.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIG_LIMITS, ConfigError, configDefaults, listEnvironments, loadEnvironment, loadGitOps, parseConfig, parseEnvironment, parseGitOps } from '../config/load.js';
import { configSchema } from '../config/schema.js';
import { deepMerge } from '../config/merge.js';

const scratch = mkdtempSync(join(tmpdir(), 'config-loader-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A fresh directory of environment files. */
function environmentsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(scratch, 'environments-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The problems of an environment file's text (straight to the loader: the texts state their tier). */
function problemsOf(text: string, parse: (text: string, file: string) => unknown = parseConfig): string[] {
  try {
    parse(text, 'env.yaml');
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

/** The problems of loading environment `name` from `dir`. */
function loadProblems(name: string, dir: string): string[] {
  try {
    loadEnvironment(name, dir);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`${name} loaded without an error`);
}

const UNKNOWN_RESERVED = 'unknown key (__proto__, constructor, prototype are never settings; config/schema.json lists every setting)';

describe('Prototype keys', () => {
  const prototypeNames = () => Object.getOwnPropertyNames(Object.prototype).sort();

  it('__proto__ is an unknown key, with its line, and moves nothing into another namespace', () => {
    const before = prototypeNames();
    expect(problemsOf('tier: staging\n__proto__: {namespace: kube-system}\n')).toEqual([`__proto__ (line 2, column 1): ${UNKNOWN_RESERVED}`]);
    expect(prototypeNames()).toEqual(before);
    expect(({} as Record<string, unknown>).namespace).toBeUndefined();
  });

  it('__proto__, constructor and prototype are refused at any depth, quoted or in flow style', () => {
    const text = ['tier: prod', 'services:', '  backend:', '    constructor: {replicas: 1}', '    env: {"prototype": x, "__proto__": y}', ''].join('\n');
    expect(problemsOf(text)).toEqual([
      `services.backend.constructor (line 4, column 5): ${UNKNOWN_RESERVED}`,
      `services.backend.env.prototype (line 5, column 11): ${UNKNOWN_RESERVED}`,
      `services.backend.env.__proto__ (line 5, column 27): ${UNKNOWN_RESERVED}`,
    ]);
  });

  it('deepMerge reads only own properties and never sets a prototype; the schema rejects the merged key', () => {
    const before = prototypeNames();
    const base = { app: { name: 'webapp' } };
    const overlay = JSON.parse('{"__proto__": {"polluted": true}, "app": {"__proto__": {"namespace": "kube-system"}}}');
    const merged = deepMerge(base, overlay) as Record<string, any>;

    expect(prototypeNames()).toEqual(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(merged.app)).toBe(Object.prototype);
    expect(merged.polluted).toBeUndefined();
    expect(merged.app.namespace).toBeUndefined();
    expect(Object.getOwnPropertyDescriptor(merged, '__proto__')?.value).toEqual({ polluted: true });
    expect(base).toEqual({ app: { name: 'webapp' } });

    const result = configSchema.safeParse(deepMerge(configDefaults(), JSON.parse('{"tier": "prod", "__proto__": {"namespace": "kube-system"}}')));
    expect(result.success).toBe(false);
    expect(result.error?.issues).toMatchObject([{ code: 'unrecognized_keys', keys: ['__proto__'] }]);
  });
});

describe('YAML warnings are errors', () => {
  const notPlain = 'is not supported: config values are plain strings, numbers, booleans, lists and mappings';

  it('an unresolved tag, e.g. a Python object constructor', () => {
    expect(problemsOf('tier: prod\nnamespace: !!python/object:os.system x\n')).toEqual([`line 2, column 12: YAML tag !!python/object:os.system ${notPlain}`]);
  });
  it('an unknown local tag', () => {
    expect(problemsOf('tier: prod\nservices:\n  backend:\n    replicas: !foo 2\n')).toEqual([`line 4, column 15: YAML tag !foo ${notPlain}`]);
  });
  it('tags the yaml package resolves to non-plain values (binary, timestamp, set)', () => {
    expect(problemsOf('tier: prod\nnamespace: !!binary d2ViYXBw\napp: {version: !!timestamp 2026-01-01}\nimagePullSecrets: !!set {a}\n')).toEqual([
      `namespace (line 2, column 1): YAML tag !!binary ${notPlain}`,
      `app.version (line 3, column 7): YAML tag !!timestamp ${notPlain}`,
      `imagePullSecrets (line 4, column 1): YAML tag !!set ${notPlain}`,
    ]);
  });
  it('other parser warnings (an unknown directive)', () => {
    expect(problemsOf('%FOO bar\n---\ntier: prod\n')).toEqual(['line 1, column 1: YAML: Unknown directive %FOO']);
  });
  it('the core-schema tags stay allowed', () => {
    expect(parseConfig('tier: prod\napp: {version: !!str 2.10}\n', 'prod.yaml').app.version).toBe('2.10');
  });
  it('YAML 1.1, where yes/no are booleans and << merges, is refused', () => {
    expect(problemsOf('%YAML 1.1\n---\ntier: prod\n')).toEqual([
      'line 1, column 1: YAML 1.1 is not supported: config files are YAML 1.2 (in 1.1, yes/no/on/off are booleans and "<<" merges mappings); remove the %YAML directive',
    ]);
  });
});

describe('Pathological YAML ends quickly', () => {
  const tooDeep = `the YAML is nested deeper than ${CONFIG_LIMITS.depth} levels (lists and mappings inside each other; a config needs fewer than 10)`;
  const aliasBomb = [
    'tier: prod',
    'a: &a [x, x, x, x, x, x, x, x, x]',
    ...'bcdefghi'.split('').map((n, i) => `${n}: &${n} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(', ')}]`),
  ].join('\n');

  it(`nesting: ${CONFIG_LIMITS.depth} levels parse, one more is an error at the deepest bracket (a 2 KB "[[[[..." used to overflow the stack)`, () => {
    // The top-level mapping is the first level.
    const nested = (levels: number) => `tier: prod\nx: ${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}\n`;
    expect(problemsOf(nested(CONFIG_LIMITS.depth))).toEqual(['x (line 2, column 1): unknown key (check the spelling; config/schema.json lists every setting)']);
    expect(problemsOf(nested(CONFIG_LIMITS.depth + 1))).toEqual([`line 2, column ${4 + CONFIG_LIMITS.depth - 1}: ${tooDeep}`]);
    expect(problemsOf(`tier: prod\nx: ${'['.repeat(2048)}\n`)).toEqual([expect.stringMatching(/^line 2, column \d+: the YAML is nested deeper than 64 levels/)]);
  });
  it('nesting by indentation, and by "- - - ..." on one line', () => {
    const staircase = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    expect(problemsOf(`tier: prod\n${staircase} 1\n`)).toEqual([`line ${CONFIG_LIMITS.depth + 2}, column ${CONFIG_LIMITS.depth + 1}: ${tooDeep}`]);
    expect(problemsOf(`tier: prod\nx: ${'- '.repeat(50_000)}1\n`)).toEqual([
      `line 2, column 2: more than ${CONFIG_LIMITS.depth} "- ", "? ", ": ", tags or anchors in a row: ${tooDeep}, or a value has several tags or anchors`,
    ]);
  });
  it('an alias bomb ("billion laughs": 9^9 values) is a clear error, not a ReferenceError', () => {
    expect(problemsOf(aliasBomb)).toEqual([
      expect.stringMatching(/^[a-i]\[\d\] \(line \d+, column \d+\): aliases expand the file to more than 1,000,000 values \(an alias bomb\?\): write the values out instead$/),
    ]);
  });
  it('aliases: nesting through them counts, a cycle and a missing anchor are errors, plain reuse works', () => {
    const chain = Array.from({ length: 4 }, (_, i) => `a${i}: &a${i} ${'['.repeat(20)}${i ? `*a${i - 1}` : '1'}${']'.repeat(20)}`).join('\n');
    expect(problemsOf(`tier: prod\n${chain}\n`)).toEqual([
      expect.stringMatching(/^a3(\[0\]){20} \(line 5, column 29\): the YAML is nested deeper than 64 levels .*counting what alias \*a2 stands for$/),
    ]);
    expect(problemsOf('tier: prod\nimagePullSecrets: &s [a, *s]\n')).toEqual([
      'imagePullSecrets[1] (line 2, column 26): alias *s is inside the value it names (&s), which would make it endless',
    ]);
    expect(problemsOf('tier: prod\nnamespace: *ns\n')).toEqual(['namespace (line 2, column 1): alias *ns names no anchor: put &ns on a value before it']);
    const config = parseConfig('tier: prod\nservices:\n  backend: {resources: &r {limits: {cpu: "2"}}}\n  frontend: {resources: *r}\n', 'prod.yaml');
    expect(config.services.frontend.resources.limits.cpu).toBe('2');
  });
  it('a mapping of 100,000 keys is one clean "unknown keys" error (duplicates are found in one pass, not by the quadratic check)', () => {
    const keys = Array.from({ length: 100_000 }, (_, i) => `k${i}: 0`);
    expect(problemsOf(`tier: prod\n${keys.join('\n')}\n`)).toEqual([
      'k0 (line 2, column 1): unknown keys "k0", "k1", "k2", "k3", "k4" and 99995 more (check the spelling; config/schema.json lists every setting)',
    ]);
    expect(problemsOf(`tier: prod\n${keys.slice(0, 20_000).join('\n')}\nk7: 1\n`)).toEqual([
      'k7 (line 20002, column 1): duplicate key: already set at line 9, column 1; a mapping may set each key once',
    ]);
  });
  it('keys that are equal once read (1 and "1") are duplicates; keys that are lists or mappings are refused', () => {
    expect(problemsOf('tier: prod\nservices:\n  backend:\n    env:\n      1: a\n      "1": b\n')).toEqual([
      'services.backend.env.1 (line 6, column 7): duplicate key: already set at line 5, column 7; a mapping may set each key once',
    ]);
    expect(problemsOf('tier: prod\n? [a, b]\n: 1\n')).toEqual(['(top level) (line 2, column 3): a key must be a name, not a list or a mapping']);
  });
  it(`files above ${CONFIG_LIMITS.bytes} bytes are refused before parsing, as text and as a file`, () => {
    const text = `tier: prod\n# ${'x'.repeat(CONFIG_LIMITS.bytes)}\n`;
    const expected = `the file is 1.0 MiB (${CONFIG_LIMITS.bytes + 14} bytes); config files are limited to 1 MiB (${CONFIG_LIMITS.bytes} bytes): a real one is a few KB, and the limit keeps a runaway file from stalling synthesis`;
    expect(problemsOf(text)).toEqual([expected]);
    expect(loadProblems('big', environmentsDir({ 'big.yaml': text }))).toEqual([expected]);
  });
  it('a second document, however many follow, is an error at its start', () => {
    expect(problemsOf(`tier: prod\n${'---\ntier: dev\n'.repeat(50_000)}`)).toEqual([
      'line 2, column 1: YAML syntax error: a second document starts here; a config file is a single YAML document',
    ]);
  });
});

describe('Syntax errors point where the problem starts', () => {
  const rest = 'services:\n  backend:\n    replicas: 1\nmongodb:\n  enabled: true\n';

  it('an unclosed quote: the line where it opens, not the end of the file', () => {
    const message = (q: string) => `line 2, column 12: YAML syntax error: this ${q} quote is never closed (the string runs on to the end of the file)`;
    expect(problemsOf(`tier: prod\nnamespace: "webapp\n${rest}`)).toEqual([message('"')]);
    expect(problemsOf(`tier: prod\nnamespace: 'webapp\n${rest}`)).toEqual([message("'")]);
  });
  it('an unclosed "[" or "{", also nested, and a quote inside one', () => {
    const list = 'YAML syntax error: this "[" is not closed by a "]" (a list written over several lines must also indent them more than its key)';
    const mapping = 'YAML syntax error: this "{" is not closed by a "}" (a mapping written over several lines must also indent them more than its key)';
    expect(problemsOf(`tier: prod\nimagePullSecrets: [a, b\n${rest}`)).toEqual([`line 2, column 19: ${list}`]);
    expect(problemsOf(`tier: prod\nredis: {enabled: true\n${rest}`)).toEqual([`line 2, column 8: ${mapping}`]);
    expect(problemsOf(`tier: prod\nservices: {backend: {uses: [redis}\n${rest}`)).toEqual([
      `line 2, column 11: ${mapping}`,
      `line 2, column 21: ${mapping}`,
      `line 2, column 28: ${list}`,
    ]);
    expect(problemsOf(`tier: prod\nimagePullSecrets: [a, "b]\n${rest}`)).toEqual([
      `line 2, column 19: ${list}`,
      'line 2, column 23: YAML syntax error: this " quote is never closed (the string runs on to the end of the file)',
    ]);
  });
  it('a flow list continued on a line that is not indented: at its "["', () => {
    expect(problemsOf('tier: prod\nimagePullSecrets: [a,\nb]\n')[0]).toMatch(/^line 2, column 19: YAML syntax error: this "\[" is not closed/);
  });
  it('bad indentation and tab indentation: at the line that has it', () => {
    expect(problemsOf('tier: prod\nservices:\n  backend:\n    replicas: 1\n   port: 3\nmongodb:\n  enabled: true\n')).toEqual([
      'line 5, column 1: YAML syntax error: All mapping items must start at the same column',
    ]);
    expect(problemsOf('tier: prod\nservices:\n\tbackend:\n    replicas: 1\nmongodb:\n  enabled: true\n')).toEqual([
      'line 3, column 1: YAML syntax error: Tabs are not allowed as indentation',
    ]);
  });
});

describe('Empty environment file, or one without tier', () => {
  const missingTier = 'tier: missing: an environment file must set tier at the top level: dev, staging or prod';

  it('an empty or comment-only staging.yaml is an error, not prod with its host and issuer', () => {
    const dir = environmentsDir({ 'staging.yaml': '', 'qa.yaml': '# to do\n' });
    expect(loadProblems('staging', dir)).toEqual([missingTier]);
    expect(loadProblems('qa', dir)).toEqual([missingTier]);
  });
  it('a file without tier: the other problems are reported with it', () => {
    expect(() => parseConfig('namespace: webapp-qa\n', 'qa.yaml')).toThrow(missingTier);
    let problems: string[] = [];
    try {
      parseConfig('services:\n  backend:\n    replicas: -1\n', 'qa.yaml');
    } catch (error) {
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([missingTier, 'services.backend.replicas (line 3, column 5): Too small: expected number to be >=0']);
  });
  it('a tier under another key does not count', () => {
    expect(problemsOf('app:\n  tier: dev\n')).toEqual([missingTier, 'app.tier (line 2, column 3): unknown key (check the spelling; config/schema.json lists every setting)']);
  });
  it('config/gitops.yaml needs no tier', () => {
    expect(loadGitOps()).toBeTruthy();
    expect(problemsOf('', parseGitOps).join('\n')).not.toContain('tier');
  });
});

describe('An environment "file" that is a directory, or unreadable', () => {
  it('a directory named like an environment file is listed, and loading it is a ConfigError', () => {
    const dir = environmentsDir({ 'dev.yaml': 'tier: dev\n' });
    mkdirSync(join(dir, 'qa.yaml'));
    expect(listEnvironments(dir)).toEqual(['dev', 'qa']);
    expect(loadProblems('qa', dir)).toEqual(['is a directory, not a YAML file']);
    expect(() => loadGitOps(join(dir, 'qa.yaml'))).toThrow(ConfigError);
  });
  it('a symlink loop or a dangling symlink', () => {
    const dir = environmentsDir({});
    symlinkSync('loop.yaml', join(dir, 'loop.yaml'));
    symlinkSync('nowhere', join(dir, 'gone.yaml'));
    expect(loadProblems('loop', dir)).toEqual(['cannot be read (ELOOP)']);
    expect(loadProblems('gone', dir)).toEqual(['no such environment file (environments: gone, loop)']);
  });
  it('a regular file that cannot be read: an I/O error (Linux /proc/self/mem), and no read permission where the test user has one', () => {
    const dir = environmentsDir({ 'denied.yaml': 'tier: staging\n' });
    symlinkSync('/proc/self/mem', join(dir, 'io.yaml'));
    expect(loadProblems('io', dir)).toEqual(['cannot be read (EIO)']);
    chmodSync(join(dir, 'denied.yaml'), 0o000);
    // root reads any file whatever its mode (CI runs as root): then the mode changes nothing.
    if (process.getuid?.() === 0) expect(loadEnvironment('denied', dir).config.tier).toBe('staging');
    else expect(loadProblems('denied', dir)).toEqual(['cannot be read (permission denied)']);
  });
});

describe('Rules wiring', () => {
  it('rule errors name the key path with its line and column, like schema problems', () => {
    expect(problemsOf('tier: prod\nnamespace: kube-system\n')).toEqual([
      expect.stringMatching(/^namespace \(line 2, column 1\): "kube-system" is a namespace Kubernetes reserves/),
    ]);
  });
  it('rule warnings do not fail: they come back as "<file>: <path> (line L, column C): <message>", also from loadEnvironment', () => {
    const text = 'tier: staging\nnamespace: kube-apps\nlogs: {enabled: false}\n';
    const warning = /^(.*\/)?staging\.yaml: namespace \(line 2, column 1\): "kube-apps": the prefix "kube-" is reserved/;
    const parsed = parseEnvironment(text, 'staging.yaml');
    expect(parsed.config.namespace).toBe('kube-apps');
    expect(parsed.warnings).toEqual([expect.stringMatching(warning)]);
    expect(loadEnvironment('staging', environmentsDir({ 'staging.yaml': text })).warnings).toEqual([expect.stringMatching(warning)]);
  });
  it('formats exactly what the rules return: paths in the file located, others and [] without a line', () => {
    const rules = () => [
      { path: ['services', 'backend', 'replicas'], message: 'a warning', severity: 'warning' as const },
      { path: ['ingress', 'host'], message: 'another warning', severity: 'warning' as const },
      { path: [], message: 'a whole-file warning', severity: 'warning' as const },
    ];
    const text = 'tier: prod\nservices:\n  backend:\n    replicas: 3\n';
    expect(parseEnvironment(text, 'prod.yaml', { rules }).warnings).toEqual([
      'prod.yaml: services.backend.replicas (line 4, column 5): a warning',
      'prod.yaml: ingress.host: another warning',
      'prod.yaml: (top level): a whole-file warning',
    ]);
    const errors = () => rules().map((p) => ({ ...p, severity: 'error' as const }));
    expect(() => parseEnvironment(text, 'prod.yaml', { rules: errors })).toThrow(
      'prod.yaml: invalid configuration\n  - services.backend.replicas (line 4, column 5): a warning\n  - ingress.host: another warning\n  - (top level): a whole-file warning',
    );
  });
});
