/**
 * Writes merged templates as Helm template text: block YAML with `{{- if }}` around conditional
 * entries, `{{ .Values... }}` where values go, and every literal `{{` of the content escaped as
 * `{{ "{{" }}` so `helm template` prints it unchanged (alert annotations, Grafana legends).
 *
 * Template features used (README, Helm chart): value lookups, `if`/`else`/`and`/`or`/`not`/`eq`/
 * `gt`/`hasKey`/`ternary`, `int`, `toString`, `toJson`, `trimPrefix`/`trimSuffix`, `trunc`,
 * `required`, `define`/`include`, `nindent`, `fromYaml`, `index`, `sha256sum`, and in helpers
 * `printf`, `replace`, `default`.
 */
import { yamlScalar } from '../core/yaml.js';
import type { Branch, Clause, Condition, TNode, TemplateFile } from './merge.js';
import type { Switch } from './switches.js';
import { valuesRef } from './switches.js';
import { partsText, type Ref } from './variant.js';

export interface EmitContext {
  readonly switches: readonly Switch[];
  /** ConfigMaps (by template name text) whose data a checksum covers: their data becomes a named template. */
  readonly dataTemplates: ReadonlyMap<string, string>;
}

/** Escapes literal template delimiters of content. */
function escapeDelimiters(text: string): string {
  return text.replace(/\{\{/g, '{{ "{{" }}');
}

function conditionText(condition: Condition, switches: readonly Switch[]): string {
  if (condition.op === 'any') {
    const terms = condition.terms.map(({ environment, within }) => {
      const is = clauseText({ op: 'and', literals: [environment] }, switches);
      return within ? `and (${is}) (${clauseText(within, switches)})` : is;
    });
    return terms.length === 1 ? terms[0] : `or ${terms.map((t) => `(${t})`).join(' ')}`;
  }
  return clauseText(condition, switches);
}

function clauseText(condition: Clause, switches: readonly Switch[]): string {
  const literal = ({ s, negated }: { s: number; negated: boolean }) => {
    const expr = switches[s].expr;
    const simple = /^[.\w]+$/.test(expr);
    return negated ? `not ${simple ? expr : `(${expr})`}` : simple || condition.literals.length === 1 ? expr : `(${expr})`;
  };
  if (condition.literals.length === 1) return literal(condition.literals[0]);
  return `${condition.op} ${condition.literals
    .map((l) => {
      const text = literal(l);
      return /^[.\w]+$/.test(text) || text.startsWith('(') ? text : `(${text})`;
    })
    .join(' ')}`;
}

export class Emitter {
  constructor(private readonly ctx: EmitContext) {}

  /** A template file: objects separated by `---`, conditional ones inside `if` blocks. */
  file(file: TemplateFile): string {
    const lines: string[] = [];
    for (const branches of file) {
      this.branches(branches, lines, (node, out) => {
        out.push('---');
        this.mapBody(node, 0, out);
      });
    }
    return `${lines.join('\n')}\n`;
  }

  /** The data of a ConfigMap as a mapping at column 0 (the body of its named template). */
  dataBody(node: TNode): string {
    const lines: string[] = [];
    this.mapBody(node, 0, lines);
    return lines.join('\n');
  }

  private branches(branches: readonly Branch[], out: string[], write: (node: TNode, out: string[]) => void): void {
    if (branches.length === 1 && !branches[0].condition) {
      write(branches[0].node, out);
      return;
    }
    branches.forEach((branch, i) => {
      if (branch.condition) out.push(`{{- ${i === 0 ? 'if' : 'else if'} ${conditionText(branch.condition, this.ctx.switches)} }}`);
      else out.push('{{- else }}');
      write(branch.node, out);
    });
    out.push('{{- end }}');
  }

  /** Entries of a map node at `indent`. */
  private mapBody(node: TNode, indent: number, out: string[]): void {
    if (node.t !== 'map') throw new Error(`expected a mapping, got ${node.t}`);
    const pad = ' '.repeat(indent);
    for (const entry of node.entries) {
      this.branches(entry.branches, out, (value, lines) => {
        const key = `${pad}${entry.keyParts ? this.scalar({ t: 'str', parts: entry.keyParts }) : keyText(entry.key)}:`;
        if (entry.key === 'data' && this.isDataTemplate(node)) {
          // An empty data template would leave `data:` null where the plain manifest has `{}`.
          const data = `include ${this.dataTemplate(this.nameOf(node))} .`;
          lines.push(`${key}{{ $data := ${data} }}{{ if $data }}{{ $data | nindent ${indent + 2} }}{{ else }} {}{{ end }}`);
          return;
        }
        this.value(key, value, indent, lines);
      });
    }
  }

  private isDataTemplate(node: TNode): boolean {
    if (node.t !== 'map') return false;
    const kind = node.entries.find((e) => e.key === 'kind')?.branches[0].node;
    return kind?.t === 'lit' && kind.v === 'ConfigMap' && this.ctx.dataTemplates.has(this.nameOf(node));
  }

  private nameOf(node: TNode): string {
    const metadata = node.t === 'map' ? node.entries.find((e) => e.key === 'metadata')?.branches[0].node : undefined;
    const name = metadata?.t === 'map' ? metadata.entries.find((e) => e.key === 'name')?.branches[0].node : undefined;
    return name ? textOf(name) : '';
  }

  /** `prefix` is the key part ("  name:" or "  -"); writes the value after it. */
  private value(prefix: string, node: TNode, indent: number, out: string[]): void {
    if (node.t === 'map') {
      if (node.entries.length === 0) return void out.push(`${prefix} {}`);
      const allConditional = node.entries.every((e) => e.branches.every((b) => b.condition));
      out.push(allConditional ? `${prefix}{{ if not (${this.anyOf(node)}) }} {}{{ end }}` : prefix);
      this.mapBody(node, indent + 2, out);
      return;
    }
    if (node.t === 'list') {
      if (node.items.length === 0) return void out.push(`${prefix} []`);
      const allConditional = node.items.every((branches) => branches.every((b) => b.condition));
      out.push(allConditional ? `${prefix}{{ if not (${this.anyOfItems(node.items)}) }} []{{ end }}` : prefix);
      const dash = `${' '.repeat(indent + 2)}-`;
      for (const branches of node.items) {
        this.branches(branches, out, (item, lines) => {
          const itemLines: string[] = [];
          this.value(dash, item, indent + 2, itemLines);
          // "- name: x" rather than "-" and the mapping on the next line, when its first line is a plain entry.
          const first = itemLines[1];
          if (itemLines[0] === dash && first?.startsWith(' '.repeat(indent + 4)) && /^\S/.test(first.slice(indent + 4)) && !first.includes('{{-')) {
            itemLines.splice(0, 2, `${dash} ${first.slice(indent + 4)}`);
          }
          lines.push(...itemLines);
        });
      }
      return;
    }
    if (node.t === 'lit' && typeof node.v === 'string' && node.v.includes('\n')) {
      out.push(`${prefix} ${blockLiteral(node.v.split('\n').map(escapeDelimiters), node.v, indent + 2)}`);
      return;
    }
    if (node.t === 'str' && node.parts.some((p) => typeof p === 'string' && p.includes('\n'))) {
      const text = node.parts.map((p) => (typeof p === 'string' ? escapeDelimiters(p) : this.refInText(p, true))).join('');
      const plain = node.parts.map((p) => (typeof p === 'string' ? p : 'x')).join('');
      out.push(`${prefix} ${blockLiteral(text.split('\n'), plain, indent + 2)}`);
      return;
    }
    out.push(`${prefix} ${this.scalar(node)}`);
  }

  private anyOf(node: Extract<TNode, { t: 'map' }>): string {
    return `or ${node.entries.flatMap((e) => e.branches.map((b) => this.conditionOf(b))).join(' ')} false`;
  }

  private anyOfItems(items: readonly (readonly Branch[])[]): string {
    return `or ${items.flatMap((branches) => branches.map((b) => this.conditionOf(b))).join(' ')} false`;
  }

  private conditionOf(branch: Branch): string {
    if (!branch.condition) throw new Error('an unconditional branch among the alternatives of an optional value');
    return `(${conditionText(branch.condition, this.ctx.switches)})`;
  }

  /** The quoted name of the template that renders a ConfigMap's data (one per ConfigMap a checksum covers). */
  private dataTemplate(configMap: string): string {
    const name = this.ctx.dataTemplates.get(configMap);
    if (name === undefined) throw new Error(`no data template for ConfigMap ${configMap}`);
    return JSON.stringify(name);
  }

  /** A one-line scalar. */
  private scalar(node: TNode): string {
    switch (node.t) {
      case 'lit':
        return escapeDelimiters(yamlScalar(node.v));
      case 'num':
        return `{{ int ${this.ref(node.ref)} }}`;
      case 'str': {
        if (node.parts.length === 1 && typeof node.parts[0] !== 'string' && !isPlain(node.parts[0])) {
          return `{{ ${this.ref(node.parts[0])} | toString | toJson }}`;
        }
        const inner = node.parts.map((p) => (typeof p === 'string' ? escapeDelimiters(JSON.stringify(p).slice(1, -1)) : this.refInText(p, false))).join('');
        return `"${inner}"`;
      }
      case 'checksum': {
        const data = `(include ${this.dataTemplate(node.configMap)} . | fromYaml)`;
        return `{{ ${node.key === undefined ? data : `index ${data} ${JSON.stringify(node.key)}`} | toJson | sha256sum }}`;
      }
      default:
        throw new Error(`not a scalar: ${node.t}`);
    }
  }

  /** A reference inside a string: raw for values whose characters are safe, JSON-escaped otherwise. */
  private refInText(ref: Ref, block: boolean): string {
    if ('release' in ref) return '{{ .Release.Name }}';
    const expr = this.ref(ref);
    if (ref.knob.kind === 'number') return `{{ int ${expr} }}`;
    if (isPlain(ref)) return `{{ ${expr} }}`;
    if (block) throw new Error(`${ref.knob.values.join('.')} is used inside a multi-line string, where only plain values can go`);
    return `{{ ${expr} | toString | toJson | trimPrefix "\\"" | trimSuffix "\\"" }}`;
  }

  private ref(ref: Ref): string {
    if ('release' in ref) return '.Release.Name';
    if (ref.knob.releaseNamespace) return '.Release.Namespace';
    const expr = valuesRef(ref.knob.values);
    return ref.knob.required ? `(required ${JSON.stringify(ref.knob.required)} ${expr})` : expr;
  }
}

function isPlain(ref: Ref): boolean {
  return 'release' in ref || ref.knob.plain === true || ref.knob.kind === 'tier' || ref.knob.kind === 'colour';
}

/** The text of a name-like node, as the merge identifies it. */
function textOf(node: TNode): string {
  if (node.t === 'lit') return String(node.v);
  if (node.t === 'str') return partsText(node.parts);
  return '';
}

function keyText(key: string): string {
  return escapeDelimiters(yamlScalar(key));
}

/** A YAML block literal (`|`, `|-` or `|+` by the trailing newlines of `original`). */
function blockLiteral(lines: string[], original: string, indent: number): string {
  const trailing = original.length - original.replace(/\n+$/, '').length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const body = trailing > 0 ? lines.slice(0, trailing === 1 ? -1 : lines.length - 1) : lines;
  const indicator = /^\s/.test(original) ? String(2) : '';
  const pad = ' '.repeat(indent);
  return `|${indicator}${chomp}\n${body.map((l) => (l.length > 0 ? pad + l : '')).join('\n')}`;
}
