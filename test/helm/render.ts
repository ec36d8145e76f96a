/**
 * `helm template` and `helm lint` for tests, with two implementations of the same command line:
 * the real `helm` when it is on PATH, and helm-render, a test-only stand-in built from Debian's Go
 * packages by test/helm/build-renderer.sh (see test/helm/renderer/main.go for what it implements
 * of Helm and what it does not). Chart tests run with every one of them that is available here;
 * the stand-in is the fallback where helm cannot be installed.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const buildScript = fileURLToPath(new URL('./build-renderer.sh', import.meta.url));

/** A program that takes helm's `template` and `lint` command lines. */
export interface Helm {
  /** `helm` (the real one, from PATH) or `helm-render` (the stand-in). */
  readonly name: 'helm' | 'helm-render';
  readonly path: string;
}

/**
 * `.Capabilities.KubeVersion` when a test does not choose one: the chart's minimum. helm's own
 * default is the Kubernetes version it was built against, which differs between helm releases.
 */
const DEFAULT_KUBE_VERSION = 'v1.27.0';

let rendererPath: string | undefined;

/** Builds helm-render if needed (the binary is cached by content in .cache/) and returns its path. */
function ensureRenderer(): string {
  if (rendererPath === undefined) {
    const output = run('bash', [buildScript], 'build-renderer.sh failed');
    const lines = output.trim().split('\n');
    rendererPath = lines[lines.length - 1];
  }
  return rendererPath;
}

/** The first executable `name` on PATH, like `command -v`. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

let available: Helm[] | undefined;

/**
 * The helm implementations of this machine, the stand-in first: helm-render, and helm when it is on
 * PATH. Without helm, helm-render is required (its build error says what to install).
 */
export function helms(): Helm[] {
  if (available === undefined) {
    const real = onPath('helm');
    let standIn: Helm[] = [];
    try {
      standIn = [{ name: 'helm-render', path: ensureRenderer() }];
    } catch (error) {
      if (real === undefined) throw error;
    }
    available = [...standIn, ...(real === undefined ? [] : [{ name: 'helm' as const, path: real }])];
  }
  return available;
}

/** The helm implementations as vitest `describe.each` rows. */
export const helmRows = (): [string, Helm][] => helms().map((h) => [h.name, h]);

export interface HelmTemplateOptions {
  readonly release: string;
  readonly namespace: string;
  /** `-f` files, in order: later files override earlier ones. */
  readonly valuesFiles?: readonly string[];
  /** `--set` arguments, e.g. `a.b=true,c.d=25` (typed like Helm: bool, int64, null, string). */
  readonly set?: readonly string[];
  /** `--set-string` arguments: the values stay strings. */
  readonly setString?: readonly string[];
  readonly isUpgrade?: boolean;
  /** `.Capabilities.KubeVersion`; DEFAULT_KUBE_VERSION when not given. */
  readonly kubeVersion?: string;
  /** Extra `.Capabilities.APIVersions` (e.g. CRD groups such as monitoring.coreos.com/v1). */
  readonly apiVersions?: readonly string[];
}

interface RenderedDocument {
  /** The template it came from, as in Helm's `# Source:` line: `<chart>/templates/<file>`. */
  readonly source: string;
  readonly object: Record<string, unknown>;
}

export interface HelmTemplateResult {
  /** Every non-empty document, in helm's output order (install order by kind, hooks last). */
  readonly objects: Record<string, unknown>[];
  /** The same documents with the template each came from. */
  readonly documents: RenderedDocument[];
  /** Objects grouped by source template. */
  readonly sources: Map<string, Record<string, unknown>[]>;
  /** The raw output, as `helm template` prints it. */
  readonly stdout: string;
}

/** An error from helm or helm-render: the message includes its stderr (e.g. `Error: execution error at ...`). */
export class HelmRenderError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
    readonly status: number | null,
  ) {
    super(message);
    this.name = 'HelmRenderError';
  }
}

function valueArgs(opts: Omit<HelmTemplateOptions, 'release' | 'namespace'>): string[] {
  const args: string[] = [];
  for (const file of opts.valuesFiles ?? []) args.push('-f', file);
  for (const set of opts.set ?? []) args.push('--set', set);
  for (const set of opts.setString ?? []) args.push('--set-string', set);
  return args;
}

/** `helm template <release> <chartDir> --namespace <ns> ...`; throws HelmRenderError on failure. */
export function helmTemplate(chartDir: string, opts: HelmTemplateOptions, helm: Helm = helms()[0]): HelmTemplateResult {
  const args = ['template', opts.release, chartDir, '--namespace', opts.namespace, ...valueArgs(opts)];
  if (opts.isUpgrade) args.push('--is-upgrade');
  args.push('--kube-version', opts.kubeVersion ?? DEFAULT_KUBE_VERSION);
  for (const apiVersion of opts.apiVersions ?? []) args.push('--api-versions', apiVersion);
  const stdout = run(helm.path, args, `${helm.name} template ${chartDir} failed`);
  const documents = parseTemplateOutput(stdout);
  const sources = new Map<string, Record<string, unknown>[]>();
  for (const { source, object } of documents) sources.set(source, [...(sources.get(source) ?? []), object]);
  return { objects: documents.map((d) => d.object), documents, sources, stdout };
}

/**
 * Splits helm's output at its `---\n# Source: <file>` headers and parses each block; a block
 * may hold more than one YAML document (Helm leaves `---\n---` pairs alone), empty ones are dropped.
 */
function parseTemplateOutput(stdout: string): RenderedDocument[] {
  const documents: RenderedDocument[] = [];
  for (const block of stdout.split(/^---\n(?=# Source: )/m)) {
    const header = /^# Source: (.*)\n/.exec(block);
    if (!header) {
      if (block.trim() !== '') throw new Error(`unexpected helm output without a "# Source:" header:\n${block}`);
      continue;
    }
    // YAML 1.1, as Helm itself reads what it rendered (sigs.k8s.io/yaml): a bare `yes` must fail here too.
    for (const doc of parseAllDocuments(block.slice(header[0].length), { version: '1.1' })) {
      if (doc.errors.length > 0) throw new Error(`${header[1]}: ${doc.errors.map((e) => e.message).join('; ')}`);
      const object = doc.toJS() as unknown;
      if (object === null || object === undefined) continue;
      if (typeof object !== 'object' || Array.isArray(object)) throw new Error(`${header[1]}: a document is not a mapping`);
      documents.push({ source: header[1], object: object as Record<string, unknown> });
    }
  }
  return documents;
}

export interface HelmLintOptions {
  readonly valuesFiles?: readonly string[];
  readonly set?: readonly string[];
  readonly setString?: readonly string[];
  readonly namespace?: string;
}

export interface HelmLintResult {
  readonly ok: boolean;
  /** `[ERROR] <file>: <message>` and `[WARNING] ...` lines. */
  readonly messages: string[];
  readonly output: string;
}

/** `helm lint <chartDir> ...`: never throws for lint findings, only when helm cannot run. */
export function helmLint(chartDir: string, opts: HelmLintOptions = {}, helm: Helm = helms()[0]): HelmLintResult {
  const args = ['lint', chartDir, ...valueArgs(opts)];
  if (opts.namespace !== undefined) args.push('--namespace', opts.namespace);
  let output: string;
  let ok = true;
  try {
    output = execFileSync(helm.path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number | null; stdout?: string; stderr?: string };
    if (e.status !== 1) throw new HelmRenderError(`${helm.name} lint failed: ${e.stderr ?? e.message}`, e.stderr ?? '', e.status ?? null);
    output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    ok = false;
  }
  const messages = output.split('\n').filter((line) => /^\[(ERROR|WARNING)\] /.test(line));
  return { ok, messages, output };
}

function run(command: string, args: string[], what: string): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number | null; stderr?: string };
    const stderr = e.stderr ?? '';
    throw new HelmRenderError(`${what}: ${stderr.trim() || e.message}`, stderr, e.status ?? null);
  }
}
