/**
 * Object-by-object comparison of two sets of manifests, with field-level changes: what
 * `npm run diff` prints.
 */
import { isPlainObject } from '../config/merge.js';
import { stringify } from 'yaml';
import type { Manifest } from '../core/manifest.js';

export interface FieldChange {
  /** e.g. `spec.template.spec.containers[name=backend].image` */
  readonly path: string;
  /** undefined: the field is absent on that side. */
  readonly before?: unknown;
  readonly after?: unknown;
}

interface ObjectChange {
  readonly key: string;
  readonly changes: FieldChange[];
}

/** What one file gains, loses and changes (objects counted by their file after the change, else before). */
interface FileStat {
  readonly file: string;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
}

export interface ManifestDiff {
  /** Keys of objects only in `after`. */
  readonly added: string[];
  /** Keys of objects only in `before`. */
  readonly removed: string[];
  readonly changed: ObjectChange[];
  /** Per file, for files that differ, sorted by name (diffFiles only). */
  readonly files?: FileStat[];
}

/** A file's objects, as read from dist/ or rendered. */
export interface ManifestFile {
  readonly name: string;
  readonly objects: readonly Manifest[];
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

/** diffManifests of two directories' files, with the `--stat` counts per file. */
export function diffFiles(before: readonly ManifestFile[], after: readonly ManifestFile[]): ManifestDiff {
  const fileOf = new Map<string, string>();
  for (const side of [before, after]) for (const file of side) for (const object of file.objects) fileOf.set(objectKey(object), file.name);
  const diff = diffManifests(
    before.flatMap((f) => f.objects),
    after.flatMap((f) => f.objects),
  );
  const stats = new Map<string, { added: number; removed: number; changed: number }>();
  const count = (key: string, field: 'added' | 'removed' | 'changed') => {
    const file = fileOf.get(key) ?? '?';
    const stat = stats.get(file) ?? { added: 0, removed: 0, changed: 0 };
    stat[field]++;
    stats.set(file, stat);
  };
  for (const key of diff.added) count(key, 'added');
  for (const key of diff.removed) count(key, 'removed');
  for (const { key } of diff.changed) count(key, 'changed');
  return { ...diff, files: [...stats].sort(([a], [b]) => a.localeCompare(b)).map(([file, stat]) => ({ file, ...stat })) };
}

export function isEmptyDiff(diff: ManifestDiff): boolean {
  return diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
}

/**
 * Leaf-level differences between two JSON values. List items are matched by their key when they
 * have one (listKey); other lists by a longest common subsequence of equal items, so an insertion
 * is one added item: what is left between two matched items is paired in order (a changed item),
 * the rest is added or removed. Paths index the list after the change (before it, for removed items).
 */
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
    return matchItems(before, after).flatMap(([i, j]) => {
      const [old, neu] = [i === undefined ? undefined : before[i], j === undefined ? undefined : after[j]];
      return diffValues(old, neu, [...path, j ?? i ?? 0]);
    });
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  return [{ path: fieldPath(path), before, after }];
}

/** Largest item-matching table for lists without a key; longer lists are compared by index. */
const MAX_MATCHED_ITEMS = 250_000;

/**
 * Index pairs [before, after] of two keyless lists: equal items matched by a longest common
 * subsequence, the items between two matches paired in order, the rest alone ([i, undefined] removed,
 * [undefined, j] added). Equal pairs are included (diffValues finds nothing in them).
 */
export function matchItems(before: readonly unknown[], after: readonly unknown[]): [number | undefined, number | undefined][] {
  if (before.length * after.length > MAX_MATCHED_ITEMS) {
    return Array.from({ length: Math.max(before.length, after.length) }, (_, k) => [k < before.length ? k : undefined, k < after.length ? k : undefined]);
  }
  const [a, b] = [before.map((v) => JSON.stringify(v)), after.map((v) => JSON.stringify(v))];
  const equal = lcsPairs(a, b);
  const pairs: [number | undefined, number | undefined][] = [];
  let [i, j] = [0, 0];
  for (const [mi, mj] of [...equal, [a.length, b.length]]) {
    // The unmatched stretch before this match: paired in order, then the rest of the longer side.
    const [removed, added] = [mi - i, mj - j];
    for (let k = 0; k < Math.max(removed, added); k++) pairs.push([k < removed ? i + k : undefined, k < added ? j + k : undefined]);
    if (mi < a.length) pairs.push([mi, mj]);
    [i, j] = [mi + 1, mj + 1];
  }
  return pairs;
}

/** Index pairs of a longest common subsequence of two string lists, in order. */
function lcsPairs(a: readonly string[], b: readonly string[]): [number, number][] {
  // lcs[i][j]: length of the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const pairs: [number, number][] = [];
  let [i, j] = [0, 0];
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) pairs.push([i++, j++]);
    else if (lcs[i][j + 1] > lcs[i + 1][j]) j++;
    else i++;
  }
  return pairs;
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

/** Strings longer than this, or with line breaks, are compared line by line instead of printed whole. */
const LONG_TEXT = 160;
/** Objects and lists whose JSON is longer than this are printed as YAML, one line per field. */
const INLINE_VALUE = 120;
/** A field's `old -> new` line longer than this shows the two values on lines of their own. */
const WIDE_LINE = 200;
/** Unchanged lines shown around each changed line of a text. */
const CONTEXT_LINES = 3;
/** Lines shown of a text, object or list that is only on one side; the rest is counted. */
const MAX_ONE_SIDED_LINES = 12;
/** Lines shown of one text's line diff; the rest is counted. */
const MAX_TEXT_DIFF_LINES = 80;
/** No printed line is longer than this: the rest is cut and counted. */
export const MAX_LINE = 400;
/** Largest line-matching table (lines before x lines after, once common ends are dropped). */
const MAX_MATCHED_CELLS = 4_000_000;

/** How a printed line reads: added, removed, changed, or plain; `colour` turns it into ANSI colours. */
type Tone = '+' | '-' | '~' | ' ';
interface Line {
  readonly tone: Tone;
  readonly text: string;
}

const ANSI: Record<Tone, string> = { '+': '\x1b[32m', '-': '\x1b[31m', '~': '\x1b[33m', ' ': '' };
const RESET = '\x1b[0m';

/** Room left for the indentation commands put in front of formatDiff's lines. */
const INDENT_ROOM = 8;

/** Cuts a line so that it stays under MAX_LINE characters once indented, saying how many were left out. */
export function capLine(text: string): string {
  const budget = MAX_LINE - INDENT_ROOM;
  if (text.length <= budget) return text;
  let kept = budget;
  // The note's length depends on the count it states.
  while (kept + ` … (${text.length - kept} more characters)`.length > budget) kept--;
  return `${text.slice(0, kept)} … (${text.length - kept} more characters)`;
}

function render(lines: readonly Line[], colour: boolean): string[] {
  return lines.map(({ tone, text }) => {
    const capped = capLine(text);
    return colour && ANSI[tone] ? `${ANSI[tone]}${capped}${RESET}` : capped;
  });
}

/**
 * Human-readable lines: `+ key` added, `- key` removed, `~ key` changed with one line per field;
 * long texts as a line diff, large objects as YAML, every line at most MAX_LINE characters.
 * `colour`: ANSI colours (green added, red removed, yellow changed), for a terminal.
 */
export function formatDiff(diff: ManifestDiff, colour = false): string[] {
  return render(
    [
      ...diff.added.map((k): Line => ({ tone: '+', text: `+ ${k}` })),
      ...diff.removed.map((k): Line => ({ tone: '-', text: `- ${k}` })),
      ...diff.changed.flatMap((c) => [{ tone: '~', text: `~ ${c.key}` } as Line, ...c.changes.flatMap(formatChange)]),
    ],
    colour,
  );
}

/** The `--stat` lines of a diff made by diffFiles: one per file that differs. */
export function formatStat(diff: ManifestDiff, colour = false): string[] {
  const files = diff.files ?? [];
  const width = Math.max(0, ...files.map((f) => f.file.length));
  return render(
    files.map((f): Line => {
      const counts = [f.added && `${f.added} added`, f.removed && `${f.removed} removed`, f.changed && `${f.changed} changed`].filter(Boolean);
      return { tone: f.added && !f.removed && !f.changed ? '+' : f.removed && !f.added && !f.changed ? '-' : '~', text: `${f.file.padEnd(width)}  ${counts.join(', ')}` };
    }),
    colour,
  );
}

const FIELD = '    ';
const DETAIL = '      ';

function formatChange(change: FieldChange): Line[] {
  const { before, after } = change;
  if (typeof before === 'string' && typeof after === 'string' && isLongText(before, after)) {
    const lines = capped(textDiff(textLines(before), textLines(after)), MAX_TEXT_DIFF_LINES, 'changed lines');
    return [{ tone: ' ', text: `${FIELD}${change.path}: (text, line by line)` }, ...lines.map((line) => ({ tone: toneOf(line), text: `${DETAIL}${line}` }))];
  }
  if (isInline(before) && isInline(after)) {
    const line = `${FIELD}${change.path}: ${formatValue(before)} -> ${formatValue(after)}`;
    if (line.length <= WIDE_LINE) return [{ tone: ' ', text: line }];
    // Old and new value each on a line of its own, one above the other.
    const side = (value: unknown, sign: '-' | '+'): Line[] => (value === undefined ? [] : [{ tone: sign, text: `${DETAIL}${sign} ${formatValue(value)}` }]);
    return [{ tone: ' ', text: `${FIELD}${change.path}:` }, ...side(before, '-'), ...side(after, '+')];
  }
  // A large value on either side: each side as lines, the first few of each.
  const side = (value: unknown, sign: '-' | '+'): Line[] =>
    value === undefined
      ? []
      : capped(valueLines(value), MAX_ONE_SIDED_LINES, 'lines').map((line) => ({
          tone: line === '…' || line.startsWith('… ') ? ' ' : sign,
          text: `${DETAIL}${line.startsWith('…') ? line : `${sign} ${line}`}`,
        }));
  const shape = (value: unknown) =>
    value === undefined ? '(absent)' : typeof value === 'string' ? `text of ${textLines(value).length} lines` : Array.isArray(value) ? `list of ${value.length}` : 'object';
  return [{ tone: ' ', text: `${FIELD}${change.path}: ${shape(before)} -> ${shape(after)}` }, ...side(before, '-'), ...side(after, '+')];
}

function toneOf(line: string): Tone {
  return line.startsWith('+ ') ? '+' : line.startsWith('- ') ? '-' : ' ';
}

/** A value printed on the field's line: scalars, short strings, small objects and lists. */
function isInline(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value === 'string') return !isLongText(value);
  return JSON.stringify(value).length <= INLINE_VALUE;
}

function formatValue(value: unknown): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

/** A value as lines: a text's lines (JSON pretty-printed), an object or list as YAML. */
function valueLines(value: unknown): string[] {
  if (typeof value === 'string') return textLines(value);
  return stringify(value, { lineWidth: 0 }).trimEnd().split('\n');
}

/** The first `max` lines, then one line counting the rest. */
function capped(lines: readonly string[], max: number, what: string): string[] {
  return lines.length <= max ? [...lines] : [...lines.slice(0, max), `… ${lines.length - max} more ${what}`];
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
    let [i, j] = [0, 0];
    for (const [mi, mj] of [...lcsPairs(a, b), [a.length, b.length]]) {
      while (i < mi) ops.push(['-', a[i++]]);
      while (j < mj) ops.push(['+', b[j++]]);
      if (mi < a.length) ops.push([' ', a[mi]]);
      [i, j] = [mi + 1, mj + 1];
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
