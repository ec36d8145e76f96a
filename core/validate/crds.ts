/**
 * Custom resources, validated with ajv against the CRD's openAPIV3Schema (YAML files in
 * imports/crds, one CRD per file). The structural schema is converted first: `x-kubernetes-*`
 * keywords are stripped, int-or-string becomes `anyOf: [integer, string]`, `nullable` is folded
 * into `type`, and objects with `properties` get `additionalProperties: false` unless they carry
 * `x-kubernetes-preserve-unknown-fields` (so typos are caught). A CRD file is only parsed when an
 * object of one of its kinds is validated and no compiled validator for its content is cached.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import { basename, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, Format, Options, ValidateFunction } from 'ajv';
import type StandaloneCode from 'ajv/dist/standalone/index.js';
import { parseAllDocuments } from 'yaml';
import { splitApiVersion } from './builtin.js';
import { isObj, type Checker, type Json, type RawError } from './types.js';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The CRDs custom resources are validated against, copied from upstream (imports/crds/README.md). */
export const CRD_DIR = fileURLToPath(new URL('../../imports/crds/', import.meta.url));
/** Where compiled CRD validators are cached between runs (git-ignored). */
const CRD_CACHE_DIR = join(REPO_ROOT, '.cache', 'crd-validators');

// ---------------------------------------------------------------------------
// Custom resources (CRDs in imports/crds)
// ---------------------------------------------------------------------------

/**
 * Cached validators are ajv standalone code; it refers to the custom formats as
 * `require(FORMATS_MODULE)`, which loadValidator resolves to FORMATS (the `code.formats` option,
 * https://ajv.js.org/standalone.html). Regexp formats are inlined into the code.
 */
const FORMATS_MODULE = 'crd-validator-formats';
const isInt = (n: number): boolean => Number.isInteger(n);
const FORMATS: Record<string, Format> = {
  int32: { type: 'number', validate: (n: number) => isInt(n) && n >= -2147483648 && n <= 2147483647 },
  int64: { type: 'number', validate: isInt },
  float: { type: 'number', validate: () => true },
  double: { type: 'number', validate: () => true },
  byte: /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/,
  'date-time': /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  ipv4: { type: 'string', validate: (s: string) => isIPv4(s) },
  ipv6: { type: 'string', validate: (s: string) => isIPv6(s) },
};

const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: false,
  unicodeRegExp: false, // CRD patterns are RE2/Go syntax, closer to non-unicode JS regexps
  validateSchema: false,
  addUsedSchema: false,
  // optimize: false roughly halves compile time of the big CRD schemas
  code: { optimize: false, source: true },
};
const requireHere = createRequire(import.meta.url);
let compilerInstance: Ajv | undefined;

/** ajv, loaded on first use: with every validator a command needs in the cache, it is never loaded. */
function compiler(): Ajv {
  if (compilerInstance === undefined) {
    const { _, Ajv } = requireHere('ajv') as typeof import('ajv');
    compilerInstance = new Ajv({ ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, formats: _`require(${FORMATS_MODULE})` } });
    for (const [name, format] of Object.entries(FORMATS)) compilerInstance.addFormat(name, format);
  }
  return compilerInstance;
}
const knownFormats = new Set(Object.keys(FORMATS));

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };
/** ObjectMeta, minimally, for custom resources (name/namespace/label syntax is checked in code). */
const crMetadataSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    generateName: { type: 'string' },
    namespace: { type: 'string' },
    labels: stringMap,
    annotations: stringMap,
    finalizers: { type: 'array', items: { type: 'string' } },
    ownerReferences: {
      type: 'array',
      items: {
        type: 'object',
        required: ['apiVersion', 'kind', 'name', 'uid'],
        additionalProperties: false,
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          name: { type: 'string' },
          uid: { type: 'string' },
          controller: { type: 'boolean' },
          blockOwnerDeletion: { type: 'boolean' },
        },
      },
    },
    uid: { type: 'string' },
    resourceVersion: { type: 'string' },
    generation: { type: 'integer' },
    creationTimestamp: { type: ['string', 'null'] },
    deletionTimestamp: { type: 'string' },
    deletionGracePeriodSeconds: { type: 'integer' },
    managedFields: { type: 'array', items: { type: 'object' } },
    selfLink: { type: 'string' },
  },
};

const DROPPED_KEYWORDS = new Set(['description', 'example', 'default', 'nullable', 'externalDocs', '$schema']);

/** Converts a Kubernetes structural schema node into a plain JSON schema for ajv. */
function convertSchema(node: unknown, structural: boolean): unknown {
  if (!isObj(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || DROPPED_KEYWORDS.has(key)) continue;
    switch (key) {
      case 'properties':
      case 'patternProperties':
      case 'definitions':
        out[key] = isObj(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSchema(v, structural)])) : value;
        break;
      case 'items':
        out[key] = Array.isArray(value) ? value.map((v) => convertSchema(v, structural)) : convertSchema(value, structural);
        break;
      case 'additionalProperties':
        out[key] = typeof value === 'boolean' ? value : convertSchema(value, structural);
        break;
      case 'allOf':
      case 'anyOf':
      case 'oneOf':
        // Branches only add value validation; never inject additionalProperties:false there.
        out[key] = Array.isArray(value) ? value.map((v) => convertSchema(v, false)) : value;
        break;
      case 'not':
        out[key] = convertSchema(value, false);
        break;
      case 'pattern':
        if (typeof value === 'string' && isValidRegExp(value)) out[key] = value;
        break;
      case 'format':
        if (typeof value === 'string') {
          if (!knownFormats.has(value)) {
            compiler().addFormat(value, true); // unknown format: accept anything
            knownFormats.add(value);
          }
          out[key] = value;
        }
        break;
      default:
        out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    if (out.anyOf === undefined && out.oneOf === undefined) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
    delete out.type;
  }
  if (node.nullable === true) {
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
  }
  if (structural && node['x-kubernetes-preserve-unknown-fields'] !== true && isObj(out.properties) && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

const regexpValidity = new Map<string, boolean>();
function isValidRegExp(pattern: string): boolean {
  let ok = regexpValidity.get(pattern);
  if (ok === undefined) {
    try {
      new RegExp(pattern);
      ok = true;
    } catch {
      ok = false;
    }
    regexpValidity.set(pattern, ok);
  }
  return ok;
}

const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
const SUBSCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'items']);
const SUBSCHEMAS = new Set(['items', 'additionalProperties', 'not']);
const MIN_SHARED_SUBSCHEMA = 1000; // characters of JSON; smaller ones are cheaper inline

/**
 * Moves every large subschema into $defs, once per distinct content, and refers to it: ajv then
 * compiles it once. Some CRDs repeat big subschemas many times (the ApplicationSet CRD embeds the
 * Application spec in each of its generators), which otherwise doubles their compile time.
 */
function shareSubschemas(root: Json): Json {
  const names = new Map<string, string>();
  const $defs: Json = {};
  const visit = (node: unknown): unknown => {
    if (!isObj(node)) return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (SUBSCHEMA_MAPS.has(key) && isObj(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, share(v)]));
      else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(share);
      else if (SUBSCHEMAS.has(key) && isObj(value)) out[key] = share(value);
      else out[key] = value;
    }
    return out;
  };
  const share = (node: unknown): unknown => {
    const schema = visit(node);
    const text = JSON.stringify(schema);
    if (text.length < MIN_SHARED_SUBSCHEMA) return schema;
    let name = names.get(text);
    if (name === undefined) {
      name = `s${names.size}`;
      names.set(text, name);
      $defs[name] = schema;
    }
    return { $ref: `#/$defs/${name}` };
  };
  return { ...(visit(root) as Json), $defs };
}

// ---------------------------------------------------------------------------
// Compiled validators cached across runs: parsing and compiling the CRDs a synthesis needs takes
// ~1.2 s of a cold process (the ApplicationSet CRD alone ~0.6 s), loading their cached code ~70 ms.
// ---------------------------------------------------------------------------

/** Bump when the conversion changes in a way the sources hashed below do not show. */
const CONVERSION_VERSION = 1;
// A CommonJS module whose export is the function; its ESM default import is not typed as callable.
const standaloneCode = (): typeof StandaloneCode.default => requireHere('ajv/dist/standalone') as typeof StandaloneCode.default;
let cacheKeyPrefix: string | undefined;

/**
 * Everything besides the CRD file that decides the generated code: ajv version and options, the
 * formats, the metadata schema and the conversion (its version and the converting functions' source).
 */
function cacheKeyMaterial(): string {
  cacheKeyPrefix ??= JSON.stringify([
    (requireHere('ajv/package.json') as { version: string }).version,
    { ...AJV_OPTIONS, code: { ...AJV_OPTIONS.code, formats: `require(${JSON.stringify(FORMATS_MODULE)})` } }, // the formats option as code
    Object.entries(FORMATS).map(([name, f]) => [name, f instanceof RegExp ? f.source : isObj(f) ? String(f.validate) : String(f)]),
    crMetadataSchema,
    CONVERSION_VERSION,
    [convertSchema, shareSubschemas, isValidRegExp].map(String),
  ]);
  return cacheKeyPrefix;
}

/** Cache file name of the validator of apiVersion/kind compiled from a CRD file with this content. */
function validatorCacheName(crd: Buffer, apiVersion: string, kind: string): string {
  return `${createHash('sha256').update(cacheKeyMaterial()).update(`\0${apiVersion}\0${kind}\0`).update(crd).digest('hex')}.cjs`;
}

/** The first line of a cache file carries the sha256 of the rest, so a damaged file is never run. */
function digest(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** The validator in a cache file; undefined when it is missing, damaged or not a validator. */
function loadValidator(file: string): ValidateFunction | undefined {
  try {
    const text = readFileSync(file, 'utf8');
    const newline = text.indexOf('\n');
    const code = text.slice(newline + 1);
    if (text.slice(0, newline) !== `// sha256:${digest(code)}`) return undefined;
    const module: { exports: unknown } = { exports: {} };
    // Not require(file): the code's require() calls (ajv runtime, formats) must resolve from here,
    // wherever the cache directory is.
    const require = (id: string): unknown => (id === FORMATS_MODULE ? FORMATS : requireHere(id));
    new Function('require', 'module', 'exports', code)(require, module, module.exports);
    return typeof module.exports === 'function' ? (module.exports as ValidateFunction) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes a validator's standalone code atomically; a cache that cannot be written is only slower. */
function storeValidator(file: string, fn: ValidateFunction): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    const code = standaloneCode()(compiler(), fn);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(temp, `// sha256:${digest(code)}\n${code}`);
    renameSync(temp, file);
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // the directory itself is unusable: nothing was written
    }
  }
}

const checkerOf =
  (fn: ValidateFunction): Checker =>
  (data) =>
    fn(data) ? [] : ((fn.errors ?? []) as RawError[]);

type CrdLookup = { checker: Checker } | { problem: string } | null;

interface CrdVersion {
  served: boolean;
  schema?: unknown;
}
interface CrdInfo {
  group: string;
  kind: string;
  versions: Map<string, CrdVersion>;
}

/** Upstream CRD files put metadata, group and names before the versions and their schemas; this much holds them. */
const CRD_HEAD_BYTES = 16 * 1024;

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(CRD_HEAD_BYTES);
    return buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
}

function unquote(s: string): string {
  return s.replace(/^["']|["']$/g, '');
}

/** Repository-relative path for messages (absolute outside the repository). */
export function shownPath(path: string): string {
  const r = relative(REPO_ROOT, path);
  return r === '' || r.startsWith('..') || isAbsolute(r) ? path : r;
}

/** "ENOENT: no such file or directory" from a Node fs error, without the path (the message names it). */
function fsReason(e: unknown): string {
  return e instanceof Error ? e.message.replace(/, \w+( '[^']*')?$/, '') : String(e);
}

/** A CRD file that cannot be read or parsed; the message is one line naming the file. */
class CrdFileError extends Error {}

/**
 * The CRDs of one directory, one CustomResourceDefinition per file. Indexing reads only the head
 * of each file (group and kind); a file is YAML-parsed, and a schema compiled, only when an object
 * of one of its kinds is validated (the Argo CD ApplicationSet CRD alone is 1.4 MB). Unreadable or
 * broken files become one-line problems naming the file.
 */
export class CrdCatalog {
  private index: { files: Map<string, string>; problem?: string } | undefined; // "group|kind" -> file
  private readonly parsed = new Map<string, CrdInfo[]>();
  private readonly lookups = new Map<string, CrdLookup>();

  /** With a cacheDir, compiled validators are kept there between runs (see validatorCacheName). */
  constructor(
    readonly dir: string,
    private readonly options: { cacheDir?: string } = {},
  ) {}

  /** Group, kind and file name of every CRD in the directory; parses no file of the usual layout. */
  indexed(): { group: string; kind: string; file: string }[] {
    return [...this.fileIndex().files].map(([key, file]) => {
      const [group = '', kind = ''] = key.split('|');
      return { group, kind, file: basename(file) };
    });
  }

  /** Names of the files YAML-parsed so far. */
  parsedFiles(): string[] {
    return [...this.parsed.keys()].map((file) => basename(file)).sort();
  }

  /** The checker for a custom resource kind, a problem, or null when no CRD defines it. */
  lookup(apiVersion: string, kind: string): CrdLookup {
    const key = `${apiVersion}|${kind}`;
    let result = this.lookups.get(key);
    if (result === undefined) {
      result = this.compile(apiVersion, kind);
      this.lookups.set(key, result);
    }
    return result;
  }

  private compile(apiVersion: string, kind: string): CrdLookup {
    const { group, version } = splitApiVersion(apiVersion);
    if (!group) return null;
    const index = this.fileIndex();
    const file = index.files.get(`${group}|${kind}`);
    if (file === undefined) return index.problem ? { problem: `no schema for ${apiVersion}/${kind}: ${index.problem}` } : null;
    let info: CrdInfo | undefined;
    let cacheFile: string | undefined;
    try {
      // The bytes name the cached validator; only a miss decodes and parses them.
      const bytes = this.read(file);
      if (this.options.cacheDir !== undefined) {
        cacheFile = join(this.options.cacheDir, validatorCacheName(bytes, apiVersion, kind));
        const cached = loadValidator(cacheFile);
        if (cached) return { checker: checkerOf(cached) };
      }
      info = this.parse(file, bytes.toString('utf8')).find((c) => c.group === group && c.kind === kind);
    } catch (e) {
      return { problem: (e as Error).message };
    }
    if (!info) return { problem: `${shownPath(file)} does not define ${group}/${kind}` };
    const v = info.versions.get(version);
    if (!v) return { problem: `apiVersion: ${group}/${kind} has no version "${version}" (CRD serves: ${[...info.versions.keys()].join(', ')})` };
    if (!v.served) return { problem: `apiVersion: version "${version}" of ${group}/${kind} is not served` };
    const converted = convertSchema(isObj(v.schema) ? v.schema : { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, true) as Json;
    converted.properties = { ...(isObj(converted.properties) ? converted.properties : {}), metadata: crMetadataSchema };
    try {
      const fn: ValidateFunction = compiler().compile(shareSubschemas(converted));
      if (cacheFile !== undefined) storeValidator(cacheFile, fn);
      return { checker: checkerOf(fn) };
    } catch (e) {
      return { problem: `could not compile the CRD schema for ${apiVersion}/${kind}: ${(e as Error).message}` };
    }
  }

  private fileIndex(): { files: Map<string, string>; problem?: string } {
    if (this.index) return this.index;
    const files = new Map<string, string>();
    const problems: string[] = [];
    let names: string[] = [];
    try {
      names = readdirSync(this.dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort();
    } catch (e) {
      problems.push(`cannot read the CRD directory ${shownPath(this.dir)}/: ${fsReason(e)}`);
    }
    for (const name of names) {
      const file = join(this.dir, name);
      try {
        const head = readHead(file);
        const group = /^ {2}group:[ \t]*(\S+)[ \t]*$/m.exec(head)?.[1];
        const kind = /^ {2}names:[ \t]*\n(?:^ {4}.*\n)*?^ {4}kind:[ \t]*(\S+)[ \t]*$/m.exec(head)?.[1];
        if (/^kind:[ \t]*["']?CustomResourceDefinition["']?[ \t]*$/m.test(head) && group && kind) {
          files.set(`${unquote(group)}|${unquote(kind)}`, file);
        } else {
          // Unusual layout: fall back to a real parse of the file.
          for (const info of this.parse(file)) files.set(`${info.group}|${info.kind}`, file);
        }
      } catch (e) {
        problems.push(e instanceof CrdFileError ? e.message : `cannot read CRD file ${shownPath(file)}: ${fsReason(e)}`);
      }
    }
    this.index = problems.length ? { files, problem: problems.join('; ') } : { files };
    return this.index;
  }

  private read(file: string): Buffer {
    try {
      return readFileSync(file);
    } catch (e) {
      throw new CrdFileError(`cannot read CRD file ${shownPath(file)}: ${fsReason(e)}`);
    }
  }

  private parse(file: string, text?: string): CrdInfo[] {
    let infos = this.parsed.get(file);
    if (infos) return infos;
    infos = [];
    for (const doc of parseAllDocuments(text ?? this.read(file).toString('utf8'))) {
      const error = doc.errors[0];
      if (error) throw new CrdFileError(`${shownPath(file)}: not valid YAML: ${error.message.split('\n')[0]}`);
      const crd: unknown = doc.toJS({ maxAliasCount: -1 });
      if (!isObj(crd) || crd.kind !== 'CustomResourceDefinition' || !isObj(crd.spec)) continue;
      const spec = crd.spec;
      const names = isObj(spec.names) ? spec.names : {};
      if (typeof spec.group !== 'string' || typeof names.kind !== 'string') continue;
      const versions = new Map<string, CrdVersion>();
      for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
        if (!isObj(v) || typeof v.name !== 'string') continue;
        const schema = isObj(v.schema) ? v.schema.openAPIV3Schema : isObj(spec.validation) ? spec.validation.openAPIV3Schema : undefined;
        versions.set(v.name, { served: v.served !== false, schema });
      }
      infos.push({ group: spec.group, kind: names.kind, versions });
    }
    this.parsed.set(file, infos);
    return infos;
  }
}

export const bundledCrds = new CrdCatalog(CRD_DIR, { cacheDir: CRD_CACHE_DIR });
