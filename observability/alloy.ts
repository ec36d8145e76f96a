/**
 * Grafana Alloy's configuration as typed data and its text in the Alloy configuration syntax
 * (https://grafana.com/docs/alloy/v1.18/get-started/configuration-syntax/): blocks with an
 * optional label, attributes, and expressions (literals, arrays, objects, references to other
 * components' exports, function calls). `formatAlloy` writes it; the tests parse that text with
 * Alloy's own parser and check every component, block and argument against the Alloy v1.18.1
 * reference (imports/alloy/).
 *
 * Two ways to read pod logs, chosen by logs.alloy.mode:
 * - api: discovery.kubernetes finds the pods of this node, loki.source.kubernetes tails their
 *   logs through the API server (GET pods/log, the kubelet streams them): no host access at all.
 * - file: the same discovery gives each container's files under /var/log/pods, which
 *   local.file_match and loki.source.file read on the node (hostPath), and stage.cri parses.
 * Both give the streams the labels of podLogLabelRules (as Promtail does) and push to Loki.
 */
import type { AlloyMode } from '../config/schema.js';
import { lokiPushUrl, podLogLabelRules, podLogPathRule, type RelabelConfig } from './logging.js';

export const ALLOY_HTTP_PORT = 12345;
/** Alloy's storage directory (positions of the log sources). */
export const ALLOY_STORAGE_DIR = '/var/lib/alloy/data';

export type AlloyExpr =
  | string
  | number
  | boolean
  | readonly AlloyExpr[]
  | { readonly ref: string }
  | { readonly call: string; readonly args: readonly AlloyExpr[] }
  | { readonly object: Readonly<Record<string, AlloyExpr>> };

export interface AlloyAttribute {
  readonly attribute: string;
  readonly value: AlloyExpr;
}

export interface AlloyBlock {
  /** e.g. "loki.write", or "endpoint" inside it. */
  readonly block: string;
  /** A component's label; nested blocks have none. */
  readonly label?: string;
  readonly body: readonly AlloyStatement[];
}

export type AlloyStatement = AlloyAttribute | AlloyBlock;

export const attr = (attribute: string, value: AlloyExpr): AlloyAttribute => ({ attribute, value });
export const block = (name: string, label: string | undefined, body: readonly AlloyStatement[]): AlloyBlock => ({ block: name, ...(label === undefined ? {} : { label }), body });
/** A reference to another component's export, e.g. loki.write.loki.receiver. */
export const ref = (path: string): AlloyExpr => ({ ref: path });
const call = (fn: string, ...args: AlloyExpr[]): AlloyExpr => ({ call: fn, args });

export const isBlock = (s: AlloyStatement): s is AlloyBlock => 'block' in s;

/** A string literal: double quotes, with the escapes Alloy's scanner reads (Go's). */
function quote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function expression(value: AlloyExpr): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`Alloy has no literal for ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(expression).join(', ')}]`;
  if ('ref' in value) {
    if (!DOTTED.test(value.ref)) throw new Error(`not a reference: ${value.ref}`);
    return value.ref;
  }
  if ('call' in value) {
    if (!DOTTED.test(value.call)) throw new Error(`not a function name: ${value.call}`);
    return `${value.call}(${value.args.map(expression).join(', ')})`;
  }
  if ('object' in value) {
    const entries = Object.entries(value.object);
    return entries.length ? `{ ${entries.map(([k, v]) => `${IDENTIFIER.test(k) ? k : quote(k)} = ${expression(v)}`).join(', ')} }` : '{}';
  }
  throw new Error(`not an Alloy expression: ${JSON.stringify(value)}`);
}

function statements(body: readonly AlloyStatement[], indent: string): string[] {
  const lines: string[] = [];
  body.forEach((s, i) => {
    if (isBlock(s)) {
      if (!DOTTED.test(s.block)) throw new Error(`not a block name: ${s.block}`);
      // A blank line between a block and what precedes it, as `alloy fmt` leaves them.
      if (i > 0) lines.push('');
      const head = `${indent}${s.block}${s.label === undefined ? '' : ` ${quote(s.label)}`} {`;
      lines.push(...(s.body.length ? [head, ...statements(s.body, `${indent}\t`), `${indent}}`] : [`${head} }`]));
    } else {
      if (!IDENTIFIER.test(s.attribute)) throw new Error(`not an attribute name: ${s.attribute}`);
      if (i > 0 && isBlock(body[i - 1])) lines.push('');
      lines.push(`${indent}${s.attribute} = ${expression(s.value)}`);
    }
  });
  return lines;
}

/** The configuration file's text. */
export function formatAlloy(config: readonly AlloyBlock[]): string {
  return `${statements(config, '').join('\n')}\n`;
}

/** A relabel rule as an Alloy `rule` block (discovery.relabel). */
function ruleBlock(rule: RelabelConfig): AlloyBlock {
  const order: (keyof RelabelConfig)[] = ['source_labels', 'separator', 'regex', 'target_label', 'replacement', 'action'];
  return block(
    'rule',
    undefined,
    order.flatMap((key) => (rule[key] === undefined ? [] : [attr(key, rule[key] as AlloyExpr)])),
  );
}

export interface AlloyOptions {
  readonly mode: AlloyMode;
  readonly lokiUrl: string;
  /** Namespaces whose pods' logs are shipped. */
  readonly namespaces: readonly string[];
}

/**
 * Each Alloy of the DaemonSet ships the logs of the pods of `namespaces` on its own node (HOSTNAME
 * is the node name, from the downward API), so the load spreads like the pods do.
 */
export function alloyConfig(opts: AlloyOptions): AlloyBlock[] {
  const file = opts.mode === 'file';
  const receiver = (component: string) => [ref(`${component}.receiver`)];
  return [
    block('logging', undefined, [attr('level', 'info'), attr('format', 'logfmt')]),
    block('discovery.kubernetes', 'pods', [
      attr('role', 'pod'),
      block('namespaces', undefined, [attr('names', [...opts.namespaces].sort())]),
      block('selectors', undefined, [attr('role', 'pod'), attr('field', call('string.format', 'spec.nodeName=%s', call('sys.env', 'HOSTNAME')))]),
    ]),
    block('discovery.relabel', 'pods', [attr('targets', ref('discovery.kubernetes.pods.targets')), ...[...podLogLabelRules(), ...(file ? [podLogPathRule()] : [])].map(ruleBlock)]),
    ...(file
      ? [
          block('local.file_match', 'pods', [attr('path_targets', ref('discovery.relabel.pods.output'))]),
          block('loki.source.file', 'pods', [attr('targets', ref('local.file_match.pods.targets')), attr('forward_to', receiver('loki.process.pods'))]),
          // containerd and CRI-O write the CRI log format (timestamp, stream, flags, message);
          // loki.source.file adds a `filename` label, as Promtail does.
          block('loki.process', 'pods', [attr('forward_to', receiver('loki.write.loki')), block('stage.cri', undefined, [])]),
        ]
      : [
          block('loki.source.kubernetes', 'pods', [attr('targets', ref('discovery.relabel.pods.output')), attr('forward_to', receiver('loki.process.pods'))]),
          // loki.source.kubernetes adds `job` (its own name) and `instance` (namespace/pod:container):
          // dropped, so streams carry the same labels in both modes and with Promtail.
          block('loki.process', 'pods', [attr('forward_to', receiver('loki.write.loki')), block('stage.label_drop', undefined, [attr('values', ['instance', 'job'])])]),
        ]),
    block('loki.write', 'loki', [block('endpoint', undefined, [attr('url', lokiPushUrl(opts.lokiUrl))])]),
  ];
}
