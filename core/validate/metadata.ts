/** What the API server checks of every object's metadata: name, namespace, label and annotation syntax. */
import { formatKey } from './errors.js';
import { isObj, type Json } from './types.js';

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

export function checkMetadata(obj: Json, group: string, kind: string, out: string[]): void {
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
      if (name.length > 63 || !DNS1035_LABEL.test(name))
        out.push(`metadata.name: ${JSON.stringify(name)} is not a valid DNS-1035 label (lowercase alphanumerics and "-", starting with a letter, at most 63 characters)`);
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
      isObj(spec?.jobTemplate) && isObj(spec.jobTemplate.spec) && isObj(spec.jobTemplate.spec.template) ? spec.jobTemplate.spec.template.metadata : undefined,
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
