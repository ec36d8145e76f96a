/**
 * Settings shared by every environment's Argo CD delivery: where the repository is, which
 * project and cluster the Applications use. They live once in config/gitops.yaml (not in each
 * environment file); what may differ per environment is the `argocd` section of its file.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { dnsLabel, dnsSubdomain, gitRevision } from './schema.js';

export const GITOPS_FILE = fileURLToPath(new URL('./gitops.yaml', import.meta.url));

const GIT_URL = /^(https:\/\/|http:\/\/|ssh:\/\/|git@)\S+$/;
// Go duration, as Argo CD parses retry backoff durations ("5s", "3m", "1h30m").
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$/;
const goDuration = z.string().regex(GO_DURATION, { error: 'must be a duration such as "5s", "3m" or "1h"' });

export const gitopsSchema = z
  .strictObject({
    repoURL: z
      .string({ error: 'is required: the Git repository Argo CD pulls the manifests from' })
      .regex(GIT_URL, { error: 'must be a Git repository URL such as "https://github.com/acme/platform.git" or "git@github.com:acme/platform.git"' })
      .describe('Git repository that holds dist/; the only source the AppProject allows.'),
    targetRevision: gitRevision.default('main').describe('Branch, tag or commit the Applications track (an environment may override it: argocd.targetRevision).'),
    path: z
      .string()
      .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, { error: 'must be a relative directory such as "dist" or "platform/dist"' })
      .default('dist')
      .describe('Where dist/ is inside the repository, e.g. "platform/dist" in a monorepo.'),
    namespace: dnsLabel.default('argocd').describe('Namespace Argo CD runs in; the AppProject and Applications are created there.'),
    project: dnsSubdomain.default('webapp').describe('Name of the AppProject (and prefix of the root Application, <project>-root).'),
    server: z
      .url({ protocol: /^https?$/ })
      .default('https://kubernetes.default.svc')
      .describe('API server of the destination cluster; the default is the cluster Argo CD runs in.'),
    progressiveSync: z
      .boolean()
      .default(false)
      .describe(
        'ApplicationSet (dist/argocd-applicationset/) with the RollingSync strategy: one step per environment rollout wave (argocd.wave), each after the previous is healthy. Needs progressive syncs enabled in the ApplicationSet controller.',
      ),
    retry: z
      .strictObject({
        limit: z.number().int().min(0).max(100).default(5).describe('Failed syncs are retried this many times.'),
        backoff: z
          .strictObject({
            duration: goDuration.default('5s'),
            factor: z.number().int().min(1).max(10).default(2),
            maxDuration: goDuration.default('3m'),
          })
          .prefault({}),
      })
      .prefault({})
      .describe('Retry of failed syncs, with exponential backoff.'),
  })
  .describe('Argo CD settings shared by all environments (config/gitops.yaml).');

export type GitOpsConfig = z.infer<typeof gitopsSchema>;

/** JSON Schema of config/gitops.yaml, for editors (`# yaml-language-server: $schema=./gitops.schema.json`). */
export function gitopsFileJsonSchema(): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(gitopsSchema, { io: 'input' }) as Record<string, unknown>),
    title: 'cdk8s-platform GitOps settings',
    description: 'Argo CD settings shared by all environments (config/gitops.yaml). Generated from config/gitops.ts by `npm run schema`.',
  };
}
