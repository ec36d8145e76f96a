/**
 * Offline validation of synthesized Kubernetes manifests: built-in kinds against kubernetes-models
 * (builtin.ts), custom resources against their CRDs in imports/crds (crds.ts), metadata syntax the
 * API server enforces (metadata.ts), and errors as one readable line each (errors.ts). Anything
 * else yields a "no schema for <apiVersion>/<kind>" issue. Validators are compiled lazily and
 * cached per apiVersion/kind.
 */
import { builtinChecker, splitApiVersion, validateBuiltin } from './builtin.js';
import { bundledCrds, CRD_DIR, shownPath } from './crds.js';
import { formatErrors } from './errors.js';
import { sizeProblems } from './limits.js';
import { checkMetadata } from './metadata.js';
import { isObj, type ManifestIssue } from './types.js';

export { CRD_DIR, CrdCatalog } from './crds.js';
export type { ManifestIssue } from './types.js';

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

/** Validates one manifest object against its schema, the metadata rules and the size limits; returns an empty array when it is valid. */
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
  return [...[...new Set(lines)].map(issue), ...sizeProblems(obj).map((line): ManifestIssue => ({ ...issue(line), limit: true }))];
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
