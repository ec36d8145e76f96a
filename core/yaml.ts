/**
 * YAML as every consumer reads it. The `yaml` package writes YAML 1.2, where `yes`, `on`, `0755`,
 * `1_000` or `12:30` are strings; but `kubectl apply -f`, Helm and Argo CD parse manifests with
 * sigs.k8s.io/yaml (go-yaml v2, YAML 1.1 rules), where they are a bool, an octal or decimal int, a
 * sexagesimal number. A bare `yes` in container args made the API server reject the Redis
 * StatefulSet ("cannot unmarshal bool into ... args of type string"). So every string scalar
 * (values and keys) that any of those readers would resolve to something other than the same
 * string is written double-quoted, and `assertReadsAsWritten` re-reads the bytes under both YAML
 * versions and fails on any difference.
 */
import { Composer, CST, Document, isScalar, Parser, visit, type Scalar, type ScalarTag } from 'yaml';

/** Plain scalars each reader resolves to a non-string, by version, from the `yaml` package's own schemas. */
const YAML_SCHEMA_TESTS: readonly RegExp[] = (['1.1', '1.2'] as const).flatMap((version) =>
  new Document(null, { version }).schema.tags.flatMap((tag) => ('test' in tag && tag.test instanceof RegExp ? [tag.test] : [])),
);

/**
 * What go-yaml v2 (behind sigs.k8s.io/yaml) resolves beyond those: its resolve table (y/n/on/off
 * in any listed case, `<<`), and any plain scalar starting like a number that Go's
 * strconv.ParseInt(s, 0, 64) or ParseFloat accepts after it strips every `_` (0o17, 0X1F, 1_000,
 * +inf, 0x1p3, 1e3). https://github.com/go-yaml/yaml/blob/v2.4.0/resolve.go
 */
const GO_YAML_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|~|null|Null|NULL|<<|=)$/;
/** go-yaml v2 tries these only on plain scalars that start with a digit, a sign or a dot. */
const GO_YAML_NUMBERS: readonly RegExp[] = [
  /^[-+]?(?:0[bB][01_]+|0[oO]?[0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$/,
  /^[-+]?(?:[0-9_]*\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?|0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*[pP][-+]?[0-9_]+)$/,
  /^[-+]?\.?(?:inf(?:inity)?|nan)$/i,
];

/** True when some YAML reader would not read `text`, written as a plain scalar, as that same string. */
export function isAmbiguousPlainScalar(text: string): boolean {
  if (text === '' || GO_YAML_WORDS.test(text) || YAML_SCHEMA_TESTS.some((test) => test.test(text))) return true;
  return /^[-+.0-9]/.test(text) && GO_YAML_NUMBERS.some((test) => test.test(text));
}

const WRITE_OPTIONS = { lineWidth: 0, minContentWidth: 0 } as const;

/** Marks every string scalar of `doc` (keys and values) that some reader could misread as double-quoted. */
export function quoteAmbiguousScalars(doc: Document.Parsed | Document): void {
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && !node.value.includes('\n') && isAmbiguousPlainScalar(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
}

/** One YAML document for `value`, with every string any reader could misread double-quoted. */
export function toYamlDocument(value: unknown): string {
  const doc = new Document(value);
  quoteAmbiguousScalars(doc);
  return doc.toString(WRITE_OPTIONS);
}

/** A one-line scalar (a string without line breaks, a number, a bool or null) as safe YAML text. */
export function yamlScalar(value: string | number | boolean | null): string {
  // A YAML document per scalar is slow, and templates repeat their scalars (helm/emit.ts).
  const key = typeof value === 'string' ? value : undefined;
  const known = key === undefined ? undefined : scalarTexts.get(key);
  if (known !== undefined) return known;
  const text = toYamlDocument(value).trimEnd();
  if (key !== undefined) scalarTexts.set(key, text);
  return text;
}

/** yamlScalar of strings already written. */
const scalarTexts = new Map<string, string>();

/** Multi-document YAML, deterministic: same objects, same bytes. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map(toYamlDocument).join('---\n');
}

class MisreadYamlError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file} would not read back as written (a bug in cdk8s-platform):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'MisreadYamlError';
  }
}

/**
 * Re-reads `text` as YAML 1.1 and as YAML 1.2 and compares each document with the intended
 * object; returns one line per difference ("YAML 1.1, document 2: spec.args[3]: ..."), [] when
 * both read exactly `objects`.
 */
export function misreadings(text: string, objects: readonly unknown[]): string[] {
  const tokens = [...new Parser().parse(text)];
  return tokensReadAs(tokens, objects) ? [] : composedMisreadings(tokens, objects);
}

/** misreadings as the yaml package's composer sees them: each document composed under both versions, converted and compared. */
export function composedMisreadings(text: string | readonly CST.Token[], objects: readonly unknown[]): string[] {
  const tokens = typeof text === 'string' ? [...new Parser().parse(text)] : text;
  const problems: string[] = [];
  // Lexing and parsing do not depend on the version; only composing (tag resolution) does.
  for (const version of ['1.1', '1.2'] as const) {
    const docs = [...new Composer({ version, uniqueKeys: false }).compose(tokens)];
    const read = docs.map((d) => d.toJS({ maxAliasCount: -1 }) as unknown);
    if (read.length !== objects.length) problems.push(`YAML ${version}: ${read.length} documents, expected ${objects.length}`);
    for (let i = 0; i < Math.min(read.length, objects.length); i++) {
      const difference = firstDifference(objects[i], read[i], '');
      if (difference) problems.push(`YAML ${version}, document ${i + 1}: ${difference}`);
    }
    for (const doc of docs) for (const e of [...doc.errors, ...doc.warnings]) problems.push(`YAML ${version}: ${e.message.split('\n')[0]}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------
// The read-back of what toYaml writes, without composing documents: composing under both versions
// and converting cost more than writing the files. The parser's tokens (CST) are walked beside
// the intended objects; every scalar is resolved as the composer does (CST.resolveAsScalar, then
// the first tag of each version's schema whose test matches a plain scalar). Only the shape toYaml
// writes is judged here: block mappings and sequences, empty flow collections, plain, quoted and
// block scalars, comments outside documents or at their start. Anything else (anchors, tags,
// comments after values, tabs, explicit keys, directives, errors) and any difference is left to
// the composer, which also words the problems.
// ---------------------------------------------------------------------------

const SCHEMAS = (['1.1', '1.2'] as const).map((version) => {
  const { schema, options } = new Document(null, { version, uniqueKeys: false });
  const tags = schema.tags as ScalarTag[];
  const tested = (atKey: boolean) => tags.filter((t) => (t.default === true || (atKey && t.default === 'key')) && t.test);
  // Most plain scalars match no tag: one alternation of every test rules that out at once (without
  // flags only: a flag would change what the alternation matches; then every scalar tries each test).
  const anyTest = (atKey: boolean) => {
    const tests = tested(atKey).map((t) => t.test as RegExp);
    return tests.every((test) => test.flags === '') ? new RegExp(tests.map((test) => `(?:${test.source})`).join('|')) : /(?:)/;
  };
  return { tags, options, anyTest: [anyTest(false), anyTest(true)] };
});

/** True when `text` reads as `meant` both ways: `meant` is a string, `atKey` tells a mapping key. */
function plainReadsAs(text: string, meant: unknown, atKey: boolean): boolean {
  for (const { tags, options, anyTest } of SCHEMAS) {
    const tag = anyTest[atKey ? 1 : 0].test(text) ? tags.find((t) => (t.default === true || (atKey && t.default === 'key')) && t.test?.test(text)) : undefined;
    let read: unknown = text;
    if (tag?.resolve) {
      let failed = false;
      const resolved: unknown = tag.resolve(
        text,
        () => {
          failed = true;
        },
        options,
      );
      if (failed) return false;
      read = isScalar(resolved) ? resolved.value : resolved;
    }
    if (!(Object.is(meant, read) || meant === read)) return false;
  }
  return true;
}

/** The value of a scalar token, undefined when the composer would report a problem with it. */
function scalarValue(token: CST.FlowScalar | CST.BlockScalar): string | undefined {
  let failed = false;
  const resolved = CST.resolveAsScalar(token, true, () => {
    failed = true;
  });
  return failed || !resolved ? undefined : resolved.value;
}

/**
 * White space without tabs and, when `indicator` is given, that indicator once; with `first`,
 * nothing before it. Comments only after white space when `comments`.
 */
function plainSeparation(tokens: readonly CST.SourceToken[], indicator?: CST.SourceToken['type'], first = false, comments = false): boolean {
  let found = indicator === undefined;
  for (let i = 0; i < tokens.length; i++) {
    const { type, source } = tokens[i];
    if (type === indicator && !found && (!first || i === 0)) found = true;
    else if (type === 'comment') {
      const before = i > 0 ? tokens[i - 1].type : undefined;
      if (!comments || (before !== undefined && before !== 'newline' && before !== 'space')) return false;
    } else if (type !== 'newline' && (type !== 'space' || source.includes('\t'))) return false;
  }
  return found;
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const definedKeys = (value: Record<string, unknown>): string[] => Object.keys(value).filter((key) => value[key] !== undefined);

/** True when the node `token` (undefined: an empty node) reads as `meant` under both versions. */
function nodeReadsAs(token: CST.Token | undefined, meant: unknown): boolean {
  if (token === undefined) return plainReadsAs('', meant, false);
  switch (token.type) {
    case 'scalar':
    case 'single-quoted-scalar':
    case 'double-quoted-scalar': {
      if (!plainSeparation(token.end ?? [])) return false;
      const value = scalarValue(token);
      if (value === undefined) return false;
      return token.type === 'scalar' ? plainReadsAs(value, meant, false) : value === meant;
    }
    case 'block-scalar':
      return scalarValue(token) === meant && typeof meant === 'string';
    case 'flow-collection': {
      const [close, ...rest] = token.end;
      const empty = token.items.length === 0 && plainSeparation(rest);
      if (token.start.source === '{') return empty && close?.type === 'flow-map-end' && isMapping(meant) && definedKeys(meant).length === 0;
      return empty && close?.type === 'flow-seq-end' && Array.isArray(meant) && meant.length === 0;
    }
    case 'block-seq':
      if (!Array.isArray(meant) || meant.length !== token.items.length) return false;
      return token.items.every((item, i) => plainSeparation(item.start, 'seq-item-ind') && nodeReadsAs(item.value, meant[i]));
    case 'block-map':
      return mappingReadsAs(token, meant);
    default:
      return false;
  }
}

/** A block mapping of single-line implicit keys, each key once and each read as a string key of `meant`. */
function mappingReadsAs(map: CST.BlockMap, meant: unknown): boolean {
  if (!isMapping(meant) || definedKeys(meant).length !== map.items.length) return false;
  const seen = new Set<string>();
  for (const item of map.items) {
    const { start, key, sep, value } = item;
    if ('explicitKey' in item && item.explicitKey) return false;
    if (!key || !sep || !plainSeparation(start) || !plainSeparation(sep, 'map-value-ind', true)) return false;
    if (key.type !== 'scalar' && key.type !== 'single-quoted-scalar' && key.type !== 'double-quoted-scalar') return false;
    // The composer's limits on implicit keys: one line, same column, `:` within 1024 characters.
    if (key.indent !== map.indent || key.source.includes('\n') || !plainSeparation(key.end ?? []) || sep[0].offset - key.offset > 1024) return false;
    const name = scalarValue(key);
    if (name === undefined || seen.has(name) || !Object.hasOwn(meant, name) || meant[name] === undefined) return false;
    if (key.type === 'scalar' && !plainReadsAs(name, name, true)) return false;
    seen.add(name);
    const newline = sep.some((t) => t.type === 'newline');
    if ((value?.type === 'block-map' || value?.type === 'block-seq') && !newline) return false;
    if (value?.type === 'flow-collection' && newline) return false;
    if (!nodeReadsAs(value, meant[name])) return false;
  }
  return true;
}

/**
 * True when `text` is in the shape toYaml writes and reads exactly as `objects` under YAML 1.1 and
 * 1.2, decided without composing; false also when it cannot tell (misreadings then composes).
 */
export function readsAsWrittenUncomposed(text: string, objects: readonly unknown[]): boolean {
  return tokensReadAs([...new Parser().parse(text)], objects);
}

function tokensReadAs(tokens: readonly CST.Token[], objects: readonly unknown[]): boolean {
  let documents = 0;
  for (const token of tokens) {
    if (token.type === 'document') {
      if (documents === objects.length || (!plainSeparation(token.start, 'doc-start', true, true) && !plainSeparation(token.start, undefined, false, true))) return false;
      if (!plainSeparation(token.end ?? [], undefined, false, true)) return false;
      const value = token.value;
      const startLine = token.start.some((t) => t.type === 'doc-start') && !token.start.some((t) => t.type === 'newline');
      if (startLine && (value?.type === 'block-map' || value?.type === 'block-seq')) return false;
      if (!nodeReadsAs(value, objects[documents++])) return false;
    } else if (!plainSeparation([token as CST.SourceToken], undefined, false, true)) return false;
  }
  return documents === objects.length;
}

/** Throws MisreadYamlError naming `file` when `text` does not read back as `objects` under YAML 1.1 and 1.2. */
export function assertReadsAsWritten(file: string, text: string, objects: readonly unknown[]): void {
  const problems = misreadings(text, objects);
  if (problems.length) throw new MisreadYamlError(file, problems);
}

/** Path and values of the first place where `read` differs from `meant` (JSON data model), or undefined. */
function firstDifference(meant: unknown, read: unknown, path: string): string | undefined {
  const at = path || '(document)';
  if (Array.isArray(meant)) {
    if (!Array.isArray(read)) return `${at}: expected a list, read ${describe(read)}`;
    if (meant.length !== read.length) return `${at}: expected ${meant.length} items, read ${read.length}`;
    for (let i = 0; i < meant.length; i++) {
      const difference = firstDifference(meant[i], read[i], `${path}[${i}]`);
      if (difference) return difference;
    }
    return undefined;
  }
  if (typeof meant === 'object' && meant !== null) {
    if (typeof read !== 'object' || read === null || Array.isArray(read)) return `${at}: expected a mapping, read ${describe(read)}`;
    const meantKeys = Object.keys(meant).filter((k) => (meant as Record<string, unknown>)[k] !== undefined);
    const readKeys = Object.keys(read);
    const extra = readKeys.filter((k) => !meantKeys.includes(k));
    if (extra.length) return `${at}: unexpected key ${JSON.stringify(extra[0])}`;
    for (const key of meantKeys) {
      if (!(key in read)) return `${at}: key ${JSON.stringify(key)} is missing`;
      const difference = firstDifference((meant as Record<string, unknown>)[key], (read as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
      if (difference) return difference;
    }
    return undefined;
  }
  return Object.is(meant, read) || meant === read ? undefined : `${at}: wrote ${describe(meant)}, read ${describe(read)}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}
