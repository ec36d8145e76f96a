/**
 * Reads environment files: YAML -> overlay on the schema defaults -> validated Config.
 * Every user mistake becomes a ConfigError that names the file, the key path (with line and
 * column when the key is in the file) and what is expected; nothing is thrown past it, whatever
 * the input: reading is bounded in size, depth and alias expansion, and linear in the file's size.
 */
import { existsSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Composer, CST, isAlias, isMap, isNode, isScalar, isSeq, Lexer, LineCounter, Parser, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { z } from 'zod';
import { resolveFileSources } from './files.js';
import { isPlainObject, setOwnProperty, type PlainObject } from './merge.js';
import { GITOPS_FILE, gitopsSchema, type GitOpsConfig } from './gitops.js';
import { layeredConfig } from './layers.js';
import { crossEnvironmentProblems, environmentProblems, type ConfigProblem, type EnvironmentSetProblem } from './rules.js';
import { configSchema, TIERS, type Config } from './schema.js';

export const ENVIRONMENTS_DIR = fileURLToPath(new URL('./environments/', import.meta.url));
const ENVIRONMENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Directories of dist/ that hold Argo CD objects, not an environment. */
const RESERVED_ENVIRONMENT_NAMES: readonly string[] = ['argocd', 'argocd-applicationset'];

/**
 * Limits on a config file. A real environment file is a few KB and about 6 levels deep; each limit
 * is far above that and keeps a mistaken or hostile file from crashing or stalling synthesis.
 */
export const CONFIG_LIMITS = {
  /** Bytes, checked before parsing: the YAML parser reads roughly 1 MB per second. */
  bytes: 1024 * 1024,
  /**
   * Lists and mappings inside each other, also counting what aliases expand to. The `yaml`
   * package recurses once per level and runs out of stack near 1000 levels.
   */
  depth: 64,
  /**
   * Values (scalars, lists, mappings) a file stands for once its aliases are expanded. A file
   * within the byte limit writes out at most about 500k values, so only alias bombs ("billion
   * laughs": aliases of aliases, each repeating the one before) reach this.
   */
  values: 1_000_000,
  /** Problems listed in one ConfigError; the rest are counted. */
  problems: 25,
} as const;

/** Keys that name JavaScript object internals: never settings, and unsafe to merge. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(
    readonly file: string,
    problems: string[],
  ) {
    const shown = capped(problems);
    super(`${displayPath(file)}: invalid configuration\n${shown.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = shown;
  }
}

function capped(problems: string[]): string[] {
  const max = CONFIG_LIMITS.problems;
  return problems.length <= max ? problems : [...problems.slice(0, max - 1), `... and ${problems.length - max + 1} more problems`];
}

export interface LoadedEnvironment {
  readonly name: string;
  readonly file: string;
  readonly config: Config;
  /** Warnings about the file ("<file>: <key> (line L, column C): <message>"): printed, not fatal. */
  readonly warnings: readonly string[];
  /** "<key path> (line L, column C)": where the file states a key path (for problems found later). */
  readonly where: (path: readonly PropertyKey[]) => string;
}

/** A validated environment and the warnings about it. */
export interface ParsedEnvironment {
  readonly config: Config;
  readonly warnings: string[];
  readonly where: (path: readonly PropertyKey[]) => string;
}

/** Names of the environments that have a file in `dir`, sorted. */
export function listEnvironments(dir = ENVIRONMENTS_DIR): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

export function environmentFile(name: string, dir = ENVIRONMENTS_DIR): string {
  return join(dir, `${name}.yaml`);
}

/** Loads one environment by name; throws ConfigError for anything the user got wrong. */
export function loadEnvironment(name: string, dir = ENVIRONMENTS_DIR): LoadedEnvironment {
  const file = environmentFile(name, dir);
  if (!ENVIRONMENT_NAME.test(name)) {
    throw new ConfigError(file, [`"${name}" is not a valid environment name: use lowercase letters, digits and "-"`]);
  }
  if (RESERVED_ENVIRONMENT_NAMES.includes(name)) {
    throw new ConfigError(file, [`"${name}" is reserved for dist/${name}/ (Argo CD objects): choose another environment name`]);
  }
  const text = readConfigFile(file, () => `no such environment file (environments: ${listEnvironments(dir).join(', ') || 'none'})`);
  return { name, file, ...parseEnvironment(text, file, { appFile: appFileOf(dir) }) };
}

/**
 * The application layer of the environments in `dir`: app.yaml in the folder that holds `dir`
 * (config/app.yaml for config/environments/). Every key optional; every environment is an overlay on it.
 */
export function appFileOf(dir = ENVIRONMENTS_DIR): string {
  return join(dir, '..', 'app.yaml');
}

/**
 * Loads several environments and checks the rules between them (config/rules.ts
 * crossEnvironmentProblems: e.g. two environments in one namespace): errors throw a ConfigError
 * against the later file, warnings join that environment's warnings.
 */
export function loadEnvironments(names: readonly string[], dir = ENVIRONMENTS_DIR): LoadedEnvironment[] {
  const loaded = names.map((name) => loadEnvironment(name, dir));
  const problems = crossEnvironmentProblems(loaded);
  const located = (p: EnvironmentSetProblem) => {
    const env = loaded.find((candidate) => candidate.file === p.file);
    if (!env) throw new Error(`a problem of ${p.file}, which is none of the environments loaded`);
    return `${env.where(p.path)}: ${p.message}`;
  };
  const failing = problems.find((p) => p.severity === 'error');
  if (failing) throw new ConfigError(failing.file, problems.filter((p) => p.severity === 'error' && p.file === failing.file).map(located));
  return loaded.map((env) => ({
    ...env,
    warnings: [...env.warnings, ...problems.filter((p) => p.file === env.file).map((p) => `${displayPath(env.file)}: ${located(p)}`)],
  }));
}

/**
 * zod compiles a parser for each object schema on its first use (new Function); a command parses a
 * few configs, for which interpreting the schema is faster.
 */
const JITLESS = { jitless: true } as const;

let defaultsCache: unknown;
/** The fully defaulted configuration, which every environment file is an overlay on. */
export function configDefaults(): unknown {
  defaultsCache ??= configSchema.parse({}, JITLESS);
  return structuredClone(defaultsCache);
}

export interface EnvironmentOptions {
  /** The rules checked after the schema (tests replace them). */
  readonly rules?: typeof environmentProblems;
  /** The application layer's file (appFileOf): omitted, or a file that does not exist, is no layer. */
  readonly appFile?: string;
  /**
   * The file's text on disk when `text` is an edit of it in memory (npm run canary): problems cite
   * lines of the file as it is on disk, a key the edit adds at the nearest key the file states.
   */
  readonly onDisk?: string;
}

const ENVIRONMENT_SCHEMA_FILE = 'config/schema.json';

/**
 * Parses and validates the text of an environment file (its name is the file's base name): the
 * layers of config/layers.ts (schema defaults, the application layer `options.appFile`, the tier's
 * workload defaults, the environments it `extends`, read from its folder, and the file itself),
 * then the schema, then the rules of config/rules.ts, whose errors fail like schema errors and
 * whose warnings are returned. Every problem names the file and line that state the value.
 */
export function parseEnvironment(text: string, file: string, options: EnvironmentOptions = {}): ParsedEnvironment {
  const edited = readLayer(text, file, ENVIRONMENT_SCHEMA_FILE);
  const own = options.onDisk === undefined ? edited : { ...readLayer(options.onDisk, file, ENVIRONMENT_SCHEMA_FILE), raw: edited.raw };
  const chain = extendedLayers(own);
  const app = options.appFile === undefined ? undefined : readAppLayer(options.appFile);
  const where = layeredWhere([...chain].reverse().concat(app ?? []), file);
  const problems: string[] = [];
  // An environment file without a tier would silently be prod, with prod's host and issuer.
  if (!chain.some((layer) => Object.hasOwn(layer.raw, 'tier'))) {
    const tiers = `${TIERS.slice(0, -1).join(', ')} or ${TIERS[TIERS.length - 1]}`;
    problems.push(
      chain.length === 1
        ? `tier: missing: an environment file must set tier at the top level: ${tiers}`
        : `tier: missing: neither this file nor the environments it extends (${chain
            .slice(0, -1)
            .map((l) => environmentNameOf(l.file))
            .reverse()
            .join(', ')}) set tier at the top level: ${tiers}`,
    );
  }
  const result = configSchema.safeParse(
    layeredConfig(
      configDefaults(),
      app?.raw,
      chain.map((layer) => layer.raw),
    ),
    JITLESS,
  );
  if (!result.success) problems.push(...result.error.issues.map((issue) => describeIssue(issue, where, ENVIRONMENT_SCHEMA_FILE)));
  if (problems.length || !result.success) throw new ConfigError(file, problems);
  const config = result.data;
  // Workload files with a `source` are read relative to the config directory (the one holding environments/).
  const sourceProblems = resolveFileSources(config, dirname(dirname(file)));
  const ruleProblems = sourceProblems.length ? sourceProblems : (options.rules ?? environmentProblems)(environmentNameOf(file), config);
  const describe = (p: ConfigProblem) => `${where(p.path)}: ${p.message}`;
  const errors = ruleProblems.filter((p) => p.severity === 'error').map(describe);
  if (errors.length) throw new ConfigError(file, errors);
  return { config, warnings: ruleProblems.filter((p) => p.severity === 'warning').map((p) => `${displayPath(file)}: ${describe(p)}`), where };
}

/** parseEnvironment without the warnings. */
export function parseConfig(text: string, file: string, options: EnvironmentOptions = {}): Config {
  return parseEnvironment(text, file, options).config;
}

/** Keys of an environment file that the application layer, shared by all environments, may not set. */
const ENVIRONMENT_ONLY_KEYS: Readonly<Record<string, string>> = {
  tier: 'the tier is what kind of environment a file is: set it in each environment file, not in the application layer',
  extends: 'only an environment file extends another environment; the application layer is under every environment already',
};

/** The application layer, or undefined when its file does not exist. */
function readAppLayer(file: string): Layer | undefined {
  if (!existsSync(file)) return undefined;
  const layer = readLayer(
    readConfigFile(file, () => 'no such file'),
    file,
    ENVIRONMENT_SCHEMA_FILE,
  );
  const problems = Object.entries(ENVIRONMENT_ONLY_KEYS)
    .filter(([key]) => Object.hasOwn(layer.raw, key))
    .map(([key, message]) => `${layer.where([key])}: ${message}`);
  if (problems.length) throw new ConfigError(file, problems);
  return layer;
}

/**
 * The environment files `own` stands on: the one it extends (its `extends`, a file in the same
 * folder), the one that one extends, and so on; the first extended first, `own` last.
 */
function extendedLayers(own: Layer): Layer[] {
  const dir = dirname(own.file);
  const chain = [own];
  const names = [environmentNameOf(own.file)];
  for (let layer = own; Object.hasOwn(layer.raw, 'extends'); ) {
    const parent = layer.raw.extends;
    const at = layer.where(['extends']);
    if (typeof parent !== 'string' || !ENVIRONMENT_NAME.test(parent)) {
      throw new ConfigError(layer.file, [`${at}: must be the name of another environment, whose file is in the same folder (e.g. "prod" for prod.yaml)`]);
    }
    if (names.includes(parent)) {
      throw new ConfigError(layer.file, [
        `${at}: ${[...names, parent].map((n) => `"${n}"`).join(' extends ')}: environments cannot extend each other in a cycle; one of them must stand on its own (with tier, not extends)`,
      ]);
    }
    const file = environmentFile(parent, dir);
    if (!existsSync(file)) {
      throw new ConfigError(layer.file, [
        `${at}: there is no environment "${parent}" to extend (no file ${displayPath(file)}; environments: ${listEnvironments(dir).join(', ') || 'none'})`,
      ]);
    }
    layer = readLayer(
      readConfigFile(file, () => 'no such environment file'),
      file,
      ENVIRONMENT_SCHEMA_FILE,
    );
    chain.unshift(layer);
    names.push(parent);
  }
  return chain;
}

/** Loads config/gitops.yaml (the Argo CD settings shared by all environments). */
export function loadGitOps(file = GITOPS_FILE): GitOpsConfig {
  return parseGitOps(
    readConfigFile(file, () => 'no such file: it holds the Argo CD settings (repoURL, ...) of all environments'),
    file,
  );
}

export function parseGitOps(text: string, file: string): GitOpsConfig {
  return parseYamlFile(text, file, gitopsSchema, 'config/gitops.schema.json').data;
}

/** The text of a config file; anything but a readable regular file within the size limit is a ConfigError. */
function readConfigFile(file: string, missing: () => string): string {
  const unreadable = (error: unknown): ConfigError => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return new ConfigError(file, [missing()]);
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? String(error));
    return new ConfigError(file, [`cannot be read (${reason})`]);
  };
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    throw unreadable(error);
  }
  if (stats.isDirectory()) throw new ConfigError(file, ['is a directory, not a YAML file']);
  if (!stats.isFile()) throw new ConfigError(file, ['is not a regular file (a device, pipe or socket): a config is a YAML file']);
  if (stats.size > CONFIG_LIMITS.bytes) throw new ConfigError(file, [sizeProblem(stats.size)]);
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw unreadable(error);
  }
}

function sizeProblem(bytes: number): string {
  return (
    `the file is ${(bytes / 1024 / 1024).toFixed(1)} MiB (${bytes} bytes); config files are limited to 1 MiB (${CONFIG_LIMITS.bytes} bytes): ` +
    'a real one is a few KB, and the limit keeps a runaway file from stalling synthesis'
  );
}

interface ParsedFile<T> {
  readonly data: T;
  /** "<key path> (line L, column C)": a key path of the data, with where the file states it (if it does). */
  readonly where: (path: readonly PropertyKey[]) => string;
}

/** One config file as plain data, with where it states each key path. */
interface Layer {
  readonly file: string;
  readonly raw: PlainObject;
  /** Where the file states the longest prefix of `path` that it states, and how many keys long that prefix is. */
  readonly locate: (path: readonly PropertyKey[]) => Location | undefined;
  /** "<key path> (line L, column C)", with the position when the file states the path (or a prefix of it). */
  readonly where: (path: readonly PropertyKey[]) => string;
}

interface Location {
  readonly depth: number;
  readonly line: number;
  readonly col: number;
}

/** YAML text -> a mapping of plain data; every problem becomes a ConfigError with lines and columns. */
function readLayer(text: string, file: string, schemaFile: string): Layer {
  const { doc, lines } = readYaml(text, file);
  const raw = yamlData(doc, lines, file, schemaFile) ?? {};
  if (!isPlainObject(raw)) {
    throw new ConfigError(file, ['the file must contain a mapping of settings (key: value), not a list or a single value']);
  }
  const locate = locator(doc, lines);
  return { file, raw, locate, where: (path) => describePath(path, locate(path)) };
}

function describePath(path: readonly PropertyKey[], at: Location | undefined, file?: string): string {
  const position = at ? `${file ? `${displayPath(file)}, ` : ''}line ${at.line}, column ${at.col}` : '';
  return `${formatPath(path) || '(top level)'}${position ? ` (${position})` : ''}`;
}

/**
 * "<key path> (line L, column C)" for the layers of one environment, highest precedence first:
 * the layer that states the most of the path says where it comes from (on a tie, the higher one),
 * named when it is not `file` itself: "<key path> (config/app.yaml, line L, column C)".
 */
function layeredWhere(layers: readonly Layer[], file: string): (path: readonly PropertyKey[]) => string {
  return (path) => {
    let best: { layer: Layer; at: Location } | undefined;
    for (const layer of layers) {
      const at = layer.locate(path);
      if (at && (!best || at.depth > best.at.depth)) best = { layer, at };
    }
    return describePath(path, best?.at, best && best.layer.file !== file ? best.layer.file : undefined);
  };
}

/** YAML text -> validated value (config/gitops.yaml; the schema's own defaults apply). */
function parseYamlFile<S extends z.ZodType>(text: string, file: string, schema: S, schemaFile: string): ParsedFile<z.infer<S>> {
  const { raw, where } = readLayer(text, file, schemaFile);
  const result = schema.safeParse(raw, JITLESS);
  if (!result.success)
    throw new ConfigError(
      file,
      result.error.issues.map((issue) => describeIssue(issue, where, schemaFile)),
    );
  return { data: result.data, where };
}

// ---------------------------------------------------------------------------
// YAML text -> document: size and depth limits, syntax errors where they start, warnings as errors.
// ---------------------------------------------------------------------------

interface Located {
  readonly offset: number;
  readonly message: string;
}

const TOO_DEEP = `the YAML is nested deeper than ${CONFIG_LIMITS.depth} levels (lists and mappings inside each other; a config needs fewer than 10)`;

/**
 * The `yaml` package's errors for a quote or bracket that is never closed point where it gave up
 * (often the end of the file); scanTokens reports each of those where it opens instead.
 */
const UNCLOSED_ERROR = /^(Missing closing ['"]quote|Flow (sequence|map) (in block collection )?must (be sufficiently indented and )?end with a [\]}])$/;

/**
 * More indicators ("- ", "? ", ": ", tags, anchors) in a row than the depth limit, outside
 * full-line comments. "- - - x" nests a list per "- ", and more than one tag or anchor on a value
 * is an error; the package's lexer recurses once per indicator in a row, each further token passing
 * through the whole chain, so thousands take seconds and then overflow the stack.
 */
const INDICATOR_RUN = new RegExp(`^(?![ \\t]*#).*?((?:(?:[-?:]|[!&]\\S*)[ \\t]+){${CONFIG_LIMITS.depth + 1}})`, 'm');

function readYaml(text: string, file: string): { doc: Document.Parsed; lines: LineCounter } {
  const bytes = Buffer.byteLength(text);
  if (bytes > CONFIG_LIMITS.bytes) throw new ConfigError(file, [sizeProblem(bytes)]);
  const run = INDICATOR_RUN.exec(text);
  if (run) {
    const offset = run.index + run[0].length - run[1].length;
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    const line = text.slice(0, lineStart).split('\n').length; // the parser has not counted lines yet
    throw new ConfigError(file, [
      `line ${line}, column ${offset - lineStart + 1}: more than ${CONFIG_LIMITS.depth} "- ", "? ", ": ", tags or anchors in a row: ${TOO_DEEP}, or a value has several tags or anchors`,
    ]);
  }
  const lines = new LineCounter();
  const at = (offset: number) => `line ${lines.linePos(offset).line}, column ${lines.linePos(offset).col}`;
  let read: TokenRead;
  try {
    read = readTokens(text, lines);
  } catch (error) {
    // Not expected after INDICATOR_RUN (the lexer's only recursion); a crash must still not escape.
    if (error instanceof RangeError) throw new ConfigError(file, [`${TOO_DEEP}: more than the YAML parser can read`]);
    throw error;
  }
  const { tokens } = read;
  const scan = scanTokens(tokens);
  const tooDeep = read.tooDeep ?? scan.tooDeep;
  if (tooDeep !== undefined) throw new ConfigError(file, [`${at(tooDeep)}: ${TOO_DEEP}`]);

  // uniqueKeys: the package compares each key with every earlier one of its mapping (quadratic:
  // 40k keys took 10 s); yamlData finds duplicates in one pass instead.
  const documents = new Composer({ uniqueKeys: false }).compose(tokens, true, text.length);
  const doc = documents.next().value as Document.Parsed;
  const second = documents.next().value;
  const problems: Located[] = [
    ...scan.unclosed,
    ...doc.errors.filter((e) => !UNCLOSED_ERROR.test(e.message)).map((e) => ({ offset: e.pos[0], message: `YAML syntax error: ${e.message}` })),
    ...doc.warnings.map((w) => ({ offset: w.pos[0], message: w.code === 'TAG_RESOLVE_FAILED' ? unsupportedTag(text.slice(w.pos[0], w.pos[1])) : `YAML: ${w.message}` })),
  ];
  if (doc.directives.yaml.version === '1.1') {
    problems.push({
      offset: scan.yamlDirective ?? 0,
      message: 'YAML 1.1 is not supported: config files are YAML 1.2 (in 1.1, yes/no/on/off are booleans and "<<" merges mappings); remove the %YAML directive',
    });
  }
  if (second) problems.push({ offset: second.range[0], message: 'YAML syntax error: a second document starts here; a config file is a single YAML document' });
  if (problems.length)
    throw new ConfigError(
      file,
      problems.sort((a, b) => a.offset - b.offset).map((p) => `${at(p.offset)}: ${p.message}`),
    );
  return { doc, lines };
}

function unsupportedTag(tag: string): string {
  return `YAML tag ${tag} is not supported: config values are plain strings, numbers, booleans, lists and mappings`;
}

interface TokenRead {
  /** The parser's tokens, up to the start of a second document (which is an error). */
  readonly tokens: CST.Token[];
  /** Offset of the first "[" or "{" nested deeper than the limit; tokens stop there. */
  readonly tooDeep?: number;
}

/** Lexer markers that are not part of the text (yaml/dist/parse/cst.js). */
const LEXER_MARKERS: ReadonlySet<string> = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/**
 * The parser's tokens, what Parser.parse(text) yields, with lexing and parsing stopped early at
 * a flow "[" or "{" nested deeper than the limit (the parser takes seconds for a 1 MiB "[[[[...")
 * and at a second document.
 */
function readTokens(text: string, lines: LineCounter): TokenRead {
  const parser = new Parser(lines.addNewLine);
  lines.addNewLine(0); // as Parser.parse does
  const tokens: CST.Token[] = [];
  let offset = 0;
  let flowDepth = 0;
  let documents = 0;
  for (const lexeme of new Lexer().lex(text)) {
    if (lexeme === '[' || lexeme === '{') flowDepth += 1;
    else if (lexeme === ']' || lexeme === '}') flowDepth = Math.max(0, flowDepth - 1);
    else if (lexeme === CST.FLOW_END) flowDepth = 0;
    if (flowDepth > CONFIG_LIMITS.depth) return { tokens, tooDeep: offset };
    if (!LEXER_MARKERS.has(lexeme)) offset += lexeme.length;
    for (const token of parser.next(lexeme)) {
      tokens.push(token);
      if (token.type === 'document' && ++documents > 1) return { tokens };
    }
  }
  tokens.push(...parser.end());
  return { tokens };
}

interface TokenScan {
  /** Offset of the first collection nested deeper than the limit. */
  tooDeep?: number;
  /** Quotes and flow brackets that are never closed, at their opening character. */
  unclosed: Located[];
  /** Offset of the first %YAML directive. */
  yamlDirective?: number;
}

/** One pass over the parser's tokens, iterative: the token tree is as deep as the text makes it. */
function scanTokens(tokens: readonly CST.Token[]): TokenScan {
  const scan: TokenScan = { unclosed: [] };
  const stack: [CST.Token, number][] = tokens.map((token) => [token, 0]);
  const push = (token: CST.Token | null | undefined, level: number) => token && stack.push([token, level]);
  for (let top = stack.pop(); top; top = stack.pop()) {
    const [token, level] = top;
    switch (token.type) {
      case 'directive':
        if (token.source.startsWith('%YAML')) scan.yamlDirective = Math.min(scan.yamlDirective ?? token.offset, token.offset);
        break;
      case 'document':
        push(token.value, level);
        break;
      case 'single-quoted-scalar':
      case 'double-quoted-scalar': {
        // The same test as the package's own (resolve-flow-scalar.js): the lexer ends a quoted
        // scalar at its closing quote, or at the end of the text.
        const quote = token.source[0];
        if (token.source.length === 1 || !token.source.endsWith(quote)) {
          scan.unclosed.push({ offset: token.offset, message: `YAML syntax error: this ${quote} quote is never closed (the string runs on to the end of the file)` });
        }
        break;
      }
      case 'block-map':
      case 'block-seq':
      case 'flow-collection':
        if (level >= CONFIG_LIMITS.depth) {
          scan.tooDeep = Math.min(scan.tooDeep ?? token.offset, token.offset);
          break;
        }
        if (token.type === 'flow-collection') {
          const [open, close, what] = token.start.source === '[' ? ['[', ']', 'list'] : ['{', '}', 'mapping'];
          if (token.end[0]?.source !== close) {
            scan.unclosed.push({
              offset: token.offset,
              message: `YAML syntax error: this "${open}" is not closed by a "${close}" (a ${what} written over several lines must also indent them more than its key)`,
            });
          }
        }
        for (const item of token.items) {
          push(item.key, level + 1);
          push(item.value, level + 1);
        }
        break;
    }
  }
  scan.unclosed.sort((a, b) => a.offset - b.offset);
  return scan;
}

// ---------------------------------------------------------------------------
// Document -> plain data, in one pass.
// ---------------------------------------------------------------------------

/**
 * The document's data as plain JavaScript values, or a ConfigError for keys that are reserved
 * (__proto__, constructor, prototype), duplicated or not names, and for aliases that name no
 * anchor, contain themselves, or expand beyond the depth and value limits. Aliases share their
 * anchor's value, as the `yaml` package's own toJS does; that one is not used because it resolves
 * each alias by walking the whole document again (136 s for 10,000 aliases in 240 KB).
 */
function yamlData(doc: Document.Parsed, lines: LineCounter, file: string, schemaFile: string): unknown {
  const builder = new DataBuilder(lines, schemaFile);
  let data: unknown;
  try {
    data = builder.build(doc.contents, [], 0).value;
  } catch (error) {
    if (!(error instanceof TooManyValues)) throw error;
  }
  if (builder.problems.length) throw new ConfigError(file, builder.problems);
  return data;
}

interface Built {
  readonly value: unknown;
  /** Levels of lists and mappings in the value (0 for a scalar). */
  readonly height: number;
}

class TooManyValues extends Error {}

/** The YAML 1.2 core schema's tags (https://yaml.org/spec/1.2.2/#103-core-schema). */
const PLAIN_TAGS: ReadonlySet<string> = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

class DataBuilder {
  readonly problems: string[] = [];
  /** The latest node with each anchor name, in document order: what an alias names. */
  private readonly anchors = new Map<string, Node>();
  private readonly anchored = new Map<Node, Built & { values: number }>();
  /** Anchored nodes being built: an alias of one of them is inside it. */
  private readonly open = new Set<Node>();
  private values = 0;

  constructor(
    private readonly lines: LineCounter,
    private readonly schemaFile: string,
  ) {}

  /**
   * `node`'s value; `level` is the number of lists and mappings around it. Problems are reported
   * at `at`: the key of a mapping's value, as for schema problems, else the node itself.
   */
  build(node: unknown, path: readonly PropertyKey[], level: number, at: unknown = node): Built {
    if (isAlias(node)) return this.alias(node, path, level, at);
    if (!isNode(node)) return { value: null, height: 0 };
    const before = this.values++;
    // The package resolves a few tags beyond them in any schema: !!binary, !!timestamp, !!set, !!omap, ...
    if (node.tag && !PLAIN_TAGS.has(node.tag)) {
      this.problem(path, at, unsupportedTag(node.tag.replace(/^tag:yaml\.org,2002:/, '!!')));
      return { value: null, height: 0 };
    }
    if (node.anchor) {
      this.anchors.set(node.anchor, node);
      this.open.add(node);
    }
    const built = isMap(node)
      ? this.map(node.items, path, level + 1)
      : isSeq(node)
        ? this.seq(node.items, path, level + 1)
        : { value: isScalar(node) ? node.value : null, height: 0 };
    if (node.anchor) {
      this.open.delete(node);
      this.anchored.set(node, { ...built, values: this.values - before });
    }
    return built;
  }

  private map(pairs: readonly { key: unknown; value: unknown }[], path: readonly PropertyKey[], level: number): Built {
    const object: Record<string, unknown> = {};
    const seen = new Map<string, unknown>();
    let height = 0;
    for (const pair of pairs) {
      const keyNode = pair.key ?? pair.value;
      const key = this.build(pair.key, path, level).value;
      // As the package's toJS: a null key (`: value`, `~: value`) is the empty string.
      const name = typeof key === 'object' && key !== null ? undefined : keyName(key);
      // Built even when the key is refused below, so that anchors inside it are known.
      const child = this.build(pair.value, [...path, name ?? '(key)'], level, keyNode);
      const first = name === undefined ? undefined : seen.get(name);
      if (name === undefined) {
        this.problem(path, keyNode, 'a key must be a name, not a list or a mapping');
      } else if (RESERVED_KEYS.has(name)) {
        this.problem([...path, name], keyNode, `unknown key (${[...RESERVED_KEYS].join(', ')} are never settings; ${this.schemaFile} lists every setting)`);
      } else if (first) {
        this.problem([...path, name], keyNode, `duplicate key: already set at ${this.position(first)}; a mapping may set each key once`);
      } else {
        seen.set(name, keyNode);
        setOwnProperty(object, name, child.value);
        height = Math.max(height, child.height);
      }
    }
    return { value: object, height: height + 1 };
  }

  private seq(items: readonly unknown[], path: readonly PropertyKey[], level: number): Built {
    let height = 0;
    const value = items.map((item, i) => {
      const child = this.build(item, [...path, i], level);
      height = Math.max(height, child.height);
      return child.value;
    });
    return { value, height: height + 1 };
  }

  private alias(alias: Node & { source: string }, path: readonly PropertyKey[], level: number, at: unknown): Built {
    const target = this.anchors.get(alias.source);
    const built = target && this.anchored.get(target);
    if (!target) {
      this.problem(path, at, `alias *${alias.source} names no anchor: put &${alias.source} on a value before it`);
    } else if (this.open.has(target) || !built) {
      this.problem(path, at, `alias *${alias.source} is inside the value it names (&${alias.source}), which would make it endless`);
    } else if (level + built.height > CONFIG_LIMITS.depth) {
      this.problem(path, at, `${TOO_DEEP}, counting what alias *${alias.source} stands for`);
    } else {
      this.values += built.values;
      if (this.values <= CONFIG_LIMITS.values) return built;
      this.problem(path, at, `aliases expand the file to more than ${CONFIG_LIMITS.values.toLocaleString('en')} values (an alias bomb?): write the values out instead`);
      throw new TooManyValues();
    }
    return { value: null, height: 0 };
  }

  private position(node: unknown): string {
    const offset = isNode(node) ? node.range?.[0] : undefined;
    if (offset === undefined) return 'an unknown position';
    const { line, col } = this.lines.linePos(offset);
    return `line ${line}, column ${col}`;
  }

  private problem(path: readonly PropertyKey[], node: unknown, message: string): void {
    this.problems.push(`${formatPath(path) || '(top level)'} (${this.position(node)}): ${message}`);
  }
}

// ---------------------------------------------------------------------------
// Schema issues, with where the file states them.
// ---------------------------------------------------------------------------

/** Unknown keys named in one message; the rest are counted. */
const LISTED_UNKNOWN_KEYS = 5;

function describeIssue(issue: z.core.$ZodIssue, where: (path: readonly PropertyKey[]) => string, schemaFile: string): string {
  let path: PropertyKey[] = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...issue.path, issue.keys[0]];
    const listed = issue.keys
      .slice(0, LISTED_UNKNOWN_KEYS)
      .map((k) => `"${k}"`)
      .join(', ');
    const more = issue.keys.length > LISTED_UNKNOWN_KEYS ? ` and ${issue.keys.length - LISTED_UNKNOWN_KEYS} more` : '';
    message = `unknown key${issue.keys.length > 1 ? `s ${listed}${more}` : ''} (check the spelling; ${schemaFile} lists every setting)`;
  } else if (issue.code === 'invalid_key') {
    message = `invalid name "${String(issue.path[issue.path.length - 1])}": ${issue.issues[0]?.message ?? issue.message}`;
  }
  return `${where(path)}: ${message}`;
}

/**
 * Where the file states the deepest node of each path that it contains, and how many keys of the
 * path lead there. Mappings are indexed by key on first use: a file can have problems under every
 * one of 100k keys.
 */
function locator(doc: Document, lines: LineCounter): (path: readonly PropertyKey[]) => Location | undefined {
  const indexes = new Map<YAMLMap, Map<string, Pair>>();
  const pairOf = (map: YAMLMap, key: string) => {
    let index = indexes.get(map);
    if (!index) {
      index = new Map();
      for (const pair of map.items) if (isScalar(pair.key) && !index.has(keyName(pair.key.value))) index.set(keyName(pair.key.value), pair);
      indexes.set(map, index);
    }
    return index.get(key);
  };
  return (path) => {
    let node: unknown = doc.contents;
    let found: Node | undefined;
    let depth = 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = pairOf(node, String(key));
        if (!pair) break;
        found = pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof key === 'number') {
        node = node.items[key];
        if (!isNode(node)) break;
        found = node;
      } else break;
      depth += 1;
    }
    const offset = found?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lines.linePos(offset);
    return { depth, line, col };
  };
}

/** The data's key for a scalar key's value, as DataBuilder makes it (a null key is ""). */
function keyName(value: unknown): string {
  return value === null ? '' : String(value);
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function environmentNameOf(file: string): string {
  return basename(file, '.yaml');
}
