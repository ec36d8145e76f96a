/**
 * Object-by-object comparison of two sets of manifests, with field-level changes: what
 * `npm run diff` prints.
 */
import { isPlainObject } from '../config/merge.js';
import type { Manifest } from '../core/manifest.js';

export interface FieldChange {
  /** e.g. `spec.template.spec.containers[0].image` */
  readonly path: string;
  /** undefined: the field is absent on that side. */
  readonly before?: unknown;
  readonly after?: unknown;
}

interface ObjectChange {
  readonly key: string;
  readonly changes: FieldChange[];
}

export interface ManifestDiff {
  /** Keys of objects only in `after`. */
  readonly added: string[];
  /** Keys of objects only in `before`. */
  readonly removed: string[];
  readonly changed: ObjectChange[];
}

/** kind/namespace/name (kind/name for cluster-scoped objects). */
export function objectKey(object: Manifest): string {
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  return [object.kind, metadata.namespace, metadata.name].filter((part) => part !== undefined && part !== '').join('/');
}

/** Matches objects by objectKey; `added` and `removed` are from `before` to `after`. */
export function diffManifests(before: readonly Manifest[], after: readonly Manifest[]): ManifestDiff {
  const beforeByKey = new Map(before.map((o) => [objectKey(o), o]));
  const afterByKey = new Map(after.map((o) => [objectKey(o), o]));
  const sorted = (keys: Iterable<string>) => [...keys].sort();
  return {
    added: sorted([...afterByKey.keys()].filter((k) => !beforeByKey.has(k))),
    removed: sorted([...beforeByKey.keys()].filter((k) => !afterByKey.has(k))),
    changed: sorted([...afterByKey.keys()].filter((k) => beforeByKey.has(k)))
      .map((k) => ({ key: k, changes: diffValues(beforeByKey.get(k), afterByKey.get(k)) }))
      .filter((c) => c.changes.length > 0),
  };
}

export function isEmptyDiff(diff: ManifestDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

/** Leaf-level differences between two JSON values; lists are compared index by index. */
export function diffValues(before: unknown, after: unknown, path: readonly (string | number)[] = []): FieldChange[] {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], [...path, k]));
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const key = listKey(before, after);
    if (key) {
      // Items matched by their key, so inserting one item reports that item, not every item after it.
      const byKey = (items: readonly unknown[]) => new Map(items.map((item) => [String((item as Record<string, unknown>)[key]), item]));
      const [old, neu] = [byKey(before), byKey(after)];
      const ids = [...new Set([...old.keys(), ...neu.keys()])];
      return ids.flatMap((id) => diffValues(old.get(id), neu.get(id), [...path, `${key}=${id}`]));
    }
    return Array.from({ length: Math.max(before.length, after.length) }, (_, i) => diffValues(before[i], after[i], [...path, i])).flat();
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: fieldPath(path), before, after }];
}

/** Fields that identify an item of a Kubernetes list (containers, env, ports, volumes, Ingress paths, alert rules, kustomize resources). */
const LIST_KEYS = ['name', 'path', 'containerPort', 'port', 'alert', 'record', 'mountPath'] as const;

/** The field every item of both lists has, unique within each list; undefined when there is none. */
function listKey(...lists: (readonly unknown[])[]): string | undefined {
  const items = lists.flat();
  if (items.length === 0 || !items.every(isPlainObject)) return undefined;
  return LIST_KEYS.find((key) =>
    lists.every((list) => {
      const values = list.map((item) => (item as Record<string, unknown>)[key]);
      return values.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(values).size === values.length;
    }),
  );
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `spec.containers[0].image`; keys that are not identifiers are quoted: `metadata.labels["app.kubernetes.io/name"]`. */
export function fieldPath(path: readonly (string | number)[]): string {
  return path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    if (LIST_KEYS.some((listKey) => key.startsWith(`${listKey}=`))) return `${acc}[${key}]`;
    if (!IDENTIFIER.test(key)) return `${acc}[${JSON.stringify(key)}]`;
    return acc ? `${acc}.${key}` : key;
  }, '');
}

function formatValue(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

/** Strings longer than this, or with line breaks, are compared line by line instead of printed whole. */
const LONG_TEXT = 160;
/** Unchanged lines shown around each changed line of a text. */
const CONTEXT_LINES = 2;
/** Largest line-matching table (lines before x lines after, once common ends are dropped). */
const MAX_MATCHED_CELLS = 4_000_000;

/** Human-readable lines: `+ key` added, `- key` removed, `~ key` changed with one line per field. */
export function formatDiff(diff: ManifestDiff): string[] {
  return [...diff.added.map((k) => `+ ${k}`), ...diff.removed.map((k) => `- ${k}`), ...diff.changed.flatMap((c) => [`~ ${c.key}`, ...c.changes.flatMap(formatChange)])];
}

function formatChange(change: FieldChange): string[] {
  const { before, after } = change;
  if (typeof before === 'string' && typeof after === 'string' && isLongText(before, after)) {
    const lines = textDiff(textLines(before), textLines(after));
    return [`    ${change.path}: (text, line by line)`, ...lines.map((line) => `      ${line}`)];
  }
  return [`    ${change.path}: ${formatValue(before)} -> ${formatValue(after)}`];
}

function isLongText(...texts: string[]): boolean {
  return texts.some((t) => t.length > LONG_TEXT || t.includes('\n'));
}

/** The lines of a text; embedded JSON (Grafana dashboards) is pretty-printed first so a change is a few lines. */
function textLines(text: string): string[] {
  const trimmed = text.trim();
  if (/^[[{]/.test(trimmed)) {
    try {
      return JSON.stringify(JSON.parse(trimmed), null, 2).split('\n');
    } catch {
      // not JSON: compare as written
    }
  }
  return text.split('\n');
}

/**
 * A unified-style line diff: `- ` removed, `+ ` added, `  ` context (CONTEXT_LINES around each
 * change), `…` between hunks. Common leading and trailing lines are dropped first; the rest is
 * matched by a longest common subsequence.
 */
export function textDiff(before: readonly string[], after: readonly string[]): string[] {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  const a = before.slice(start, before.length - end);
  const b = after.slice(start, after.length - end);
  const ops: [' ' | '-' | '+', string][] = before.slice(0, start).map((line): [' ', string] => [' ', line]);
  if (a.length * b.length > MAX_MATCHED_CELLS) {
    // Texts that differ almost everywhere: old lines, then new ones (the table would not fit in memory).
    ops.push(...a.map((line): ['-', string] => ['-', line]), ...b.map((line): ['+', string] => ['+', line]));
  } else {
    // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
    const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
    for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (i < a.length && j < b.length && a[i] === b[j]) {
        ops.push([' ', a[i]]);
        i++;
        j++;
      } else if (j < b.length && (i === a.length || lcs[i][j + 1] > lcs[i + 1][j])) ops.push(['+', b[j++]]);
      else ops.push(['-', a[i++]]);
    }
  }
  ops.push(...before.slice(before.length - end).map((line): [' ', string] => [' ', line]));
  const near = (k: number) => ops.slice(Math.max(0, k - CONTEXT_LINES), k + CONTEXT_LINES + 1).some(([op]) => op !== ' ');
  const out: string[] = [];
  let skipped = false;
  ops.forEach(([op, line], k) => {
    if (op === ' ' && !near(k)) {
      skipped = true;
      return;
    }
    if (skipped && out.length) out.push('…');
    skipped = false;
    out.push(`${op} ${line}`);
  });
  return out;
}

export function summary(diff: ManifestDiff): string {
  return `${diff.added.length} added, ${diff.removed.length} removed, ${diff.changed.length} changed`;
}

/**
 * Replaces each key of `replacements` by its value wherever it appears as a whole name or as the
 * part of a derived one ("webapp-prod", "loki-webapp-prod-logging", not "webapp-production") in
 * strings and map keys, and drops metadata.namespace: makes two environments' objects
 * comparable, matched by kind/name. Longer keys are replaced first.
 */
export function withPlaceholders(objects: readonly Manifest[], replacements: Readonly<Record<string, string>>): Manifest[] {
  const patterns = Object.keys(replacements)
    .sort((a, b) => b.length - a.length)
    .map((from) => [new RegExp(`(?<![A-Za-z0-9])${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g'), replacements[from]] as const);
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') return patterns.reduce((s, [pattern, to]) => s.replace(pattern, to), value);
    if (Array.isArray(value)) return value.map(replace);
    if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [replace(k), replace(v)]));
    return value;
  };
  return objects.map((o) => {
    const copy = replace(o) as Manifest;
    if (isPlainObject(copy.metadata)) delete copy.metadata.namespace;
    return copy;
  });
}
