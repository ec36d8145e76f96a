/**
 * Offline validation of synthesized Kubernetes manifests.
 *
 * - Built-in kinds (anything `kubernetes-models` knows) are validated with the
 *   precompiled validators shipped by `kubernetes-models`. The model module is
 *   looked up generically from apiVersion/kind
 *   (`kubernetes-models/<group>/<version>/<Kind>`) through a synchronous
 *   `require`. Those validators do not reject unknown fields, so the object is
 *   run through a recording Proxy: every field the validator reads is "known";
 *   any other field of an object the validator inspected is reported as unknown.
 *   Objects whose keys the validator enumerates (maps such as labels) and
 *   objects it never looks into (free-form, e.g. RawExtension) are exempt.
 * - Custom resources are validated with ajv against the CRD's openAPIV3Schema
 *   (YAML files in imports/crds, one CRD per file). The structural schema is converted first:
 *   `x-kubernetes-*` keywords are stripped, int-or-string becomes
 *   `anyOf: [integer, string]`, `nullable` is folded into `type`, and objects
 *   with `properties` get `additionalProperties: false` unless they carry
 *   `x-kubernetes-preserve-unknown-fields` (so typos are caught).
 * - Anything else yields a "no schema for <apiVersion>/<kind>" issue.
 *
 * Validators are compiled lazily and cached per apiVersion/kind; a CRD file is only parsed when
 * an object of one of its kinds is validated.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isIPv4, isIPv6 } from 'node:net';
import { basename, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

export interface ManifestIssue {
  kind: string;
  name: string;
  namespace?: string;
  /** `<Kind>/<name>: <field path>: <what is wrong>` */
  message: string;
}

type Json = Record<string, unknown>;

/** Shape shared by ajv errors and the errors of kubernetes-models' precompiled (ajv standalone) validators. */
interface RawError {
  instancePath: string;
  schemaPath?: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Returns the errors for `data` (empty array when valid). */
type Checker = (data: unknown) => RawError[];

const requireCjs = createRequire(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The CRDs custom resources are validated against, copied from upstream (imports/crds/README.md). */
export const CRD_DIR = fileURLToPath(new URL('../../imports/crds/', import.meta.url));

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------
// Built-in kinds (kubernetes-models)
// ---------------------------------------------------------------------------

interface ModelCtor {
  apiVersion?: unknown;
  kind?: unknown;
  prototype: { validate?: (this: unknown) => void };
}

const builtinCache = new Map<string, Checker | null>();

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

function builtinChecker(apiVersion: string, kind: string): Checker | null {
  const key = `${apiVersion}|${kind}`;
  const cached = builtinCache.get(key);
  if (cached !== undefined) return cached;
  let checker: Checker | null = null;
  const { group, version } = splitApiVersion(apiVersion);
  // Guard the module path against anything that is not a plausible group/version/kind.
  if (
    /^([a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$/.test(group) &&
    /^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version) &&
    /^[A-Z][A-Za-z0-9]*$/.test(kind)
  ) {
    let mod: Record<string, unknown> | undefined;
    try {
      mod = requireCjs(`kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`) as Record<string, unknown>;
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw e;
    }
    const candidate: unknown = mod?.[kind];
    const ctor = typeof candidate === 'function' ? (candidate as unknown as ModelCtor) : undefined;
    const validate = ctor?.prototype?.validate;
    // Only top-level kinds carry static apiVersion/kind (rules out e.g. DeploymentSpec).
    if (ctor && ctor.apiVersion === apiVersion && ctor.kind === kind && typeof validate === 'function') {
      checker = (data) => {
        try {
          validate.call(data); // throws an ajv ValidationError carrying `.errors`
          return [];
        } catch (e) {
          const errors = (e as { errors?: unknown }).errors;
          if (Array.isArray(errors)) return errors as RawError[];
          throw e;
        }
      };
    }
  }
  builtinCache.set(key, checker);
  return checker;
}

interface Access {
  keys: Set<string>;
  enumerated: boolean;
}

/** Wraps `root` so that property reads by the validator are recorded per object. */
function recordAccesses(root: unknown): { proxy: unknown; accesses: WeakMap<object, Access> } {
  const accesses = new WeakMap<object, Access>();
  const proxies = new WeakMap<object, unknown>();
  const wrap = (value: unknown): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    const existing = proxies.get(value);
    if (existing !== undefined) return existing;
    const access: Access = { keys: new Set(), enumerated: false };
    accesses.set(value, access);
    const proxy = new Proxy(value, {
      get(target, prop) {
        if (typeof prop === 'string') access.keys.add(prop);
        return wrap(Reflect.get(target, prop));
      },
      has(target, prop) {
        if (typeof prop === 'string') access.keys.add(prop);
        return Reflect.has(target, prop);
      },
      getOwnPropertyDescriptor(target, prop) {
        if (typeof prop === 'string') access.keys.add(prop);
        return Reflect.getOwnPropertyDescriptor(target, prop);
      },
      ownKeys(target) {
        access.enumerated = true; // a map (additionalProperties): every key is legitimate
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root), accesses };
}

function collectUnknownFields(node: unknown, pointer: string, accesses: WeakMap<object, Access>, out: RawError[]): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => collectUnknownFields(item, `${pointer}/${i}`, accesses, out));
    return;
  }
  if (!isObj(node)) return;
  const access = accesses.get(node);
  // Not looked into at all: free-form object (or not reached); enumerated: a map.
  const checkKeys = access !== undefined && !access.enumerated && access.keys.size > 0;
  for (const [key, value] of Object.entries(node)) {
    const child = `${pointer}/${escapePointer(key)}`;
    if (checkKeys && !access.keys.has(key)) {
      out.push({ instancePath: pointer, keyword: 'additionalProperties', params: { additionalProperty: key } });
    } else {
      collectUnknownFields(value, child, accesses, out);
    }
  }
}

function validateBuiltin(checker: Checker, obj: Json): RawError[] {
  // Plain JSON copy: drops `undefined` like serialisation does and keeps Proxy invariants trivially satisfied.
  const copy = JSON.parse(JSON.stringify(obj)) as Json;
  const { proxy, accesses } = recordAccesses(copy);
  const errors = [...checker(proxy)];
  collectUnknownFields(copy, '', accesses, errors);
  return errors;
}

// ---------------------------------------------------------------------------
// Custom resources (CRDs in imports/crds)
// ---------------------------------------------------------------------------

const ajv = new Ajv({
  allErrors: true,
  strict: false,
  unicodeRegExp: false, // CRD patterns are RE2/Go syntax, closer to non-unicode JS regexps
  validateSchema: false,
  addUsedSchema: false,
  code: { optimize: false }, // roughly halves compile time of the big CRD schemas
});
const isInt = (n: number): boolean => Number.isInteger(n);
ajv.addFormat('int32', { type: 'number', validate: (n: number) => isInt(n) && n >= -2147483648 && n <= 2147483647 });
ajv.addFormat('int64', { type: 'number', validate: isInt });
ajv.addFormat('float', { type: 'number', validate: () => true });
ajv.addFormat('double', { type: 'number', validate: () => true });
ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);
ajv.addFormat('ipv4', { type: 'string', validate: (s: string) => isIPv4(s) });
ajv.addFormat('ipv6', { type: 'string', validate: (s: string) => isIPv6(s) });
const knownFormats = new Set(['int32', 'int64', 'float', 'double', 'byte', 'date-time', 'ipv4', 'ipv6']);

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
        out[key] = isObj(value)
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convertSchema(v, structural)]))
          : value;
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
            ajv.addFormat(value, true); // unknown format: accept anything
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
  if (
    structural &&
    node['x-kubernetes-preserve-unknown-fields'] !== true &&
    isObj(out.properties) &&
    out.additionalProperties === undefined
  ) {
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
function shownPath(path: string): string {
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

  constructor(readonly dir: string) {}

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
    try {
      info = this.parse(file).find((c) => c.group === group && c.kind === kind);
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
      const fn: ValidateFunction = ajv.compile(shareSubschemas(converted));
      return { checker: (data) => (fn(data) ? [] : ((fn.errors ?? []) as RawError[])) };
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
      names = readdirSync(this.dir).filter((f) => /\.ya?ml$/.test(f)).sort();
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

  private parse(file: string): CrdInfo[] {
    let infos = this.parsed.get(file);
    if (infos) return infos;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CrdFileError(`cannot read CRD file ${shownPath(file)}: ${fsReason(e)}`);
    }
    infos = [];
    for (const doc of parseAllDocuments(text)) {
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

const bundledCrds = new CrdCatalog(CRD_DIR);

// ---------------------------------------------------------------------------
// Metadata syntax (names, namespace, labels, annotation keys)
// ---------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const isDnsLabel = (s: string): boolean => s.length <= 63 && DNS1123_LABEL.test(s);
const isDnsSubdomain = (s: string): boolean => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);

function qualifiedNameProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'must be "[prefix/]name" with at most one "/"';
  const name = parts[parts.length - 1] ?? '';
  if (parts.length === 2 && !isDnsSubdomain(parts[0] ?? '')) return 'prefix must be a DNS-1123 subdomain';
  if (name.length > 63 || !QUALIFIED_NAME.test(name)) {
    return 'name part must be at most 63 characters of alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric';
  }
  return undefined;
}

function checkMetadata(obj: Json, group: string, kind: string, out: string[]): void {
  const md = obj.metadata;
  if (!isObj(md)) {
    out.push(md === undefined ? 'metadata: required field is missing' : 'metadata: must be object');
    return;
  }
  const { name, namespace } = md;
  if (name === undefined) {
    if (typeof md.generateName !== 'string') out.push('metadata.name: required field is missing');
  } else if (typeof name === 'string') {
    if (group === '' && kind === 'Namespace') {
      if (!isDnsLabel(name)) out.push(`metadata.name: ${JSON.stringify(name)} is not a valid DNS-1123 label (lowercase alphanumerics and "-", at most 63 characters)`);
    } else if (group === '' && kind === 'Service') {
      if (name.length > 63 || !DNS1035_LABEL.test(name)) out.push(`metadata.name: ${JSON.stringify(name)} is not a valid DNS-1035 label (lowercase alphanumerics and "-", starting with a letter, at most 63 characters)`);
    } else if (group === 'rbac.authorization.k8s.io') {
      if (name === '' || name === '.' || name === '..' || /[/%]/.test(name)) out.push(`metadata.name: ${JSON.stringify(name)} is not a valid path segment name`);
    } else if (!isDnsSubdomain(name)) {
      out.push(`metadata.name: ${JSON.stringify(name)} is not a valid DNS-1123 subdomain (lowercase alphanumerics, "-" and ".", at most 253 characters)`);
    }
  }
  if (typeof namespace === 'string' && !isDnsLabel(namespace)) {
    out.push(`metadata.namespace: ${JSON.stringify(namespace)} is not a valid DNS-1123 label`);
  }
  checkLabelsAndAnnotations(md, 'metadata', out);
  // Pod templates carry labels that selectors must match; check their syntax too.
  const spec = isObj(obj.spec) ? obj.spec : undefined;
  const templates: [unknown, string][] = [
    [isObj(spec?.template) ? spec.template.metadata : undefined, 'spec.template.metadata'],
    [
      isObj(spec?.jobTemplate) && isObj(spec.jobTemplate.spec) && isObj(spec.jobTemplate.spec.template)
        ? spec.jobTemplate.spec.template.metadata
        : undefined,
      'spec.jobTemplate.spec.template.metadata',
    ],
  ];
  for (const [tmd, path] of templates) if (isObj(tmd)) checkLabelsAndAnnotations(tmd, path, out);
}

function checkLabelsAndAnnotations(md: Json, path: string, out: string[]): void {
  if (isObj(md.labels)) {
    for (const [key, value] of Object.entries(md.labels)) {
      const p = `${path}.labels${formatKey(key)}`;
      const keyProblem = qualifiedNameProblem(key);
      if (keyProblem) out.push(`${p}: invalid label key: ${keyProblem}`);
      if (typeof value === 'string' && (value.length > 63 || !LABEL_VALUE.test(value))) {
        out.push(`${p}: invalid label value ${JSON.stringify(value)}: must be at most 63 characters of alphanumerics, "-", "_" or ".", starting and ending with an alphanumeric`);
      }
    }
  }
  if (isObj(md.annotations)) {
    for (const key of Object.keys(md.annotations)) {
      const keyProblem = qualifiedNameProblem(key);
      if (keyProblem) out.push(`${path}.annotations${formatKey(key)}: invalid annotation key: ${keyProblem}`);
    }
  }
}

// ---------------------------------------------------------------------------
// Error formatting
// ---------------------------------------------------------------------------

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function formatKey(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** JSON pointer -> `spec.containers[0].ports`, using the data to tell array indices from map keys. */
function formatPath(root: unknown, pointer: string, extra?: string): string {
  const segments = pointer === '' ? [] : pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  let path = '';
  let node: unknown = root;
  for (const seg of segments) {
    if (Array.isArray(node) && /^\d+$/.test(seg)) {
      path += `[${seg}]`;
      node = node[Number(seg)];
    } else {
      path += path === '' && /^[A-Za-z_$][\w$-]*$/.test(seg) ? seg : formatKey(seg);
      node = isObj(node) ? node[seg] : undefined;
    }
  }
  return path === '' ? '(root)' : path;
}

function valueAt(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) node = node[Number(seg)];
    else if (isObj(node)) node = node[seg];
    else return undefined;
  }
  return node;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}

const TYPE_ORDER = ['string', 'integer', 'number', 'boolean', 'object', 'array', 'null'];
function typesOf(errs: RawError[]): string[] {
  const set = new Set<string>();
  for (const e of errs) {
    const t = e.params.type;
    for (const s of Array.isArray(t) ? t : String(t).split(',')) set.add(String(s));
  }
  return [...set].sort((a, b) => TYPE_ORDER.indexOf(a) - TYPE_ORDER.indexOf(b));
}

const FORMAT_TEXT: Record<string, string> = {
  int32: 'a 32-bit integer',
  int64: 'a 64-bit integer',
  quantity: 'a Kubernetes quantity (e.g. "500m", "1Gi", 2)',
  'date-time': 'an RFC 3339 date-time',
  byte: 'base64-encoded data',
};

function describeError(root: unknown, e: RawError): { path: string; text: string } {
  const path = formatPath(root, e.instancePath);
  const got = (): string => `, got ${describeValue(valueAt(root, e.instancePath))}`;
  const p = e.params;
  switch (e.keyword) {
    case 'required':
      return { path: formatPath(root, e.instancePath, String(p.missingProperty)), text: 'required field is missing' };
    case 'additionalProperties':
      return { path: formatPath(root, e.instancePath, String(p.additionalProperty)), text: 'unknown field' };
    case 'type':
      return { path, text: `must be ${typesOf([e]).join(' or ')}${got()}` };
    case 'enum': {
      const allowed = Array.isArray(p.allowedValues) ? p.allowedValues.map((v) => JSON.stringify(v)).join(', ') : '?';
      return { path, text: `must be one of ${allowed}${got()}` };
    }
    case 'const':
      return { path, text: `must be ${JSON.stringify(p.allowedValue)}${got()}` };
    case 'format':
      return { path, text: `must be ${FORMAT_TEXT[String(p.format)] ?? `a valid "${String(p.format)}"`}${got()}` };
    case 'pattern':
      return { path, text: `must match pattern ${String(p.pattern)}${got()}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { path, text: `must be ${String(p.comparison)} ${String(p.limit)}${got()}` };
    default:
      return { path, text: e.message ?? `fails "${e.keyword}" constraint` };
  }
}

/** Turns raw errors into `path: text` lines, collapsing anyOf/oneOf noise into one readable line. */
function formatErrors(root: unknown, errors: RawError[]): string[] {
  const byPath = new Map<string, RawError[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath);
    if (list) list.push(e);
    else byPath.set(e.instancePath, [e]);
  }
  const lines: string[] = [];
  for (const [pointer, errs] of byPath) {
    const alternatives = errs.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
    if (alternatives.length === 0) {
      for (const e of errs) {
        const { path, text } = describeError(root, e);
        lines.push(`${path}: ${text}`);
      }
      continue;
    }
    const path = formatPath(root, pointer);
    const typeErrs = errs.filter((e) => e.keyword === 'type');
    const others = errs.filter((e) => e.keyword !== 'type' && e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
    const multiplePassing = alternatives.some((e) => Array.isArray(e.params.passingSchemas));
    if (multiplePassing) {
      lines.push(`${path}: must match exactly one of the allowed forms, but matches several`);
    } else if (others.length > 0 && others.every((e) => e.keyword === 'required')) {
      const names = [...new Set(others.map((e) => String(e.params.missingProperty)))];
      lines.push(`${path}: must set ${alternatives.some((e) => e.keyword === 'oneOf') ? 'exactly one' : 'one'} of ${names.join(', ')}`);
    } else if (others.length > 0) {
      // The value had an acceptable type but broke a constraint of that branch.
      for (const e of others) {
        const d = describeError(root, e);
        lines.push(`${d.path}: ${d.text}`);
      }
    } else if (typeErrs.length > 0) {
      lines.push(`${path}: must be ${typesOf(typeErrs).join(' or ')}, got ${describeValue(valueAt(root, pointer))}`);
    } else if (![...byPath.keys()].some((k) => k.startsWith(`${pointer}/`))) {
      lines.push(`${path}: does not match any of the allowed forms`);
    }
  }
  return [...new Set(lines)];
}

// ---------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------

function identity(obj: unknown): { kind: string; name: string; namespace?: string } {
  const o = isObj(obj) ? obj : {};
  const md = isObj(o.metadata) ? o.metadata : {};
  const id: { kind: string; name: string; namespace?: string } = {
    kind: typeof o.kind === 'string' ? o.kind : '<no kind>',
    name: typeof md.name === 'string' ? md.name : typeof md.generateName === 'string' ? `${md.generateName}*` : '<no name>',
  };
  if (typeof md.namespace === 'string') id.namespace = md.namespace;
  return id;
}

/** Validates one manifest object; returns an empty array when it is valid. */
export function validateObject(obj: Record<string, unknown>): ManifestIssue[] {
  const id = identity(obj);
  const issue = (line: string): ManifestIssue => ({ ...id, message: `${id.kind}/${id.name}: ${line}` });
  if (!isObj(obj)) return [issue('(root): manifest must be an object')];
  const { apiVersion, kind } = obj;
  const lines: string[] = [];
  if (typeof apiVersion !== 'string' || apiVersion === '') lines.push('apiVersion: required field is missing or not a string');
  if (typeof kind !== 'string' || kind === '') lines.push('kind: required field is missing or not a string');
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || lines.length > 0) return lines.map(issue);

  const { group } = splitApiVersion(apiVersion);
  const builtin = builtinChecker(apiVersion, kind);
  if (builtin) {
    lines.push(...formatErrors(obj, validateBuiltin(builtin, obj)));
  } else {
    const crd = bundledCrds.lookup(apiVersion, kind);
    if (crd === null) return [issue(`no schema for ${apiVersion}/${kind} (not a built-in kind known to kubernetes-models and no CRD in ${shownPath(CRD_DIR)}/)`)];
    if ('problem' in crd) return [issue(crd.problem)];
    lines.push(...formatErrors(obj, crd.checker(obj)));
  }
  checkMetadata(obj, group, kind, lines);
  return [...new Set(lines)].map(issue);
}

/** Validates every object and additionally reports duplicate apiGroup/kind/namespace/name combinations. */
export function validateManifests(objs: Record<string, unknown>[]): ManifestIssue[] {
  const issues: ManifestIssue[] = [];
  const seen = new Set<string>();
  for (const obj of objs) {
    issues.push(...validateObject(obj));
    if (!isObj(obj) || typeof obj.apiVersion !== 'string' || typeof obj.kind !== 'string') continue;
    const id = identity(obj);
    if (!isObj(obj.metadata) || typeof obj.metadata.name !== 'string') continue;
    const key = `${splitApiVersion(obj.apiVersion).group}|${id.kind}|${id.namespace ?? ''}|${id.name}`;
    if (seen.has(key)) {
      issues.push({ ...id, message: `${id.kind}/${id.name}: duplicate object (same API group, kind, namespace and name appears more than once)` });
    }
    seen.add(key);
  }
  return issues;
}
