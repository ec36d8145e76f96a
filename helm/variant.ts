/**
 * One rendering of the environment, read as a template: the same constructs are synthesized twice,
 * once with the real config and once with every knob replaced by a marker, and each value of the
 * real output that the marker output explains (the same text once markers are substituted) becomes
 * a reference to the chart value. Structure always comes from the real output: a construct may
 * compare a number (replicas > 1) and take another branch with a marker.
 */
import { App } from 'cdk8s';
import { buildEnvironmentCharts } from '../charts/stack.js';
import type { Config } from '../config/schema.js';
import { checksum } from '../core/checksum.js';
import { environmentContext } from '../config/context.js';
import { isPlainObject } from '../config/merge.js';
import type { Manifest } from '../core/manifest.js';
import { CHART_ONLY, configValue, withValuesAt, type Knob } from './knobs.js';

/** Where a value comes from: a chart value, or the release name (app.kubernetes.io/instance). */
export type Ref = { readonly knob: Knob } | { readonly release: true };

export type Part = string | Ref;

/** A node of one variant's output, with knob references in place of the values they produced. */
export type VNode =
  | { readonly t: 'lit'; readonly v: string | number | boolean | null }
  | { readonly t: 'str'; readonly parts: readonly Part[] }
  | { readonly t: 'num'; readonly ref: Ref }
  /** Entries by key; a key made from values (e.g. "<release>-overview.json") also has its parts. */
  | { readonly t: 'map'; readonly entries: readonly (readonly [string, VNode, (readonly Part[])?])[] }
  | { readonly t: 'list'; readonly items: readonly VNode[] }
  /** sha256 of a ConfigMap's data (or of one key of it), as core/checksum.ts computes it. */
  | { readonly t: 'checksum'; readonly configMap: string; readonly key?: string };

/** The rendered files of one variant: file name -> its objects (each a 'map' node). */
export type VariantOutput = Map<string, VNode[]>;

const STRING_MARKER = /zzk(\d{4})zz/g;
const NUMBER_MARKER_BASE = 7_340_000_000;
const NUMBER_MARKER = /7340(\d{6})/g;
const RELEASE = 9999;

const stringMarker = (i: number) => `zzk${String(i).padStart(4, '0')}zz`;

/** Renders `config` for real and with markers, and reads the real output as a template (its nodes from `nodes`). */
export function renderVariant(name: string, config: Config, knobs: readonly Knob[], nodes: NodeTable = new NodeTable(knobs)): VariantOutput {
  const real = render(name, config);
  const marked = render(stringMarker(environmentKnob(knobs)), markerConfig(config, knobs), stringMarker(RELEASE));
  const values = new Map<number, unknown>(knobs.map((knob, i) => [i, knob.values[0] === CHART_ONLY.environment ? name : configValue(config, knob)]));
  values.set(RELEASE, environmentContext(name, config).labels.instance);
  const reader = new Reader(knobs, values);
  const output: VariantOutput = new Map();
  for (const [file, objects] of real) {
    const markedObjects = marked.get(file) ?? [];
    output.set(
      file,
      objects.map((object) =>
        reader.read(
          object,
          markedObjects.find((m) => sameObject(object, m, reader)),
          [file],
        ),
      ),
    );
  }
  return withChecksums(output, real, nodes);
}

/**
 * One node per distinct subtree, shared by the variants read with the same table: most of an
 * environment is the same in every variant, so merging finds equal subtrees by identity
 * (helm/merge.ts) and the variants take the memory of one. Equal means equal in every field,
 * references to the same knob.
 */
export class NodeTable {
  private readonly knobIndex: ReadonlyMap<Knob, number>;
  private readonly ids = new Map<VNode, number>();
  private readonly bySignature = new Map<string, VNode>();
  private readonly strings = new Map<string, VNode>();

  constructor(knobs: readonly Knob[]) {
    this.knobIndex = new Map(knobs.map((knob, i) => [knob, i]));
  }

  /** The table's node equal to `node` (whose children are the table's), added when there is none. */
  node(node: VNode): VNode {
    if (node.t === 'lit' && typeof node.v === 'string') return this.stored(this.strings, node.v, node);
    return this.stored(this.bySignature, this.signature(node), node);
  }

  private signature(node: VNode): string {
    switch (node.t) {
      case 'map':
        return JSON.stringify(['map', ...node.entries.flatMap((entry) => [entry[0], this.id(entry[1]), entry[2] ? this.partsSignature(entry[2]) : null, entry.length])]);
      case 'list':
        return JSON.stringify(['list', ...node.items.map((item) => this.id(item))]);
      // String() keeps NaN and Infinity apart (JSON has neither), not -0.
      case 'lit':
        return JSON.stringify(['lit', typeof node.v, typeof node.v === 'number' ? (Object.is(node.v, -0) ? '-0' : String(node.v)) : node.v]);
      case 'str':
        return JSON.stringify(['str', this.partsSignature(node.parts)]);
      case 'num':
        return JSON.stringify(['num', this.refSignature(node.ref)]);
      case 'checksum':
        return JSON.stringify(['checksum', node.configMap, node.key === undefined ? null : node.key, 'key' in node]);
    }
  }

  private stored(table: Map<string, VNode>, signature: string, node: VNode): VNode {
    const found = table.get(signature);
    if (found) return found;
    table.set(signature, node);
    this.ids.set(node, this.ids.size);
    return node;
  }

  private id(node: VNode): number {
    const id = this.ids.get(node);
    if (id === undefined) throw new Error('a node outside its table');
    return id;
  }

  private partsSignature(parts: readonly Part[]): (string | number)[] {
    return parts.map((part) => (typeof part === 'string' ? part : this.refSignature(part)));
  }

  /** A knob's index, or -1 for the release name (strings stay strings in the signature). */
  private refSignature(ref: Ref): number {
    if ('release' in ref) return -1;
    const index = this.knobIndex.get(ref.knob);
    if (index === undefined) throw new Error(`${ref.knob.values.join('.')}: a reference to a knob outside the table`);
    return index;
  }
}

function environmentKnob(knobs: readonly Knob[]): number {
  return knobs.findIndex((k) => k.values[0] === CHART_ONLY.environment);
}

function render(name: string, config: Config, instance?: string): Map<string, Manifest[]> {
  const context = environmentContext(name, config);
  const env = instance ? { ...context, labels: { ...context.labels, instance } } : context;
  const charts = buildEnvironmentCharts(new App({ outdir: '.' }), env);
  return new Map(charts.map((chart) => [chart.fileName, chart.toJson() as Manifest[]]));
}

/** The config with each knob that has a value replaced by its marker. */
function markerConfig(config: Config, knobs: readonly Knob[]): Config {
  return withValuesAt(
    config,
    knobs.flatMap((knob, i) => {
      // Booleans and colours decide structure, which comes from the real rendering; a marker would break it.
      if (knob.config.length === 0 || knob.kind === 'boolean' || knob.kind === 'colour') return [];
      if (configValue(config, knob) === undefined) return [];
      return [[knob.config, knob.kind === 'number' ? NUMBER_MARKER_BASE + i : stringMarker(i)] as const];
    }),
  );
}

function sameObject(real: Manifest, marked: Manifest, reader: Reader): boolean {
  const meta = (o: Manifest) => (o.metadata ?? {}) as Record<string, unknown>;
  const same = (key: string) => reader.substitute(String(meta(marked)[key] ?? '')) === String(meta(real)[key] ?? '');
  return real.kind === marked.kind && same('name') && same('namespace');
}

/** A string or number marker; one pattern for every text (matchAll works on a copy). */
const MARKER = new RegExp(`${STRING_MARKER.source}|${NUMBER_MARKER.source}`, 'g');

class Reader {
  /** Where read() is, for its error message. */
  private readonly path: (string | number)[] = [];
  private readonly indexOf: ReadonlyMap<Knob, number>;

  constructor(
    private readonly knobs: readonly Knob[],
    private readonly values: ReadonlyMap<number, unknown>,
  ) {
    this.indexOf = new Map(knobs.map((knob, i) => [knob, i]));
  }

  read(real: unknown, marked: unknown, path: readonly (string | number)[]): VNode {
    this.path.splice(0, this.path.length, ...path);
    return this.node(real, marked);
  }

  private node(real: unknown, marked: unknown): VNode {
    if (Array.isArray(real)) {
      const markedItems = Array.isArray(marked) && marked.length === real.length ? marked : [];
      return { t: 'list', items: real.map((item, i) => this.child(i, item, markedItems[i])) };
    }
    if (isPlainObject(real)) {
      const markedMap = isPlainObject(marked) ? marked : {};
      return {
        t: 'map',
        entries: Object.entries(real).map(([k, v]) => {
          if (k in markedMap) return [k, this.child(k, v, markedMap[k])] as const;
          const markedKey = Object.keys(markedMap).find((m) => m !== k && this.substitute(m) === k);
          if (markedKey === undefined) return [k, this.child(k, v, undefined)] as const;
          const parts = this.parts(markedKey);
          return [partsText(parts), this.child(k, v, markedMap[markedKey]), parts] as const;
        }),
      };
    }
    if (typeof marked === 'number' && marked !== real) {
      const i = marked - NUMBER_MARKER_BASE;
      if (this.knobs[i]?.kind === 'number' && this.values.get(i) === real) return { t: 'num', ref: { knob: this.knobs[i] } };
    }
    if (typeof marked === 'string' && typeof real === 'string' && marked !== real && this.substitute(marked) === real) {
      return { t: 'str', parts: this.parts(marked) };
    }
    if (typeof real === 'string' || typeof real === 'number' || typeof real === 'boolean' || real === null) return { t: 'lit', v: real };
    throw new Error(`${this.path.join('.')}: cannot read ${typeof real}`);
  }

  private child(key: string | number, real: unknown, marked: unknown): VNode {
    this.path.push(key);
    const node = this.node(real, marked);
    this.path.pop();
    return node;
  }

  substitute(text: string): string {
    return this.parts(text)
      .map((p) => (typeof p === 'string' ? p : String('release' in p ? this.values.get(RELEASE) : this.values.get(this.indexOf.get(p.knob) ?? -1))))
      .join('');
  }

  private parts(text: string): Part[] {
    const parts: Part[] = [];
    let last = 0;
    for (const match of text.matchAll(MARKER)) {
      const i = Number(match[1] ?? match[2]);
      const ref: Ref | undefined = match[1] !== undefined && i === RELEASE ? { release: true } : this.knobs[i] ? { knob: this.knobs[i] } : undefined;
      if (!ref) continue;
      if (match.index > last) parts.push(text.slice(last, match.index));
      parts.push(ref);
      last = match.index + match[0].length;
    }
    if (last < text.length) parts.push(text.slice(last));
    return parts;
  }
}

/**
 * Replaces every `checksum/config` pod annotation by what it is the checksum of: the data of a
 * ConfigMap of the environment, or one key of it (the chart computes it with sha256sum).
 */
function withChecksums(output: VariantOutput, real: Map<string, Manifest[]>, nodes: NodeTable): VariantOutput {
  const sources = new Map<string, { configMap: string; key?: string }>();
  for (const [file, objects] of real) {
    objects.forEach((object, i) => {
      if (object.kind !== 'ConfigMap') return;
      const data = (object.data ?? {}) as Record<string, string>;
      const template = output.get(file)?.[i];
      if (!template) throw new Error(`${file}: object ${i} has no template`);
      const name = templateText(template, ['metadata', 'name']);
      sources.set(checksum(data), { configMap: name });
      for (const [key, value] of Object.entries(data)) sources.set(checksum(value), { configMap: name, key });
    });
  }
  const path: string[] = [];
  const replace = (node: VNode): VNode => {
    if (node.t === 'map') {
      const entries = node.entries.map(([k, v, keyParts]) => {
        if (k === 'checksum/config' && path.at(-1) === 'annotations' && v.t === 'lit') {
          const source = sources.get(String(v.v));
          if (!source) throw new Error(`${path.join('.')}: checksum/config matches no ConfigMap of the environment`);
          return [k, nodes.node({ t: 'checksum', ...source })] as const;
        }
        path.push(k);
        const child = replace(v);
        path.pop();
        return [k, child, keyParts] as const;
      });
      return nodes.node({ t: 'map', entries });
    }
    if (node.t === 'list') return nodes.node({ t: 'list', items: node.items.map(replace) });
    return nodes.node(node);
  };
  return new Map(
    [...output].map(([file, objects]) => {
      path.splice(0, path.length, file);
      return [file, objects.map(replace)];
    }),
  );
}

/** The text of a scalar node with references written as ${values.path}: the same in every variant. */
export function templateText(node: VNode | undefined, path: readonly string[] = []): string {
  let current = node;
  for (const key of path) current = current?.t === 'map' ? current.entries.find(([k]) => k === key)?.[1] : undefined;
  if (!current) return '';
  if (current.t === 'lit') return String(current.v);
  if (current.t === 'str') return partsText(current.parts);
  if (current.t === 'num') return refName(current.ref);
  return JSON.stringify(current);
}

export function partsText(parts: readonly Part[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : refName(p))).join('');
}

export function refName(ref: Ref): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal placeholder a reference is shown as
  return 'release' in ref ? '${release}' : `\${${ref.knob.values.join('.')}}`;
}
