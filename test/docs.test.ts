/**
 * The documentation stays navigable: every relative link of README.md and docs/*.md (and the
 * folder READMEs) reaches a file that exists and, with an #anchor, a heading with that GitHub
 * anchor; every runbook an alert links to exists; the README stays a front door.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findAll, renderYaml } from './helpers.js';

const root = new URL('..', import.meta.url).pathname;
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

const withoutCode = (text: string): string => text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');

/** GitHub's heading anchors: lowercase, punctuation but "-" and "_" removed, spaces to "-", repeats get -1, -2, ... */
function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of markdown.replace(/^```[\s\S]*?^```/gm, '').split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]
      .trim()
      .toLowerCase()
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** Relative links of `page` that do not resolve, as "<page>: (<target>): <why>". */
function brokenLinks(page: string, markdown = readFileSync(join(root, page), 'utf8')): string[] {
  const text = withoutCode(markdown);
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((target) => !/^[a-z]+:/.test(target))
    .flatMap((target) => {
      const [path, anchor] = target.split('#');
      const dest = path ? normalize(join(dirname(page), path)) : page;
      if (!existsSync(join(root, dest))) return [`${page}: (${target}): ${dest} does not exist`];
      if (anchor && dest.endsWith('.md') && !headingAnchors(readFileSync(join(root, dest), 'utf8')).has(anchor)) return [`${page}: (${target}): no heading #${anchor} in ${dest}`];
      return [];
    });
}

describe('documentation', () => {
  it('every relative link resolves to a file and a heading', () => {
    expect(pages.length).toBeGreaterThan(5);
    expect(pages.flatMap((page) => brokenLinks(page))).toEqual([]);
  });

  it('the link check can fail: a missing page and a missing heading are reported', () => {
    expect(headingAnchors('# Two commands\n## Two commands\n### `npm run check`: policy\n')).toEqual(new Set(['two-commands', 'two-commands-1', 'npm-run-check-policy']));
    expect(brokenLinks('docs/x.md', '[a](nope.md) [b](runbooks.md#no-such-alert) [c](runbooks.md) `[d](skipped.md)`')).toEqual([
      'docs/x.md: (nope.md): docs/nope.md does not exist',
      'docs/x.md: (runbooks.md#no-such-alert): no heading #no-such-alert in docs/runbooks.md',
    ]);
  });

  it('every alert has a runbook where its runbook_url points (canary alerts included)', () => {
    const runbooks = headingAnchors(readFileSync(join(root, 'docs', 'runbooks.md'), 'utf8'));
    const env = renderYaml('tier: prod\npostgres: { enabled: true, replicas: 1 }\nservices:\n  backend:\n    canary: { enabled: true, tag: "2.0.0" }\n');
    const rules = findAll(env, 'PrometheusRule')
      .flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules))
      .filter((r: any) => r.alert);
    expect(rules.length).toBeGreaterThan(10);
    for (const rule of rules) {
      expect(rule.annotations.runbook_url, rule.alert).toBe(`https://github.com/example/cdk8s-platform/blob/main/docs/runbooks.md#${rule.alert.toLowerCase()}`);
      expect(runbooks.has(rule.alert.toLowerCase()), rule.alert).toBe(true);
    }
  });

  it('README.md is a front door: short, with the two commands', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(260);
    expect(readme).toContain('npm ci && npm run synth');
    expect(readme).toContain('npm test');
  });
});
