/**
 * Merges the renderings of many variants (environments, and configs with one or several values
 * changed) into one template: what every variant has is written once; what only some have is
 * wrapped in the simplest condition over the switches that is true exactly for those variants.
 * A difference no such condition explains is an error: the chart could not reproduce it.
 */
import { CANARY_SERVICE } from './knobs.js';
import type { Switch } from './switches.js';
import type { Part, Ref, VNode, VariantOutput } from './variant.js';
import { partsText, refName, templateText } from './variant.js';

/** A literal of a condition: switch `s`, or its negation. */
interface Literal {
  readonly s: number;
  readonly negated: boolean;
}

/** A literal with the variants (bits) where it is true. */
type MaskedLiteral = Literal & { readonly mask: bigint };

/** A condition: all (`and`) or any (`or`) of its literals. */
export interface Clause {
  readonly op: 'and' | 'or';
  readonly literals: readonly Literal[];
}

/**
 * A clause, or (`any`) a choice per environment: `(environment is dev and <clause>) or ...`, for
 * differences that no value explains across environments but values explain within each.
 */
export type Condition = Clause | { readonly op: 'any'; readonly terms: readonly EnvironmentTerm[] };

/** `environment == <name>`, and within that environment `within` when given. */
interface EnvironmentTerm {
  readonly environment: Literal;
  readonly within?: Clause;
}

/** One alternative of an entry or list item; without a condition it is the `else`. */
export interface Branch {
  readonly condition?: Condition;
  readonly node: TNode;
}

export type TNode =
  | { readonly t: 'lit'; readonly v: string | number | boolean | null }
  | { readonly t: 'str'; readonly parts: readonly Part[] }
  | { readonly t: 'num'; readonly ref: Ref }
  | { readonly t: 'checksum'; readonly configMap: string; readonly key?: string }
  | { readonly t: 'map'; readonly entries: readonly MapEntry[] }
  | { readonly t: 'list'; readonly items: readonly (readonly Branch[])[] };

interface MapEntry {
  readonly key: string;
  /** A key made from values, e.g. "{{ .Release.Name }}-overview.json". */
  readonly keyParts?: readonly Part[];
  readonly branches: readonly Branch[];
}

/** A template file: its objects, each with the branches it may take. */
export type TemplateFile = readonly (readonly Branch[])[];

interface Sample {
  readonly variant: number;
  readonly node: VNode;
}

/** A difference the chart cannot express: the place and what to do, for one line of output. */
export class ChartGenerationError extends Error {
  override name = 'ChartGenerationError';
}

export interface NamedVariant {
  readonly name: string;
  /** Chart values of the variant, which the switches are evaluated on. */
  readonly values: unknown;
  readonly output: VariantOutput;
}

export function mergeVariants(variants: readonly NamedVariant[], switches: readonly Switch[]): Map<string, TemplateFile> {
  const merger = new Merger(variants, switches);
  const files = new Map<string, TemplateFile>();
  const all = variants.map((_, i) => i);
  const fileNames = unionOrder(variants.map((v) => [...v.output.keys()]));
  for (const file of fileNames) {
    const samples = variants.flatMap((v, i) => {
      const items = v.output.get(file);
      return items ? [{ variant: i, node: { t: 'list', items } as VNode }] : [];
    });
    files.set(file, merger.listItems(samples, all, [file]));
  }
  return files;
}

class Merger {
  /** The service each switch is about, if any (see serviceOf). */
  private readonly switchServices: readonly (string | undefined)[];
  /** Services some switch is about. */
  private readonly services: ReadonlySet<string>;
  /** Every switch and its negation, with the variants where each is true. */
  private readonly literals: readonly MaskedLiteral[];
  private readonly ownLiteralsByOwners = new Map<string, readonly MaskedLiteral[]>();
  /** Switch index of `environment == <name>`, by environment name. */
  private readonly environmentSwitches: ReadonlyMap<string, number>;

  constructor(
    private readonly variants: readonly NamedVariant[],
    private readonly switches: readonly Switch[],
  ) {
    const masks = switches.map((s) => maskOf(variants.map((v) => s.test(v.values))));
    const everyVariant = maskOfVariants(variants.keys());
    this.literals = masks.flatMap((mask, s) => [
      { s, negated: false, mask },
      { s, negated: true, mask: ~mask & everyVariant },
    ]);
    this.environmentSwitches = new Map(switches.flatMap((s, i) => (s.environment === undefined ? [] : [[s.environment, i] as const])));
    this.switchServices = switches.map(serviceOf);
    this.services = new Set(this.switchServices.flatMap((service) => service ?? []));
  }

  /** The branches of a value present in `samples`, in a parent present in `domain`. */
  branches(samples: readonly Sample[], domain: readonly number[], path: readonly (string | number)[]): Branch[] {
    const groups = new Map<string, Sample[]>();
    const lists = samples.filter((s) => s.node.t === 'list');
    // Lists whose items come in different orders cannot share one template: one branch per list.
    const listsByContent = lists.length > 1 && path.length > 1 && !sameItemOrder(lists);
    for (const sample of samples) {
      const type = sample.node.t;
      const key = type === 'map' || (type === 'list' && !listsByContent) ? type : canonical(sample.node);
      groups.set(key, [...(groups.get(key) ?? []), sample]);
    }
    const ordered = [...groups.values()].sort((a, b) => a.length - b.length);
    const covers = samples.length === domain.length;
    const branches: Branch[] = [];
    let remaining = [...domain];
    const groupRefs = ordered.map((group) => refsOf(group[0].node));
    ordered.forEach((group, i) => {
      const node = this.merge(group, path);
      const isElse = covers && i === ordered.length - 1;
      if (isElse) {
        branches.push({ node });
        return;
      }
      const members = new Set(group.map((s) => s.variant));
      const others = new Set(groupRefs.slice(i + 1).flatMap((refs) => [...refs]));
      branches.push({ condition: this.explain(members, remaining, path, { members: groupRefs[i], others }), node });
      remaining = remaining.filter((v) => !members.has(v));
    });
    return branches;
  }

  merge(samples: readonly Sample[], path: readonly (string | number)[]): TNode {
    const first = samples[0].node;
    // Most of an environment is the same template in every variant (values are references):
    // that part needs no merging (and is most of the work otherwise).
    if (samples.length > 1 && (first.t === 'map' || first.t === 'list') && samples.every((s) => sameNode(s.node, first))) return unconditional(first);
    const domain = samples.map((s) => s.variant);
    if (first.t === 'map') {
      const maps = samples.map((s) => ({ variant: s.variant, entries: new Map((s.node as Extract<VNode, { t: 'map' }>).entries.map((e) => [e[0], e])) }));
      const keys = unionOrder(maps.map((m) => [...m.entries.keys()]));
      return {
        t: 'map',
        entries: keys.map((key) => {
          const present = maps.flatMap((m) => {
            const entry = m.entries.get(key);
            return entry ? [{ variant: m.variant, node: entry[1] }] : [];
          });
          const keyParts = maps.map((m) => m.entries.get(key)?.[2]).find((p) => p);
          return { key, ...(keyParts ? { keyParts } : {}), branches: this.branches(present, domain, [...path, key]) };
        }),
      };
    }
    if (first.t === 'list') return { t: 'list', items: this.listItems(samples, domain, path) };
    return first;
  }

  /** List items aligned by identity (object kind/name, `name`, alert name, else content). */
  listItems(samples: readonly Sample[], domain: readonly number[], path: readonly (string | number)[]): Branch[][] {
    const keyed = samples.map((s) => ({ variant: s.variant, items: keyItems((s.node as Extract<VNode, { t: 'list' }>).items) }));
    const order = unionOrder(
      keyed.map((k) => k.items.map(([key]) => key)),
      path.length === 1 ? undefined : path.join(' > '),
    );
    const lookups = keyed.map((k) => ({ variant: k.variant, items: new Map(k.items) }));
    return order.map((key) => {
      const present = lookups.flatMap((k) => {
        const node = k.items.get(key);
        return node ? [{ variant: k.variant, node }] : [];
      });
      return this.branches(present, domain, [...path, key]);
    });
  }

  /**
   * The simplest condition true for exactly `members` among `domain`: one or two switches; else,
   * when environments differ in structure no value explains (a service in dev only), a clause per
   * environment under `environment == <name>`. Within one environment the variants differ in
   * values only, so a clause always exists there; if not, the error names the place.
   */
  private explain(members: ReadonlySet<number>, domain: readonly number[], path: readonly (string | number)[], refs: Refs = NO_REFS): Condition {
    const clause = this.clause(members, domain, path, refs);
    if (clause) return clause;
    const terms: EnvironmentTerm[] = [];
    for (const [environment, s] of this.environmentSwitches) {
      const envDomain = domain.filter((v) => this.environmentOf(v) === environment);
      const envMembers = envDomain.filter((v) => members.has(v));
      if (envMembers.length === 0) continue;
      const is: Literal = { s, negated: false };
      if (envMembers.length === envDomain.length) {
        terms.push({ environment: is });
        continue;
      }
      const within = this.clause(new Set(envMembers), envDomain, path, refs);
      if (!within) return this.unexplained(members, domain, path);
      terms.push({ environment: is, within });
    }
    return { op: 'any', terms };
  }

  private environmentOf(variant: number): unknown {
    return (this.variants[variant].values as Record<string, unknown>).environment;
  }

  /**
   * Switches true for exactly `members` among `domain`: one, or a conjunction (or disjunction) of
   * a few. Every literal of a fitting conjunction is true on all members, so the conjunction of all
   * such literals is the tightest there is: if it fits, a fitting one exists, and dropping literals
   * that are not needed (the least related to `path` first) leaves a short one. Disjunctions alike,
   * with literals false on every non-member.
   */
  private clause(members: ReadonlySet<number>, domain: readonly number[], path: readonly (string | number)[], refs: Refs): Clause | undefined {
    const domainMask = maskOfVariants(domain);
    const target = maskOfVariants(members);
    const related = this.relatedness(path, refs);
    // Where the place belongs to services (their objects, their list items), their own switches and
    // the global ones are tried first: in few renderings chance makes another service's switch fit too.
    const owners = this.servicesNamed(path);
    if (owners.size === 0) return this.fit(this.literals, target, domainMask, related);
    return this.fit(this.ownLiterals(owners), target, domainMask, related) ?? this.fit(this.literals, target, domainMask, related);
  }

  /** The literals about no service or one of `owners`. */
  private ownLiterals(owners: ReadonlySet<string>): readonly MaskedLiteral[] {
    const key = [...owners].join(' ');
    let literals = this.ownLiteralsByOwners.get(key);
    if (!literals) {
      literals = this.literals.filter((l) => {
        const service = this.switchServices[l.s];
        return service === undefined || owners.has(service);
      });
      this.ownLiteralsByOwners.set(key, literals);
    }
    return literals;
  }

  /** The simplest condition over `literals` that is `target` on the domain (see clause); `target` is within `domainMask`. */
  private fit(literals: readonly MaskedLiteral[], target: bigint, domainMask: bigint, related: (l: Literal) => number): Clause | undefined {
    // Of the single switches that fit, the one most related to the place.
    const single = literals.filter((l) => (l.mask & domainMask) === target).sort((a, b) => related(b) - related(a) || a.s - b.s)[0];
    if (single) return { op: 'and', literals: [strip(single)] };
    const shortest = (op: 'and' | 'or'): Literal[] | undefined => {
      const candidates = literals.filter((l) => (op === 'and' ? (l.mask & target) === target : (l.mask & domainMask & ~target) === 0n));
      const combine = (ls: readonly { mask: bigint }[]) => ls.reduce((m, l) => (op === 'and' ? m & l.mask : m | l.mask), op === 'and' ? domainMask : 0n) & domainMask;
      if (combine(candidates) !== target) return undefined;
      // The fewest literals that fit (chance can make a longer set fit too), the most related first.
      const ranked = [...candidates].sort((a, b) => related(b) - related(a) || a.s - b.s).slice(0, MAX_CANDIDATES);
      for (let size = 2; size <= MAX_LITERALS; size++) {
        const found = firstCombination(ranked, size, (ls) => combine(ls) === target);
        if (found) return found.map(strip).sort((a, b) => a.s - b.s);
      }
      return undefined;
    };
    const and = shortest('and');
    const or = shortest('or');
    return and && (!or || and.length <= or.length) ? { op: 'and', literals: and } : or ? { op: 'or', literals: or } : undefined;
  }

  /** Services a place names: tokens of its path equal to a service, or starting with "<service>-" (backend-canary). */
  private servicesNamed(path: readonly (string | number)[]): Set<string> {
    const tokens = path.join(' ').split(/[^A-Za-z0-9_-]+/);
    const named = new Set<string>();
    for (const service of this.services) if (tokens.some((t) => t === service || t.startsWith(`${service}-`))) named.add(service);
    return named;
  }

  /**
   * How closely a literal relates to the place being explained, to keep the right ones when chance
   * makes others fit too: 3 it is about the presence of a value this alternative uses and the
   * others do not (or the reverse, negated), 2 it names a service the path names, 1 any other value,
   * 0 an environment.
   */
  private relatedness(path: readonly (string | number)[], refs: Refs): (literal: Literal) => number {
    const where = path.join(' ');
    return ({ s, negated }) => {
      const sw = this.switches[s];
      if (sw.environment !== undefined) return 0;
      if (sw.presence !== undefined) {
        const here = refs.members.has(sw.presence);
        const there = refs.others.has(sw.presence);
        if ((!negated && here && !there) || (negated && there && !here)) return 3;
      }
      const name = this.switchServices[s];
      return name !== undefined && where.includes(name) ? 2 : 1;
    };
  }

  private unexplained(members: ReadonlySet<number>, domain: readonly number[], path: readonly (string | number)[]): never {
    const environments = [...new Set([...members].map((v) => String(this.environmentOf(v))))].sort();
    throw new ChartGenerationError(
      `${path.join(' > ')}: in environment ${environments.join(', ')} this differs between renderings in a way no chart value explains ` +
        `(seen in ${members.size} of ${domain.length}); give the environments the same setting here, or report it with this line`,
    );
  }
}

const strip = ({ s, negated }: Literal): Literal => ({ s, negated });

/** The service a switch is about (`.Values.services.<name>...`, `hasKey .Values.services "<name>"`, the top-level canary's), if any. */
function serviceOf(sw: Switch): string | undefined {
  const service = /\.services\.([A-Za-z0-9_-]+)|hasKey \.Values\.services "([^"]+)"|\(index \.Values "services" "([^"]+)"/.exec(sw.expr);
  return service?.[1] ?? service?.[2] ?? service?.[3] ?? (sw.expr.includes('.Values.canary') ? CANARY_SERVICE : undefined);
}

/** The chart values (dotted paths) an alternative uses, and those the alternatives after it use. */
interface Refs {
  readonly members: ReadonlySet<string>;
  readonly others: ReadonlySet<string>;
}

const NO_REFS: Refs = { members: new Set(), others: new Set() };

/** The chart values a node refers to, as dotted paths. */
function refsOf(node: VNode): Set<string> {
  const found = new Set<string>();
  const add = (ref: Ref) => {
    if ('knob' in ref) found.add(ref.knob.values.join('.'));
  };
  const visit = (n: VNode) => {
    if (n.t === 'str') for (const p of n.parts) if (typeof p !== 'string') add(p);
    if (n.t === 'num') add(n.ref);
    if (n.t === 'map')
      for (const [, v, keyParts] of n.entries) {
        visit(v);
        for (const p of keyParts ?? []) if (typeof p !== 'string') add(p);
      }
    if (n.t === 'list') for (const item of n.items) visit(item);
  };
  visit(node);
  return found;
}

/** Literals a conjunction or disjunction is searched among (the most related ones). */
const MAX_CANDIDATES = 48;

/** The first `size`-combination of `items` (in lexicographic order of indices) that `fits`. */
function firstCombination<T>(items: readonly T[], size: number, fits: (combination: readonly T[]) => boolean): T[] | undefined {
  const indices = Array.from({ length: size }, (_, i) => i);
  if (size > items.length) return undefined;
  for (;;) {
    const combination = indices.map((i) => items[i]);
    if (fits(combination)) return combination;
    let i = size - 1;
    while (i >= 0 && indices[i] === items.length - size + i) i--;
    if (i < 0) return undefined;
    indices[i] += 1;
    for (let j = i + 1; j < size; j++) indices[j] = indices[j - 1] + 1;
  }
}

/** Longer conjunctions are taken for chance, not structure: the per-environment fallback explains those. */
const MAX_LITERALS = 4;

function maskOfVariants(variants: Iterable<number>): bigint {
  let mask = 0n;
  for (const v of variants) mask |= 1n << BigInt(v);
  return mask;
}

function maskOf(bits: readonly boolean[]): bigint {
  return bits.reduce((mask, bit, i) => (bit ? mask | (1n << BigInt(i)) : mask), 0n);
}

/** keyItems of each list (variants share their equal lists: helm/variant.ts NodeTable). */
const keyedItems = new WeakMap<readonly VNode[], readonly (readonly [string, VNode])[]>();

function keyItems(items: readonly VNode[]): readonly (readonly [string, VNode])[] {
  let keyed = keyedItems.get(items);
  if (!keyed) {
    keyed = itemsWithKeys(items);
    keyedItems.set(items, keyed);
  }
  return keyed;
}

function itemsWithKeys(items: readonly VNode[]): [string, VNode][] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const base = itemKey(item);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return [n === 0 ? base : `${base}#${n}`, item];
  });
}

function itemKey(item: VNode): string {
  if (item.t !== 'map') return canonical(item);
  const text = (...path: string[]) => templateText(item, path);
  if (text('kind') && text('metadata', 'name')) return `${text('kind')}/${text('metadata', 'namespace')}/${text('metadata', 'name')}`;
  for (const key of ['name', 'alert', 'record']) if (item.entries.some(([k, v]) => k === key && v.t !== 'map' && v.t !== 'list')) return `${key}=${text(key)}`;
  return canonical(item);
}

/** The template of a node every variant has as it is: what merging identical samples gives. */
function unconditional(node: VNode): TNode {
  switch (node.t) {
    case 'map':
      return { t: 'map', entries: node.entries.map(([key, child, keyParts]) => ({ key, ...(keyParts ? { keyParts } : {}), branches: [{ node: unconditional(child) }] })) };
    case 'list':
      return { t: 'list', items: keyItems(node.items).map(([, item]) => [{ node: unconditional(item) }]) };
    default:
      return node;
  }
}

/** Whether two nodes are the same template: canonical(a) === canonical(b), without building the texts. */
function sameNode(a: VNode, b: VNode): boolean {
  if (a === b) return true;
  switch (a.t) {
    case 'map':
      return (
        b.t === 'map' &&
        a.entries.length === b.entries.length &&
        a.entries.every(([key, child, parts], i) => {
          const [otherKey, otherChild, otherParts] = b.entries[i];
          return key === otherKey && sameParts(parts ?? [], otherParts ?? []) && sameNode(child, otherChild);
        })
      );
    case 'list':
      return b.t === 'list' && a.items.length === b.items.length && a.items.every((item, i) => sameNode(item, b.items[i]));
    case 'str':
      return b.t === 'str' && sameParts(a.parts, b.parts);
    default:
      return canonical(a) === canonical(b);
  }
}

function sameParts(a: readonly Part[], b: readonly Part[]): boolean {
  return a.length === b.length && a.every((part, i) => (typeof part === 'string' ? part === b[i] : typeof b[i] !== 'string' && refName(part) === refName(b[i] as Ref)));
}

/** A node as text, with references by name: equal text, equal template. */
function canonical(node: VNode | TNode): string {
  switch (node.t) {
    case 'lit':
      return `${typeof node.v}:${String(node.v)}`;
    case 'str':
      return `str:${partsText(node.parts)}`;
    case 'num':
      return `num:${refName(node.ref)}`;
    case 'checksum':
      return `checksum:${node.configMap}:${node.key ?? ''}`;
    default:
      return JSON.stringify(node, (key, value) =>
        key === 'ref' || (value && typeof value === 'object' && ('knob' in value || 'release' in value)) ? refName(value as Ref) : value,
      );
  }
}

/** Whether the items of these lists (by identity) can be put in one order that keeps each list's own. */
function sameItemOrder(lists: readonly Sample[]): boolean {
  const sequences = lists.map((s) => keyItems((s.node as Extract<VNode, { t: 'list' }>).items).map(([key]) => key));
  try {
    unionOrder(sequences, 'lists');
    return true;
  } catch {
    return false;
  }
}

/** An order of all keys in which every sequence appears in its own order. */
function unionOrder(sequences: readonly (readonly string[])[], where?: string): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  for (const sequence of sequences) {
    let previous = -1;
    for (const key of sequence) {
      const at = seen.has(key) ? order.indexOf(key) : -1;
      seen.add(key);
      if (at >= 0) {
        previous = at;
        continue;
      }
      order.splice(previous + 1, 0, key);
      previous += 1;
    }
  }
  // Order matters only in lists inside objects; objects of a file and keys of a map have none.
  if (where === undefined) return order;
  for (const sequence of sequences) {
    const positions = sequence.map((key) => order.indexOf(key));
    if (positions.some((p, i) => i > 0 && p < positions[i - 1])) throw new Error(`${where}: the variants order [${sequence.join(', ')}] differently`);
  }
  return order;
}
