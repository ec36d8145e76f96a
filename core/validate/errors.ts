/** Validator errors as one readable line each: the field path with names of list items, and what is wrong. */
import { isObj, type RawError } from './types.js';

// ---------------------------------------------------------------------------
// Error formatting
// ---------------------------------------------------------------------------

export function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function formatKey(key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/** JSON pointer -> `spec.containers[0].ports`, using the data to tell array indices from map keys. */
function formatPath(root: unknown, pointer: string, extra?: string): string {
  const segments =
    pointer === ''
      ? []
      : pointer
          .slice(1)
          .split('/')
          .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
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
export function formatErrors(root: unknown, errors: RawError[]): string[] {
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
