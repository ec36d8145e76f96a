/**
 * examples/ci/canary-release.yaml, the GitHub Actions recipe of docs/releases.md#ci-recipe: it reads
 * the same under YAML 1.1 and 1.2, has a workflow's shape, its scripts pass shellcheck, and every
 * `npm run canary` command it runs exists with the options it gives, as the CLI's --help lists them.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { misreadings } from '../core/yaml.js';

const root = new URL('..', import.meta.url).pathname;
const file = join(root, 'examples', 'ci', 'canary-release.yaml');
const text = readFileSync(file, 'utf8');
const workflow = parse(text) as Record<string, any>;
const scratch = mkdtempSync(join(tmpdir(), 'ci-recipe-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly env?: Record<string, string>;
}
const steps: Step[] = Object.values(workflow.jobs as Record<string, { steps: Step[] }>).flatMap((job) => job.steps);
const scripts = steps.flatMap((s) => (s.run ? [s.run] : []));

/** The commands and options of `npm run canary`, read from its --help (what a user sees). */
function canaryUsage(): { commands: Set<string>; options: Set<string> } {
  const help = execFileSync(process.execPath, ['cli/run.mjs', 'canary', '--help'], { cwd: root, encoding: 'utf8' });
  const usage = help.split('\n')[0];
  const commands = new Set(/<([a-z|]+)>/.exec(usage)?.[1].split('|'));
  const options = new Set([...help.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]));
  return { commands, options };
}

/** Every `canary <sub> ...` the scripts run (the helper `canary` is `npm run -s canary -- "$@" --env ... --service ...`). */
function canaryCalls(): { sub: string; options: string[]; line: string }[] {
  return scripts.flatMap((script) =>
    script
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^(if )?canary [a-z]/.test(line) || /npm run (-s )?canary --/.test(line))
      .map((line) => {
        const call = line.replace(/^if /, '').replace(/^.*npm run (-s )?canary -- /, 'canary ');
        const words = call.split(/\s+/);
        const sub = words[1] === '"$@"' ? '' : words[1];
        return { sub, options: [...call.matchAll(/(?<![\w-])--([a-z][a-z-]*)/g)].map((m) => m[1]), line };
      }),
  );
}

describe('examples/ci/canary-release.yaml', () => {
  it('reads the same under YAML 1.1 (`on` quoted) and 1.2', () => {
    expect(misreadings(text, [workflow])).toEqual([]);
    expect(Object.keys(workflow)).toContain('on');
  });

  it('has the shape of a GitHub Actions workflow', () => {
    expect(workflow.name).toEqual(expect.any(String));
    expect(workflow.on.workflow_dispatch.inputs['image-tag']).toMatchObject({ required: true });
    for (const [name, job] of Object.entries(workflow.jobs as Record<string, any>)) {
      expect(job['runs-on'], name).toEqual(expect.any(String));
      expect(job.steps.length, name).toBeGreaterThan(0);
    }
    for (const step of steps) {
      expect(Boolean(step.uses) !== Boolean(step.run), JSON.stringify(step)).toBe(true);
      if (step.uses) expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    }
    // Inputs and secrets it uses are declared or documented.
    for (const [, input] of text.matchAll(/inputs\.([\w-]+)/g)) expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toContain(input);
    for (const [, secret] of text.matchAll(/secrets\.(\w+)/g)) expect(text.split('\n').slice(0, 20).join('\n')).toContain(secret);
  });

  it('runs start, promote, analyze, rollback and status: each a command of the CLI, with options it has', () => {
    const { commands, options } = canaryUsage();
    const calls = canaryCalls();
    expect(new Set(calls.map((c) => c.sub).filter(Boolean))).toEqual(new Set(['start', 'promote', 'analyze', 'rollback', 'status']));
    for (const call of calls) {
      if (call.sub) expect(commands, call.line).toContain(call.sub);
      for (const option of call.options) expect(options, `${call.line}: --${option}`).toContain(option);
    }
    // The flow, in this order: start -> commit -> sync -> bake time -> analyze -> promote or rollback.
    const flow = scripts.join('\n');
    let at = flow.indexOf('canary start');
    for (const next of ['commit "canary: start', 'sync_app', 'canary promote --dry-run', 'canary analyze', 'canary promote', 'canary rollback']) {
      const found = flow.indexOf(next, at + 1);
      expect(found, `${next} after the step before`).toBeGreaterThan(at);
      at = found;
    }
    expect(flow).toContain('argocd app sync "$ARGOCD_APP"');
    expect(flow).toContain('argocd app wait "$ARGOCD_APP" --sync --health');
  });

  it('decides by the exit codes the CLI documents: 0 promote, 3 hold or not yet, 4 rollback', () => {
    const loop = scripts.find((s) => s.includes('canary analyze')) ?? '';
    expect(loop).toMatch(/case "\$verdict" in\s+0\)/);
    expect(loop).toContain('3)');
    expect(loop).toContain('4)');
    expect(loop).toContain('if [ "$code" -eq 3 ]; then sleep 30; continue; fi');
    const releases = readFileSync(join(root, 'docs', 'releases.md'), 'utf8');
    expect(releases).toContain('| 3 | `promote`: the [bake time](#bake-time) is not over');
    expect(releases).toContain('| 4 | `analyze`: **rollback** |');
  });

  it("its scripts pass shellcheck (as bash, GitHub's shell)", () => {
    const shellcheck = spawnSync('shellcheck', ['--version']);
    expect(shellcheck.status, 'shellcheck is provisioned by test/setup/provision.sh').toBe(0);
    // The steps, and the helper functions one of them writes (a heredoc) for the others to source.
    const helpers = scripts.flatMap((s) => [...(/<<'SH'\n([\s\S]*?)\n\s*SH\n/.exec(s)?.slice(1) ?? [])]);
    expect(helpers).toHaveLength(1);
    [...scripts, ...helpers].forEach((run, i) => {
      // ${{ ... }} is GitHub's expression syntax, replaced before the shell runs.
      const script = join(scratch, `script-${i}.sh`);
      writeFileSync(script, `#!/usr/bin/env bash\nset -e\n${run.replace(/\$\{\{[^}]*\}\}/g, 'x')}`);
      const result = spawnSync('shellcheck', ['--shell=bash', '--exclude=SC1091', script], { encoding: 'utf8' });
      expect(result.stdout, run.split('\n')[0]).toBe('');
      expect(result.status).toBe(0);
    });
  });
});
