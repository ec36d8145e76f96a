/**
 * Built-in kinds (anything `kubernetes-models` knows), validated with the precompiled validators it
 * ships, looked up generically from apiVersion/kind (`kubernetes-models/<group>/<version>/<Kind>`)
 * through a synchronous `require`. Those validators do not reject unknown fields, so the object is
 * run through a recording Proxy: every field the validator reads is "known"; any other field of an
 * object the validator inspected is reported as unknown. Objects whose keys the validator
 * enumerates (maps such as labels) and objects it never looks into (RawExtension) are exempt.
 */
import { createRequire } from 'node:module';
import { escapePointer } from './errors.js';
import { isObj, type Checker, type Json, type RawError } from './types.js';

const requireCjs = createRequire(import.meta.url);
// ---------------------------------------------------------------------------
// Built-in kinds (kubernetes-models)
// ---------------------------------------------------------------------------

interface ModelCtor {
  apiVersion?: unknown;
  kind?: unknown;
  prototype: { validate?: (this: unknown) => void };
}

const builtinCache = new Map<string, Checker | null>();

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function builtinChecker(apiVersion: string, kind: string): Checker | null {
  const key = `${apiVersion}|${kind}`;
  const cached = builtinCache.get(key);
  if (cached !== undefined) return cached;
  let checker: Checker | null = null;
  const { group, version } = splitApiVersion(apiVersion);
  // Guard the module path against anything that is not a plausible group/version/kind.
  if (/^([a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$/.test(group) && /^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
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
    for (const [i, item] of node.entries()) collectUnknownFields(item, `${pointer}/${i}`, accesses, out);
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

export function validateBuiltin(checker: Checker, obj: Json): RawError[] {
  // Plain JSON copy: drops `undefined` like serialisation does and keeps Proxy invariants trivially satisfied.
  const copy = JSON.parse(JSON.stringify(obj)) as Json;
  const { proxy, accesses } = recordAccesses(copy);
  const errors = [...checker(proxy)];
  collectUnknownFields(copy, '', accesses, errors);
  return errors;
}
