/**
 * examples/ci/gitops-pr.yaml, the pull request workflow of a GitOps repository: valid YAML with the
 * shape GitHub Actions needs, every npm script and command option it uses exists (the commands'
 * --help, in-process: test/cli-usage.test.ts shows the real processes print the same), and every
 * shell step passes shellcheck as the bash -e GitHub runs it with.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { canaryCommand } from '../cli/canary.js';
import { checkCommand } from '../cli/check.js';
import type { Io } from '../cli/command.js';
import { diffCommand } from '../cli/diff.js';
import { helmCommand } from '../cli/helm.js';
import { schemaCommand } from '../cli/schema.js';
import { synthCommand } from '../main.js';

const root = new URL('..', import.meta.url).pathname;
const WORKFLOW = join(root, 'examples', 'ci', 'gitops-pr.yaml');

interface Step {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}

const document = parseDocument(readFileSync(WORKFLOW, 'utf8'), { strict: true, uniqueKeys: true });
const workflow = document.toJS() as { on: { pull_request?: unknown }; permissions: Record<string, string>; jobs: Record<string, { 'runs-on': string; steps: Step[] }> };
const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
const scripts = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const commands = steps.flatMap((s) => (s.run ?? '').split('\n')).filter((line) => /\bnpm (run|test|ci)\b/.test(line));

/** The command behind each npm script of a command (cli/build.mjs COMMANDS). */
const COMMAND_OF: Record<string, (argv: string[], io: Io) => number | Promise<number>> = {
  synth: synthCommand,
  'synth:helm': helmCommand,
  check: checkCommand,
  diff: diffCommand,
  canary: canaryCommand,
  schema: schemaCommand,
};

/** What `npm run <script> -- --help` prints. */
async function usage(script: string): Promise<string> {
  const command = COMMAND_OF[script];
  expect(command, `npm run ${script} is not a command`).toBeDefined();
  const out: string[] = [];
  expect(await command(['--help'], { out: (line) => void out.push(line), err: () => undefined })).toBe(0);
  return out.join('\n');
}

describe('examples/ci/gitops-pr.yaml', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ci-example-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is a GitHub Actions workflow on pull requests that may comment on them', () => {
    expect(document.errors).toEqual([]);
    expect(workflow.on.pull_request).toBeDefined();
    expect(workflow.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    for (const job of Object.values(workflow.jobs)) {
      expect(job['runs-on']).toMatch(/^ubuntu-/);
      for (const step of job.steps) expect(Boolean(step.uses) !== Boolean(step.run), JSON.stringify(step)).toBe(true);
    }
  });

  it('runs npm ci, synth, the tests, check, and posts diff --stat', () => {
    const text = commands.join('\n');
    for (const expected of ['npm ci', 'npm run synth', 'npm run synth:helm', 'npm test', 'npm run check -- --dist', 'npm run -s diff -- --stat']) expect(text).toContain(expected);
    expect(steps.some((s) => s.run?.includes('gh pr comment'))).toBe(true);
  });

  it('uses only npm scripts of package.json, and options the commands accept', async () => {
    for (const line of commands) {
      const script = /\bnpm run (?:-s )?([\w:-]+)/.exec(line)?.[1];
      if (!script) continue;
      expect(scripts, line).toHaveProperty([script]);
      const options = [...(line.split(' -- ')[1] ?? '').matchAll(/(?<=^|\s)(--[a-z-]+)/g)].map((m) => m[1]);
      if (options.length === 0) continue;
      const help = await usage(script);
      for (const option of options) expect(help, `${line}: ${option}`).toContain(option);
    }
  });

  it('passes shellcheck in every run step, with no GitHub expression inside a script (they go through env)', () => {
    steps.forEach((step, i) => {
      if (!step.run) return;
      expect(step.run, step.name).not.toContain('${{');
      const file = join(scratch, `step-${i}.sh`);
      // GitHub runs `run` with bash -e {0}; the env of the step and of the runner are set.
      const env = ['RUNNER_TEMP', ...Object.keys(step.env ?? {})].map((name) => `: "\${${name}:?}"`).join('\n');
      writeFileSync(file, `#!/usr/bin/env bash\nset -e\n${env}\n${step.run}`);
      try {
        execFileSync('shellcheck', ['--severity=style', file], { encoding: 'utf8' });
      } catch (error) {
        throw new Error(`${step.name}: ${(error as { stdout?: string }).stdout ?? String(error)}`);
      }
    });
  });
});
