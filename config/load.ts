/**
 * Reads environment files: YAML -> overlay on the schema defaults -> validated Config.
 * Every user mistake becomes a ConfigError that names the file, the key path (with line and
 * column when the key is in the file) and what is expected; nothing is thrown past it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { derivedNameProblems } from '../lib/context.js';
import { deepMerge, isPlainObject } from '../lib/merge.js';
import { GITOPS_FILE, gitopsSchema, type GitOpsConfig } from './gitops.js';
import { configSchema, type Config } from './schema.js';

export const ENVIRONMENTS_DIR = fileURLToPath(new URL('./environments/', import.meta.url));
const ENVIRONMENT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
/** Directories of dist/ that hold Argo CD objects, not an environment. */
export const RESERVED_ENVIRONMENT_NAMES: readonly string[] = ['argocd', 'argocd-applicationset'];

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${displayPath(file)}: invalid configuration\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadedEnvironment {
  readonly name: string;
  readonly file: string;
  readonly config: Config;
  /** Warnings about the file ("<file>: <key> (line L, column C): <message>"): printed, not fatal. */
  readonly warnings: readonly string[];
}

/** Names of the environments that have a file in `dir`, sorted. */
export function listEnvironments(dir = ENVIRONMENTS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
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
  if (!existsSync(file)) {
    const known = listEnvironments(dir);
    throw new ConfigError(file, [`no such environment file (environments: ${known.join(', ') || 'none'})`]);
  }
  return { name, file, config: parseConfig(readFileSync(file, 'utf8'), file), warnings: [] };
}

let defaultsCache: unknown;
/** The fully defaulted configuration: what an empty environment file means. */
export function configDefaults(): unknown {
  defaultsCache ??= configSchema.parse({});
  return structuredClone(defaultsCache);
}

/** Parses and validates the text of an environment file (its name is the file's base name). */
export function parseConfig(text: string, file: string): Config {
  const config = parseYamlFile(text, file, configSchema, { defaults: configDefaults(), schemaFile: 'config/schema.json' });
  const problems = derivedNameProblems(environmentNameOf(file), config);
  if (problems.length) throw new ConfigError(file, problems);
  return config;
}

/** Loads config/gitops.yaml (the Argo CD settings shared by all environments). */
export function loadGitOps(file = GITOPS_FILE): GitOpsConfig {
  if (!existsSync(file)) throw new ConfigError(file, ['no such file: it holds the Argo CD settings (repoURL, ...) of all environments']);
  return parseGitOps(readFileSync(file, 'utf8'), file);
}

export function parseGitOps(text: string, file: string): GitOpsConfig {
  return parseYamlFile(text, file, gitopsSchema, { schemaFile: 'config/gitops.schema.json' });
}

interface ParseOptions {
  /** What the file is an overlay on (environment files); omitted: the schema's own defaults apply. */
  readonly defaults?: unknown;
  /** Named in "unknown key" messages. */
  readonly schemaFile: string;
}

/** YAML text -> validated value; every problem becomes a ConfigError with key paths, lines and columns. */
function parseYamlFile<S extends z.ZodType>(text: string, file: string, schema: S, options: ParseOptions): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
        return `${at ? `line ${at.line}, column ${at.col}: ` : ''}YAML syntax error: ${message}`;
      }),
    );
  }
  const raw: unknown = doc.toJS() ?? {};
  if (!isPlainObject(raw)) {
    throw new ConfigError(file, ['the file must contain a mapping of settings (key: value), not a list or a single value']);
  }
  const result = schema.safeParse(options.defaults === undefined ? raw : deepMerge(options.defaults, raw));
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.map((issue) => describeIssue(issue, doc, lineCounter, options.schemaFile)));
}

function describeIssue(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter, schemaFile: string): string {
  let path: PropertyKey[] = issue.path;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...issue.path, issue.keys[0]];
    message = `unknown key${issue.keys.length > 1 ? `s ${issue.keys.map((k) => `"${k}"`).join(', ')}` : ''} (check the spelling; ${schemaFile} lists every setting)`;
  } else if (issue.code === 'invalid_key') {
    message = `invalid name "${String(issue.path[issue.path.length - 1])}": ${issue.issues[0]?.message ?? issue.message}`;
  }
  const location = locate(doc, path, lines);
  return `${formatPath(path) || '(top level)'}${location ? ` (line ${location.line}, column ${location.col})` : ''}: ${message}`;
}

/** Line and column of the deepest node of `path` that the file itself contains. */
function locate(doc: Document, path: PropertyKey[], lines: LineCounter): { line: number; col: number } | undefined {
  let node: unknown = doc.contents;
  let found: Node | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown })?.value === key);
      if (!pair) break;
      found = pair.key as Node;
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (!node) break;
      found = node as Node;
    } else break;
  }
  const offset = found?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset);
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

export function environmentNameOf(file: string): string {
  return basename(file, '.yaml');
}
