/** The changelog and the versions move together (CONTRIBUTING.md, Versions and Changelog). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');

/** The `## [x.y.z] - yyyy-mm-dd` release headings, newest first. */
const releases = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$/gm)].map((m) => ({ version: m[1], date: m[2] }));

describe('changelog and versions', () => {
  it('the package version is SemVer and has its release entry, the newest one', () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(releases[0]?.version).toBe(version);
    expect(changelog).toMatch(/^## \[Unreleased\]$/m);
  });

  it('releases are listed newest first, by version and by date, each with a compare link', () => {
    const key = (v: string) => v.split('.').map(Number);
    for (let i = 1; i < releases.length; i++) {
      const [a, b] = [key(releases[i - 1].version), key(releases[i].version)];
      expect(a[0] * 1e6 + a[1] * 1e3 + a[2]).toBeGreaterThan(b[0] * 1e6 + b[1] * 1e3 + b[2]);
      expect(releases[i - 1].date >= releases[i].date).toBe(true);
    }
    for (const { version: v } of releases) expect(changelog).toMatch(new RegExp(`^\\[${v.replace(/\./g, '\\.')}\\]: https://`, 'm'));
  });

  it('the Helm chart carries the package version', () => {
    const chart = parse(readFileSync(join(root, 'dist', 'helm', 'webapp', 'Chart.yaml'), 'utf8')) as { version: string };
    // SemVer build metadata after `+`: a digest of the templates (helm/chart.ts chartVersion).
    expect(chart.version.split('+')[0]).toBe(version);
  });
});
