/**
 * The repository stands alone for its CRDs: imports/crds/ holds them with a record that cannot go
 * stale, nothing reads ../shared, custom resources are validated against the in-repo files (only
 * the ones needed are parsed), and `npm run import` regenerates imports/*.ts from them without
 * touching cdk8s.yaml.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SyntaxKind } from 'typescript/unstable/ast';
import { createScanner } from 'typescript/unstable/ast/scanner';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CRD_DIR, CrdCatalog } from '../core/validate/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const crdFiles = readdirSync(CRD_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const scratch = mkdtempSync(join(tmpdir(), 'crds-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface CrdRecord {
  file: string;
  kind: string;
  version: string;
  url: string;
  sha256: string;
}

/** The table rows of imports/crds/README.md. */
function crdRecords(): CrdRecord[] {
  const readme = readFileSync(join(CRD_DIR, 'README.md'), 'utf8');
  const row = /^\| `([^`]+)` \| (\w+) \| [^|]+ \| (v[0-9.]+) \| (https:\/\/\S+) \| Apache-2\.0 \| `([0-9a-f]{64})` \|$/gm;
  return [...readme.matchAll(row)].map(([, file = '', kind = '', version = '', url = '', sha256 = '']) => ({ file, kind, version, url, sha256 }));
}

describe('imports/crds and its record', () => {
  const records = crdRecords();

  it('records every CRD file exactly once', () => {
    expect(crdFiles).toHaveLength(15);
    expect(records.map((r) => r.file).sort()).toEqual(crdFiles);
  });

  it('each file has the sha256 recorded in imports/crds/README.md', () => {
    const stale = records
      .map((r) => ({
        ...r,
        actual: createHash('sha256')
          .update(readFileSync(join(CRD_DIR, r.file)))
          .digest('hex'),
      }))
      .filter((r) => r.actual !== r.sha256)
      .map((r) => `${r.file}: recorded ${r.sha256}, file has ${r.actual}`);
    expect(stale, 'update the sha256 column (sha256sum imports/crds/<file>)').toEqual([]);
  });

  it("each record's kind is the file's CRD and its version is the one in the URL and the file's own annotation", () => {
    const kindOf = new Map(new CrdCatalog(CRD_DIR).indexed().map((c) => [c.file, c.kind]));
    for (const r of records) {
      expect(kindOf.get(r.file), r.file).toBe(r.kind);
      expect(r.url, r.file).toContain(`/${r.version}/`);
      const text = readFileSync(join(CRD_DIR, r.file), 'utf8');
      const annotated = /^ {4}(?:operator\.prometheus\.io\/version|gateway\.networking\.k8s\.io\/bundle-version): v?(\S+)$/m.exec(text)?.[1];
      if (annotated !== undefined) expect(`v${annotated}`, r.file).toBe(r.version);
    }
  });

  it('holds one CustomResourceDefinition per file (the validator indexes a file by its first CRD)', () => {
    const counts = crdFiles.map((f) => [f, readFileSync(join(CRD_DIR, f), 'utf8').match(/^kind: CustomResourceDefinition$/gm)?.length ?? 0]);
    expect(counts).toEqual(crdFiles.map((f) => [f, 1]));
  });
});

// ---------------------------------------------------------------------------
// Nothing reads ../shared
// ---------------------------------------------------------------------------

/** Built from parts so that this file does not contain them. */
const SHARED_PATHS = [['..', 'shared'].join('/'), ['shared', 'crds'].join('/')];

/** Tokens after which `/` divides; after any other token it starts a regular expression literal. */
const ENDS_OPERAND = new Set([
  SyntaxKind.Identifier,
  SyntaxKind.NumericLiteral,
  SyntaxKind.StringLiteral,
  SyntaxKind.RegularExpressionLiteral,
  SyntaxKind.NoSubstitutionTemplateLiteral,
  SyntaxKind.TemplateTail,
  SyntaxKind.CloseParenToken,
  SyntaxKind.CloseBracketToken,
  SyntaxKind.CloseBraceToken,
  SyntaxKind.ThisKeyword,
]);
const TRIVIA = new Set([SyntaxKind.WhitespaceTrivia, SyntaxKind.NewLineTrivia, SyntaxKind.SingleLineCommentTrivia, SyntaxKind.MultiLineCommentTrivia]);

/** TypeScript/JavaScript (and Go, lexically alike for strings and comments) without comments, via TypeScript's scanner. */
function scriptCode(text: string): string {
  const scanner = createScanner(false, undefined, text.replace(/^#!.*/, '')); // a shebang line is no token
  const templates: number[] = []; // open braces inside each enclosing `${...}`
  let out = '';
  let prev = SyntaxKind.Unknown;
  for (let t = scanner.scan(); t !== SyntaxKind.EndOfFile; t = scanner.scan()) {
    // The scanner cannot tell division from a regular expression without the parser's context.
    if ((t === SyntaxKind.SlashToken || t === SyntaxKind.SlashEqualsToken) && !ENDS_OPERAND.has(prev)) t = scanner.reScanSlashToken();
    const depth = templates.length - 1;
    if (t === SyntaxKind.TemplateHead) templates.push(0);
    else if (t === SyntaxKind.OpenBraceToken && depth >= 0) templates[depth]! += 1;
    else if (t === SyntaxKind.CloseBraceToken && depth >= 0) {
      if (templates[depth] === 0) {
        t = scanner.reScanTemplateToken(false);
        if (t === SyntaxKind.TemplateTail) templates.pop();
      } else templates[depth]! -= 1;
    }
    if (t !== SyntaxKind.SingleLineCommentTrivia && t !== SyntaxKind.MultiLineCommentTrivia) out += scanner.getTokenText();
    if (!TRIVIA.has(t)) prev = t;
  }
  return out;
}

/** Shell without comments: `#` at the start of a word, outside quotes (bash(1), COMMENTS). */
function shellCode(text: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && quote !== "'") {
      out += c + (text[++i] ?? '');
      continue;
    }
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '#' && (i === 0 || /[\s;&|()]/.test(text[i - 1]!))) {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
      continue;
    }
    out += c;
  }
  return out;
}

/** Every key and value of a YAML file (comments are not part of the data). */
const yamlData = (text: string): string => JSON.stringify(parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: -1 })));

/** Go template (Helm) text without `{{/* ... *\/}}` comments. */
const templateCode = (text: string): string => text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');

/** The non-comment text of a repository file, by type; undefined when the type is not known here. */
function codeOf(file: string, text: string): string | undefined {
  if (/\.(ts|mts|js|mjs|snap|go)$/.test(file)) return scriptCode(text);
  if (/\.sh$/.test(file) || /^#!.*\b(ba)?sh\b/.test(text)) return shellCode(text);
  if (/\.ya?ml$/.test(file)) return yamlData(text);
  if (/\.(tpl|txt)$/.test(file)) return templateCode(text);
  if (/(^|\/)\.gitignore$/.test(file)) return text.replace(/^#.*$/gm, '');
  if (/\.json$/.test(file)) return text;
  return undefined;
}

describe('nothing reads the shared directory beside the repository', () => {
  it('the comment filters drop comments and keep code', () => {
    const [shared, crds] = SHARED_PATHS as [string, string];
    const ts = `// ${shared}\n/* ${crds} */ const r = /[/'"]/g; const d = a / 2; const p = \`x\${'${shared}'}\`; // ${crds}\nconst q = '//';`;
    expect(scriptCode(ts)).not.toContain(crds);
    expect(scriptCode(ts)).toContain(`'${shared}'`);
    expect(scriptCode(ts)).toContain("const q = '//';");
    expect(scriptCode(`#!/usr/bin/env node\n// ${shared}\nread('${crds}');`)).toBe(`\n\nread('${crds}');`);
    const sh = `# ${shared}\ncrds=${crds} # ${shared}\necho "#${shared}" $# \${#x}`;
    expect(shellCode(sh)).toBe(`\ncrds=${crds} \necho "#${shared}" $# \${#x}`);
    expect(yamlData(`# ${shared}\nx: ${crds} # ${shared}\n`)).toBe(`[{"x":"${crds}"}]`);
    expect(templateCode(`{{/* ${shared} */}}{{- /* x */ -}}a ${crds}`)).toBe(`a ${crds}`);
  });

  it('no source, test, script or config file refers to it outside comments', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && !f.endsWith('.md') && !f.startsWith('dist/'));
    expect(files).toContain('core/validate/index.ts');
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      if (!SHARED_PATHS.some((p) => text.includes(p))) continue; // cheap pass: most files never mention it
      const code = codeOf(file, text);
      if (code === undefined) offenders.push(`${file}: mentions it and its comment syntax is unknown here (add it to codeOf)`);
      else for (const p of SHARED_PATHS) if (code.includes(p)) offenders.push(`${file}: ${p}`);
    }
    expect(offenders).toEqual([]);
  });
});

// ---------------------------------------------------------------------------
// Validation against imports/crds
// ---------------------------------------------------------------------------

const SERVICE_MONITOR_CRD = 'monitoring.coreos.com_servicemonitors.yaml';
const serviceMonitor = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'ServiceMonitor',
  metadata: { name: 'backend', namespace: 'web' },
  spec: { selector: { matchLabels: { app: 'backend' } }, endpoints: [{ port: 'http', interval: '30s' }] },
};

/** A directory of its own holding the given CRD files of imports/crds. */
function crdDirWith(...files: string[]): string {
  const dir = mkdtempSync(join(scratch, 'crds-'));
  for (const f of files) cpSync(join(CRD_DIR, f), join(dir, f));
  return dir;
}

describe('CrdCatalog', () => {
  it('indexes every file of imports/crds without parsing any', () => {
    const catalog = new CrdCatalog(CRD_DIR);
    expect(new Set(catalog.indexed().map((c) => c.file))).toEqual(new Set(crdFiles));
    expect(catalog.parsedFiles()).toEqual([]);
  });

  it('validating a ServiceMonitor parses only its CRD (never the 1.4 MB ApplicationSet one) and catches a typo', () => {
    const catalog = new CrdCatalog(CRD_DIR);
    const lookup = catalog.lookup('monitoring.coreos.com/v1', 'ServiceMonitor');
    if (lookup === null || !('checker' in lookup)) throw new Error(`no checker: ${JSON.stringify(lookup)}`);
    expect(lookup.checker(serviceMonitor)).toEqual([]);
    const typo = { ...serviceMonitor, spec: { ...serviceMonitor.spec, endpoint: [] } };
    expect(lookup.checker(typo)).toMatchObject([{ keyword: 'additionalProperties', instancePath: '/spec', params: { additionalProperty: 'endpoint' } }]);
    expect(catalog.parsedFiles()).toEqual([SERVICE_MONITOR_CRD]);
  });

  it('a CRD file gone after indexing is a one-line problem naming it', () => {
    const dir = crdDirWith(SERVICE_MONITOR_CRD);
    const catalog = new CrdCatalog(dir);
    expect(catalog.indexed()).toEqual([{ group: 'monitoring.coreos.com', kind: 'ServiceMonitor', file: SERVICE_MONITOR_CRD }]);
    unlinkSync(join(dir, SERVICE_MONITOR_CRD));
    expect(catalog.lookup('monitoring.coreos.com/v1', 'ServiceMonitor')).toEqual({
      problem: `cannot read CRD file ${join(dir, SERVICE_MONITOR_CRD)}: ENOENT: no such file or directory`,
    });
  });

  it('an unreadable CRD file is named in the problem of a kind it could have defined', () => {
    const dir = crdDirWith(SERVICE_MONITOR_CRD);
    mkdirSync(join(dir, 'monitoring.coreos.com_podmonitors.yaml')); // a directory: reading it fails, also as root
    const catalog = new CrdCatalog(dir);
    expect(catalog.lookup('monitoring.coreos.com/v1', 'PodMonitor')).toEqual({
      problem: `no schema for monitoring.coreos.com/v1/PodMonitor: cannot read CRD file ${join(dir, 'monitoring.coreos.com_podmonitors.yaml')}: EISDIR: illegal operation on a directory`,
    });
    expect(catalog.lookup('monitoring.coreos.com/v1', 'ServiceMonitor')).toHaveProperty('checker');
  });

  it('a missing CRD directory is a one-line problem naming it', () => {
    const dir = join(scratch, 'no-such-dir');
    expect(new CrdCatalog(dir).lookup('monitoring.coreos.com/v1', 'ServiceMonitor')).toEqual({
      problem: `no schema for monitoring.coreos.com/v1/ServiceMonitor: cannot read the CRD directory ${dir}/: ENOENT: no such file or directory`,
    });
  });

  it('broken YAML in a CRD file is a problem naming the file and the line', () => {
    const dir = crdDirWith(SERVICE_MONITOR_CRD);
    const file = join(dir, SERVICE_MONITOR_CRD);
    writeFileSync(file, `${readFileSync(file, 'utf8')}  oops: [unclosed\n`);
    const lookup = new CrdCatalog(dir).lookup('monitoring.coreos.com/v1', 'ServiceMonitor');
    expect(lookup).toEqual({ problem: expect.stringMatching(new RegExp(`^${file}: not valid YAML: .*line \\d+`)) });
  });
});

// ---------------------------------------------------------------------------
// npm run import
// ---------------------------------------------------------------------------

const importScript = (args: string[], cwd = ROOT) => spawnSync('bash', ['cli/import-crds.sh', ...args], { cwd, encoding: 'utf8' });
const USAGE = /^usage: bash cli\/import-crds\.sh/m;

describe('cli/import-crds.sh', () => {
  it('answers an unknown option or a stray argument with the usage on stderr and exit code 2', () => {
    for (const args of [['--bogus'], ['monitoring'], ['--help', 'extra']]) {
      const r = importScript(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(USAGE);
      expect(r.stdout).toBe('');
    }
  });

  it('prints the usage for --help and exits 0', () => {
    const r = importScript(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(USAGE);
  });

  it('regenerates imports/*.ts as committed from imports/crds and leaves cdk8s.yaml as it was', () => {
    // A copy of what the script reads and writes, so the working tree is not touched.
    const copy = mkdtempSync(join(scratch, 'repo-'));
    for (const path of ['cli/import-crds.sh', 'imports', 'cdk8s.yaml']) cpSync(join(ROOT, path), join(copy, path), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const generated = readdirSync(join(ROOT, 'imports')).filter((f) => f.endsWith('.ts'));
    expect(generated.sort()).toEqual(['argoproj.io.ts', 'monitoring.coreos.com.ts']);
    for (const f of generated) unlinkSync(join(copy, 'imports', f));
    const r = importScript([], copy);
    expect(r.status, r.stderr).toBe(0);
    for (const f of generated) expect(readFileSync(join(copy, 'imports', f), 'utf8') === readFileSync(join(ROOT, 'imports', f), 'utf8'), f).toBe(true);
    expect(readFileSync(join(copy, 'cdk8s.yaml'), 'utf8')).toBe(readFileSync(join(ROOT, 'cdk8s.yaml'), 'utf8'));
  });
});
