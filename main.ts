/**
 * cdk8s entry point (`npm run synth`, `npx cdk8s synth`): loads the environment configs, builds
 * their charts, validates every object and writes dist/<env>/ (or --outdir, or $CDK8S_OUTDIR),
 * and, when synthesizing all environments, the Argo CD objects (dist/argocd/, dist/argocd-applicationset/).
 *
 *   npm run synth                 all environments in config/environments/, and the Argo CD objects
 *   npm run synth -- --env prod   only prod (repeat --env for more)
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { consoleIo, printWarnings, runAsScript, runCommand, UserError, type Io } from './cli/command.js';
import { GITOPS_FILE } from './config/gitops.js';
import { ENVIRONMENTS_DIR, listEnvironments } from './config/load.js';
import { writeEnvironments } from './core/output.js';
import { synthesize } from './synth/synth.js';
import { validateRendered } from './core/validate/rendered.js';

/**
 * cdk8s.yaml's `output:`. `cdk8s synth` deletes its output directory before it starts the app
 * (node_modules/cdk8s-cli/lib/cli/cmds/synth.js: fs.rmSync(outdir) in the handler), so it must
 * not be dist/: with a broken config dist/ would be lost. It is this scratch directory instead
 * (git-ignored); given it, the app writes dist/ exactly as `npm run synth` does and a copy here,
 * which the CLI lists (and requires to exist).
 */
export const CDK8S_SCRATCH_DIR = 'cdk8s.out';

export interface SynthTarget {
  /** Where the manifests are written, swapped in: --outdir, else $CDK8S_OUTDIR, else dist. */
  readonly outdir: string;
  /** The cdk8s CLI's output directory when it is not `outdir`: it gets a copy. */
  readonly cdk8sOutput?: string;
  /** Started by `cdk8s synth`, which deleted $CDK8S_OUTDIR just before. */
  readonly underCdk8s: boolean;
}

/**
 * Where to write, from --outdir and the environment. `cdk8s synth` runs the app with CDK8S_OUTDIR
 * and CDK8S_RECORD_CONSTRUCT_METADATA set (node_modules/cdk8s-cli/lib/util.js, synthApp); the
 * second tells it apart from a user who sets CDK8S_OUTDIR for `npm run synth`.
 */
export function synthTarget(outdirOption: string | undefined, env: NodeJS.ProcessEnv): SynthTarget {
  const cliOutput = env.CDK8S_OUTDIR;
  const underCdk8s = cliOutput !== undefined && env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
  const scratch = underCdk8s && resolve(cliOutput) === resolve(CDK8S_SCRATCH_DIR);
  const outdir = outdirOption ?? (scratch ? 'dist' : (cliOutput ?? 'dist'));
  return { outdir, cdk8sOutput: underCdk8s && resolve(cliOutput) !== resolve(outdir) ? cliOutput : undefined, underCdk8s };
}

/** What a failed synth did to the output directory: nothing, unless `cdk8s synth` deleted it before the app ran. */
export function untouchedNote(target: SynthTarget, exists = existsSync(target.outdir)): string {
  if (target.underCdk8s && !target.cdk8sOutput && !exists) {
    return `nothing was written; ${target.outdir}/ does not exist: \`cdk8s synth\` deletes its output directory before it starts the app (\`npm run synth -- --outdir ${target.outdir}\` never does)`;
  }
  return `nothing was written; ${target.outdir}/ is unchanged`;
}

const SYNTH = {
  usage: 'usage: npm run synth [-- --env <name> ...] [--config-dir <dir>] [--gitops <file>] [--outdir <dir>]',
  options: {
    env: { type: 'string', multiple: true },
    'config-dir': { type: 'string', default: ENVIRONMENTS_DIR },
    gitops: { type: 'string', default: GITOPS_FILE },
    outdir: { type: 'string' },
  },
} as const;

export function synthCommand(argv: string[], io: Io = consoleIo, env: NodeJS.ProcessEnv = process.env): number {
  const spec = { ...SYNTH, afterUserError: (values: { outdir?: string }) => untouchedNote(synthTarget(values.outdir, env)) };
  return runCommand(
    spec,
    argv,
    ({ values }) => {
      const target = synthTarget(values.outdir, env);
      const configDir = values['config-dir'];
      if ((values.env ?? listEnvironments(configDir)).length === 0) throw new UserError(`no environments: add ${join(configDir, '<name>.yaml')}`);
      // Every config is checked before anything is written: one bad file changes nothing.
      const { environments, argocd, warnings } = synthesize({ configDir, gitopsFile: values.gitops, environments: values.env });
      validateRendered([...environments, ...argocd]);
      printWarnings(io, warnings);
      // Only a synthesis of every environment knows which directories are stale.
      const removeOtherEnvironments = values.env === undefined;
      const onRemoved = (dir: string) => io.out(`removed ${dir}/ (its environment file is gone)`);
      for (const written of writeEnvironments(target.outdir, environments, argocd, { removeOtherEnvironments, onRemoved })) io.out(`synthesized ${written}/`);
      if (target.cdk8sOutput) {
        writeEnvironments(target.cdk8sOutput, environments, argocd, { removeOtherEnvironments });
        io.out(`copied to ${target.cdk8sOutput}/, the output directory of \`cdk8s synth\``);
      }
      return 0;
    },
    io,
  );
}

runAsScript(import.meta.url, (argv) => synthCommand(argv));
