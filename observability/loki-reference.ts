/**
 * Loki's configuration keys as its documentation lists them, and a check of a configuration
 * against them: every key must be one Loki documents for that place (unknown keys rejected, as
 * Loki's own strict YAML parsing does), and every value of the documented kind.
 *
 * The reference is read from Loki's generated configuration reference
 * (docs/sources/shared/configuration.md of the grafana/loki repository, the text behind
 * https://grafana.com/docs/loki/<version>/configure/), whose fenced blocks list each key as
 * `[key: <type> | default = ...]`, an inline block as `key:` with its keys indented below, a
 * named block as `[key: <block_name>]` (described under `### block_name`) and an embedded one as
 * `[<block_name>]`. `npm run import:loki` turns it into imports/loki/config-keys.json.
 */

/** A key's value: a documented type (`<int>`, ...), a named block, a list of them, or an inline block. */
type LokiNode = string | { readonly $block: string } | { readonly $listOf: string } | { readonly $embed: readonly string[]; readonly keys: LokiKeys };
interface LokiKeys {
  readonly [key: string]: LokiNode;
}

export interface LokiReference {
  readonly source: Readonly<Record<string, string>>;
  /** "loki.yaml" is the root; the others are the named blocks. */
  readonly blocks: Readonly<Record<string, { readonly $embed: readonly string[]; readonly keys: LokiKeys }>>;
}

const ROOT_BLOCK = 'loki.yaml';
const ROOT_HEADING = '### Supported contents and default values of `loki.yaml`';

interface Line {
  readonly indent: number;
  readonly text: string;
}

/**
 * The reference block of a heading's section, as lines without comments: its last fenced block
 * (a section may show an example configuration first).
 */
function fencedLines(lines: readonly string[], from: number): Line[] {
  let fence: Line[] | undefined;
  for (let i = from + 1; i < lines.length && !lines[i].startsWith('#'); i++) {
    if (!lines[i].startsWith('```')) continue;
    const body: Line[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) {
      const text = lines[i].trim();
      if (text !== '' && !text.startsWith('#')) body.push({ indent: lines[i].length - lines[i].trimStart().length, text });
    }
    fence = body;
  }
  return fence ?? [];
}

/** `[key: <type>]`; an empty key (`[: <map of string to Header>]`) stands for any key of a map. */
const ENTRY = /^\[([A-Za-z0-9_]*): (<.*>)(?: \| default = .*)?\]$/;
const EMBED = /^\[<([a-z0-9_]+)>\]$/;
const INLINE = /^([A-Za-z0-9_]+):$/;

/** Parses the lines of one block from `start` at `indent` into `keys`; returns the next line index. */
function parseBlock(lines: readonly Line[], start: number, indent: number, into: { $embed: string[]; keys: Record<string, LokiNode> }, blockNames: ReadonlySet<string>): number {
  let i = start;
  while (i < lines.length && lines[i].indent >= indent) {
    const { text } = lines[i];
    if (lines[i].indent > indent) throw new Error(`unexpected indentation at "${text}"`);
    const entry = ENTRY.exec(text);
    const embed = EMBED.exec(text);
    const inline = INLINE.exec(text);
    if (entry) {
      const [, key, type] = entry;
      const name = type.slice(1, -1);
      const list = /^list of ([a-z0-9_]+?)s$/.exec(name);
      if (blockNames.has(name)) into.keys[key] = { $block: name };
      else if (list && blockNames.has(list[1])) into.keys[key] = { $listOf: list[1] };
      else into.keys[key] = type;
      i++;
    } else if (embed) {
      into.$embed.push(embed[1]);
      i++;
    } else if (inline) {
      const child = { $embed: [] as string[], keys: {} as Record<string, LokiNode> };
      into.keys[inline[1]] = child;
      const next = lines[i + 1];
      i = next && next.indent > indent ? parseBlock(lines, i + 1, next.indent, child, blockNames) : i + 1;
    } else {
      throw new Error(`cannot read the reference line "${text}"`);
    }
  }
  return i;
}

/** The key tree of Loki's configuration reference (configuration.md). */
export function parseLokiReference(markdown: string, source: Record<string, string>): LokiReference {
  const lines = markdown.split('\n');
  const rootAt = lines.indexOf(ROOT_HEADING);
  if (rootAt < 0) throw new Error(`no "${ROOT_HEADING}" heading: not Loki's configuration reference`);
  const end = lines.findIndex((l, i) => i > rootAt && l.startsWith('## '));
  const headings = lines.map((l, i) => [l, i] as const).filter(([l, i]) => i > rootAt && (end < 0 || i < end) && /^### [a-z0-9_]+$/.test(l));
  const blockNames = new Set(headings.map(([l]) => l.slice(4)));
  const blocks: Record<string, { $embed: string[]; keys: Record<string, LokiNode> }> = {};
  for (const [name, at] of [[ROOT_BLOCK, rootAt] as const, ...headings.map(([l, i]) => [l.slice(4), i] as const)]) {
    const body = fencedLines(lines, at);
    const block = { $embed: [] as string[], keys: {} as Record<string, LokiNode> };
    if (body.length) {
      const last = parseBlock(body, 0, body[0].indent, block, blockNames);
      if (last !== body.length) throw new Error(`block ${name}: stopped at "${body[last].text}"`);
    }
    blocks[name] = block;
  }
  return { source, blocks };
}

const DURATION = /^(0|([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h|d|w|y))+)$/;
const DAY = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const BYTES = /^[0-9]+(\.[0-9]+)?\s*([KMGTPE]i?)?B$/i;
const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `value` is of the documented `type`; unknown types accept anything. */
function ofType(type: string, value: unknown): boolean {
  switch (type) {
    case '<string>':
    case '<url>':
      return typeof value === 'string';
    case '<int>':
      // Byte sizes (flagext.ByteSize, e.g. per_stream_rate_limit) are documented as <int> and read "3MB" too.
      return Number.isInteger(value) || (typeof value === 'string' && BYTES.test(value));
    case '<float>':
      return typeof value === 'number';
    case '<boolean>':
      return typeof value === 'boolean';
    case '<duration>':
      return (typeof value === 'string' && DURATION.test(value)) || value === 0;
    case '<daytime>':
      return typeof value === 'string' && DAY.test(value);
    case '<list of strings>':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    case '<map of string to string>':
      return isPlain(value) && Object.values(value).every((v) => typeof v === 'string');
    default:
      return true;
  }
}

/** Every key path of `config` that Loki's reference does not document, or whose value is not of the documented type. */
export function lokiConfigProblems(config: unknown, reference: LokiReference): string[] {
  const problems: string[] = [];
  const blockKeys = (name: string): Record<string, LokiNode> => {
    const block = reference.blocks[name];
    if (!block) throw new Error(`the reference has no block ${name}`);
    return Object.assign({}, ...block.$embed.map(blockKeys), block.keys);
  };
  const check = (value: unknown, node: LokiNode, path: string): void => {
    if (typeof node === 'string') {
      if (!ofType(node, value)) problems.push(`${path}: ${JSON.stringify(value)} is not a ${node}`);
    } else if ('$listOf' in node) {
      if (!Array.isArray(value)) problems.push(`${path}: not a list of ${node.$listOf}`);
      else for (const [i, item] of value.entries()) check(item, { $block: node.$listOf }, `${path}[${i}]`);
    } else {
      const keys = '$block' in node ? blockKeys(node.$block) : Object.assign({}, ...node.$embed.map(blockKeys), node.keys);
      if (!isPlain(value)) {
        problems.push(`${path}: not a mapping`);
        return;
      }
      for (const [key, v] of Object.entries(value)) {
        const child = keys[key] ?? keys[''];
        const at = path ? `${path}.${key}` : key;
        if (child === undefined) problems.push(`${at}: not a key Loki ${reference.source.version ?? ''} documents here`.replace(/ {2}/, ' '));
        else check(v, child, at);
      }
    }
  };
  check(config, { $block: ROOT_BLOCK }, '');
  return problems;
}
