/**
 * npm run check [-- --env <name> ...] [--dist [--outdir <dir>]] [--config-dir <dir>]
 *
 * The policy report (policy/): checks the objects of each environment against the security,
 * reliability and consistency rules and prints every violation object by object, with the rule
 * name, what is wrong and how to fix it. Exits 1 when there is any error; warnings are printed only.
 *
 * After the violations it states what each workload may do beyond the defaults (policy/privileges.ts):
 * user, host paths, Pod Security level, API permissions and the reason the workload gives.
 *
 * By default the objects are rendered in memory from config/environments/; with --dist the files
 * in dist/<env>/ (or --outdir/<env>/, $CDK8S_OUTDIR/<env>/) are checked as they are, e.g. in CI
 * after a synth: every environment directory (core/output.ts environmentDirectories, those with the
 * marker synth writes), never dist/helm/, dist/argocd*, or directories of one's own.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ENVIRONMENTS_DIR, environmentFile, listEnvironments, loadEnvironment } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { KUSTOMIZATION_FILE } from '../core/kustomize.js';
import { environmentDirectories } from '../core/output.js';
import { checkObjects, countBySeverity, formatPrivileges, formatViolations, privilegesOf, type Violation } from '../policy/index.js';
import { renderEnvironment } from '../charts/render.js';
import type { Manifest } from '../core/manifest.js';
import { consoleIo, printWarnings, runAsScript, runCommand, UsageError, UserError, type Io } from './command.js';

const CHECK = {
  usage: 'usage: npm run check [-- --env <name> ...] [--dist [--outdir <dir>]] [--config-dir <dir>]',
  options: {
    env: { type: 'string', multiple: true },
    dist: { type: 'boolean', default: false },
    outdir: { type: 'string' },
    'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
  },
} as const;

/** Where the report is printed (tests pass their own). */
export type CheckIo = Io;

/** What one environment's check looks at. */
interface Target {
  readonly name: string;
  readonly tier?: Config['tier'];
  readonly files: readonly { name: string; objects: readonly Manifest[] }[];
}

/** Runs the report; returns the exit code. */
export function checkCommand(argv: string[], io: CheckIo = consoleIo): number {
  return runCommand(
    CHECK,
    argv,
    ({ values }) => {
      const configDir = values['config-dir'];
      if (values.outdir !== undefined && !values.dist) throw new UsageError('--outdir names the directory --dist reads: give --dist too');
      const outRoot = values.outdir ?? process.env.CDK8S_OUTDIR ?? 'dist';
      const names = values.env ?? (values.dist ? distEnvironments(outRoot) : listEnvironments(configDir));
      let errors = 0;
      for (const name of names) {
        const target = values.dist ? fromDist(outRoot, name, configDir) : fromConfig(io, name, configDir);
        const { violations, privileges } = checkTarget(target);
        const counts = countBySeverity(violations);
        errors += counts.error;
        if (violations.length) io.out(`${formatViolations(violations)}\n`);
        if (privileges) io.out(`${target.name}: privileges beyond the defaults (non-root, no host path, no API permission)\n${privileges}\n`);
        const objects = target.files.reduce((n, f) => n + f.objects.length, 0);
        io.out(`${target.name}: ${plural(counts.error, 'error')}, ${plural(counts.warning, 'warning')} in ${objects} objects`);
      }
      return errors > 0 ? 1 : 0;
    },
    io,
  );
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The violations of the target's objects, and the privileges its workloads hold, printed. */
function checkTarget(target: Target): { violations: Violation[]; privileges: string } {
  const sources = new Map<Manifest, string>();
  for (const file of target.files) for (const object of file.objects) sources.set(object, `${target.name}/${file.name}`);
  const sourceOf = (o: Manifest) => sources.get(o);
  const objects = [...sources.keys()];
  return { violations: checkObjects(objects, { tier: target.tier, sourceOf }), privileges: formatPrivileges(privilegesOf(objects), sourceOf) };
}

function fromConfig(io: Io, name: string, configDir: string): Target {
  const { config, warnings } = loadEnvironment(name, configDir);
  printWarnings(io, warnings);
  return { name, tier: config.tier, files: renderEnvironment(name, config).files };
}

function distEnvironments(outRoot: string): string[] {
  if (!existsSync(outRoot)) throw new UserError(`${outRoot}/ does not exist: run npm run synth first`);
  return environmentDirectories(outRoot);
}

function fromDist(outRoot: string, name: string, configDir: string): Target {
  const dir = join(outRoot, name);
  if (!existsSync(dir)) throw new UserError(`${dir}/ does not exist: run npm run synth first`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== KUSTOMIZATION_FILE)
    .sort()
    .map((file) => ({
      name: file,
      objects: parseAllDocuments(readFileSync(join(dir, file), 'utf8')).flatMap((doc) => {
        if (doc.errors.length) throw new UserError(`${join(dir, file)}: ${doc.errors[0].message}`);
        const object: unknown = doc.toJS();
        return object && typeof object === 'object' ? [object as Manifest] : [];
      }),
    }));
  // The tier relaxes some rules; dist/ does not record it, the environment file does.
  const tier = existsSync(environmentFile(name, configDir)) ? loadEnvironment(name, configDir).config.tier : undefined;
  return { name, tier, files };
}

runAsScript(import.meta.url, (argv) => checkCommand(argv));
