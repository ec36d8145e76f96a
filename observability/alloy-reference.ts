/**
 * Grafana Alloy's components as its reference documentation describes them (arguments, blocks
 * and their arguments, exported fields), and a check of an Alloy configuration against them:
 * every component, block and argument must be documented where it is used, required arguments
 * must be set, and every reference must name an export of a component the configuration defines.
 *
 * Read from the component pages of the grafana/alloy repository
 * (docs/sources/reference/components/<namespace>/<component>.md, config blocks from
 * docs/sources/reference/config-blocks/<block>.md, shared tables from
 * docs/sources/shared/reference/components/) by `npm run import:alloy`, which writes
 * imports/alloy/components.json.
 */
import { isBlock, type AlloyBlock, type AlloyExpr, type AlloyStatement } from './alloy.js';

interface AlloyBlockReference {
  /** Argument name -> required. */
  readonly arguments: Readonly<Record<string, boolean>>;
  readonly blocks: Readonly<Record<string, AlloyBlockReference>>;
}

export interface AlloyComponentReference extends AlloyBlockReference {
  /** A component takes a label (`loki.write "name"`); a config block (`logging`) does not. */
  readonly labelled: boolean;
  readonly exports: readonly string[];
}

export interface AlloyReference {
  readonly source: Readonly<Record<string, string>>;
  readonly components: Readonly<Record<string, AlloyComponentReference>>;
}

/** A page's sections: heading line -> its lines, for `##`/`###`/`####` headings. */
function sections(markdown: string): { heading: string; level: number; lines: string[] }[] {
  const out: { heading: string; level: number; lines: string[] }[] = [];
  for (const line of markdown.split('\n')) {
    const h = /^(#{1,5}) (.*)$/.exec(line);
    if (h) out.push({ heading: h[2].trim(), level: h[1].length, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

const cells = (row: string): string[] =>
  row
    .trim()
    .replace(/^\||\|$/g, '')
    .split('|')
    .map((c) => c.trim());

/** The rows of every table in `lines` whose first header cell is `first`. */
function tableRows(lines: readonly string[], first: string): string[][] {
  const rows: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].trim().startsWith('|') || cells(lines[i])[0] !== first) continue;
    for (i += 2; i < lines.length && lines[i].trim().startsWith('|'); i++) rows.push(cells(lines[i]));
  }
  return rows;
}

/** `name` from "`name`", "[`name`][link]" or "[`name`](#link)". */
const codeName = (cell: string): string => /`([^`]+)`/.exec(cell)?.[1] ?? cell;

/** Argument name -> required, from the `| Name | ... | Required |` tables of `lines` (shared tables included). */
function argumentsOf(lines: readonly string[], shared: (lookup: string) => string | undefined): Record<string, boolean> {
  const included = lines.flatMap((l) => {
    const lookup = /docs\/shared lookup="([^"]+)"/.exec(l)?.[1];
    const text = lookup ? shared(lookup) : undefined;
    return text ? text.split('\n') : [];
  });
  const args: Record<string, boolean> = {};
  for (const row of tableRows([...lines, ...included], 'Name')) {
    const name = codeName(row[0]);
    if (/^[a-z_][a-z0-9_]*$/.test(name)) args[name] = row.at(-1)?.toLowerCase() === 'yes';
  }
  return args;
}

/** One component's (or config block's) reference from its page. */
export function parseAlloyComponent(markdown: string, opts: { labelled: boolean; shared: (lookup: string) => string | undefined }): AlloyComponentReference {
  const all = sections(markdown);
  const top = (title: string) => all.find((s) => s.level === 2 && s.heading === title);
  // A block's own section: "### `name`" (nested ones may be "####").
  const blockSection = (name: string) => all.find((s) => s.level >= 3 && s.heading === `\`${name}\``);
  const within = (title: string) => {
    const at = all.findIndex((s) => s.level === 2 && s.heading === title);
    if (at < 0) return [];
    const end = all.findIndex((s, i) => i > at && s.level === 2);
    return all.slice(at, end < 0 ? undefined : end);
  };

  const argumentLines = top('Arguments')?.lines ?? [];
  const blocks: Record<string, { arguments: Record<string, boolean>; blocks: Record<string, unknown> }> = {};
  const blockLines = top('Blocks')?.lines ?? [];
  // The blocks table's first column is "Block" on most pages, "Name" on some.
  for (const row of [...tableRows(blockLines, 'Block'), ...tableRows(blockLines, 'Name')]) {
    const path = row[0].split('>').map((p) => codeName(p.trim()));
    let level = blocks;
    for (const name of path) {
      const section = blockSection(name);
      level[name] ??= { arguments: section ? argumentsOf(section.lines, opts.shared) : {}, blocks: {} };
      level = level[name].blocks as typeof blocks;
    }
  }
  const exports = tableRows(
    within('Exported fields').flatMap((s) => s.lines),
    'Name',
  ).map((r) => codeName(r[0]));
  return { labelled: opts.labelled, arguments: argumentsOf(argumentLines, opts.shared), blocks: blocks as unknown as AlloyComponentReference['blocks'], exports };
}

function references(value: AlloyExpr, into: string[]): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, into);
  else if (typeof value === 'object' && value !== null) {
    if ('ref' in value) into.push(value.ref);
    else if ('call' in value) for (const a of value.args) references(a, into);
    else if ('object' in value) for (const v of Object.values(value.object)) references(v, into);
  }
  return into;
}

/** What in `config` the reference does not allow; [] when every block, argument and reference is documented. */
export function alloyConfigProblems(config: readonly AlloyBlock[], reference: AlloyReference): string[] {
  const problems: string[] = [];
  const defined = new Map<string, AlloyComponentReference>();
  const version = reference.source.version ?? '';

  const checkBody = (body: readonly AlloyStatement[], ref: AlloyBlockReference, where: string) => {
    const set = new Set<string>();
    for (const s of body) {
      if (isBlock(s)) {
        const child = ref.blocks[s.block];
        if (!child) problems.push(`${where}: Alloy ${version} documents no block "${s.block}" here`);
        else checkBody(s.body, child, `${where} > ${s.block}`);
      } else {
        set.add(s.attribute);
        if (!(s.attribute in ref.arguments)) problems.push(`${where}: Alloy ${version} documents no argument "${s.attribute}" here`);
      }
    }
    for (const [name, required] of Object.entries(ref.arguments)) if (required && !set.has(name)) problems.push(`${where}: the required argument "${name}" is missing`);
  };

  for (const b of config) {
    const component = reference.components[b.block];
    const where = b.label === undefined ? b.block : `${b.block} "${b.label}"`;
    if (!component) {
      problems.push(`${where}: not a component or config block of Alloy ${version}`);
      continue;
    }
    if (component.labelled !== (b.label !== undefined)) problems.push(`${where}: ${component.labelled ? 'a component needs a label' : 'a config block takes no label'}`);
    if (b.label !== undefined) {
      if (defined.has(`${b.block}.${b.label}`)) problems.push(`${where}: defined twice`);
      defined.set(`${b.block}.${b.label}`, component);
    }
    checkBody(b.body, component, where);
  }

  const statements = (body: readonly AlloyStatement[]): AlloyStatement[] => body.flatMap((s) => (isBlock(s) ? statements(s.body) : [s]));
  for (const b of config) {
    for (const s of statements(b.body)) {
      if (isBlock(s)) continue;
      for (const r of references(s.value, [])) {
        const match = [...defined.entries()].find(([id]) => r.startsWith(`${id}.`));
        const field = match ? r.slice(match[0].length + 1) : undefined;
        if (!match || !field) problems.push(`${b.block} "${b.label}": ${r} names no component the configuration defines`);
        else if (!match[1].exports.includes(field)) problems.push(`${b.block} "${b.label}": ${match[0]} exports no "${field}"`);
      }
    }
  }
  return problems;
}
