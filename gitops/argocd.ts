/**
 * The Argo CD objects that deliver the environments, as plain data (gitops/argocd-chart.ts turns them
 * into files): an AppProject, one Application per environment, a root app-of-apps Application
 * and, as an alternative to the last two, an ApplicationSet.
 */
import type { ApiObjectProps } from 'cdk8s';
import { toYamlDocument } from '../core/yaml.js';
import { Application, type AppProjectProps, type ApplicationProps, type ApplicationSpec, type ApplicationSpecSyncPolicy } from '../imports/argoproj.io.js';
import type { GitOpsConfig } from '../config/gitops.js';
import type { ArgoCdEnvironmentConfig, Config } from '../config/schema.js';
import { environmentContext } from '../config/context.js';
import { MANAGED_BY } from '../config/labels.js';
import type { Manifest } from '../core/manifest.js';

/** Deleting an Application deletes its resources first (https://argo-cd.readthedocs.io/en/stable/user-guide/app_deletion/#about-the-deletion-finalizer). */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** The cluster Argo CD runs in: where Applications and the AppProject are created. */
const IN_CLUSTER = 'https://kubernetes.default.svc';

export const ROOT_APPLICATION_FILE = 'root.yaml';

/**
 * https://argo-cd.readthedocs.io/en/stable/user-guide/sync-options/
 * - CreateNamespace=false: the environment emits its own Namespace (with Pod Security labels).
 * - ServerSideApply=true: fields are owned by their manager, so e.g. the replicas an HPA sets
 *   are never reset, and no object hits the size limit of the last-applied annotation.
 * - SkipDryRunOnMissingResource=true: a custom resource whose CRD is not installed yet does not
 *   fail the whole dry run.
 * - PruneLast=true: removed objects are deleted only after everything else is synced and healthy.
 */
const SYNC_OPTIONS: readonly string[] = ['CreateNamespace=false', 'ServerSideApply=true', 'SkipDryRunOnMissingResource=true', 'PruneLast=true'];

const AUTOMATED_SYNC = { prune: true, selfHeal: true } as const;

/** Automated sync unless the environment says otherwise; production is synced by hand by default. */
export function autoSync(tier: Config['tier'], argocd: ArgoCdEnvironmentConfig): boolean {
  return argocd.autoSync ?? tier !== 'prod';
}

/** What one environment's Application points at. */
export interface ApplicationTarget {
  /** Application name: the environment's instance, e.g. "webapp-prod". */
  readonly name: string;
  readonly environment: string;
  readonly namespace: string;
  readonly targetRevision: string;
  readonly autoSync: boolean;
}

export function applicationTarget(gitops: GitOpsConfig, environment: string, config: Config): ApplicationTarget {
  const context = environmentContext(environment, config);
  return {
    name: context.labels.instance,
    environment,
    namespace: context.namespace,
    targetRevision: config.argocd.targetRevision ?? gitops.targetRevision,
    autoSync: autoSync(config.tier, config.argocd),
  };
}

interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** The API group/kinds of `objects`, cluster-scoped (no namespace) and namespaced, sorted and unique. */
function resourceKinds(objects: readonly Manifest[]): { cluster: GroupKind[]; namespaced: GroupKind[] } {
  const collect = (namespaced: boolean): GroupKind[] => {
    const keys = new Set(
      objects
        .filter((o) => Boolean((o.metadata as { namespace?: string } | undefined)?.namespace) === namespaced)
        .map((o) => `${apiGroup(String(o.apiVersion))}/${String(o.kind)}`),
    );
    return [...keys].sort().map((key) => {
      const i = key.lastIndexOf('/');
      return { group: key.slice(0, i), kind: key.slice(i + 1) };
    });
  };
  return { cluster: collect(false), namespaced: collect(true) };
}

function apiGroup(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

const labels = (gitops: GitOpsConfig) => ({ 'app.kubernetes.io/part-of': gitops.project, 'app.kubernetes.io/managed-by': MANAGED_BY });

/**
 * The project of the environment Applications: only the configured repository, only the
 * namespaces the environments use on the configured cluster, only the kinds they contain.
 */
export function appProject(gitops: GitOpsConfig, targets: readonly ApplicationTarget[], objects: readonly Manifest[]): AppProjectProps {
  const kinds = resourceKinds(objects);
  const namespaces = new Set([...targets.map((t) => t.namespace), ...objects.map((o) => (o.metadata as { namespace?: string } | undefined)?.namespace)]);
  return {
    metadata: {
      name: gitops.project,
      namespace: gitops.namespace,
      labels: labels(gitops),
      // Keeps the project until no Application uses it
      // (https://argo-cd.readthedocs.io/en/stable/operator-manual/declarative-setup/#projects).
      finalizers: [RESOURCES_FINALIZER],
    },
    spec: {
      description: 'Environments synthesized by cdk8s-platform (npm run synth).',
      sourceRepos: [gitops.repoURL],
      destinations: [...namespaces]
        .filter((namespace): namespace is string => Boolean(namespace))
        .sort()
        .map((namespace) => ({ server: gitops.server, namespace })),
      clusterResourceWhitelist: kinds.cluster,
      namespaceResourceWhitelist: kinds.namespaced,
    },
  };
}

function syncPolicy(gitops: GitOpsConfig, automated: boolean): ApplicationSpecSyncPolicy {
  return {
    ...(automated ? { automated: AUTOMATED_SYNC } : {}),
    syncOptions: [...SYNC_OPTIONS],
    retry: { limit: gitops.retry.limit, backoff: gitops.retry.backoff },
  };
}

function environmentApplicationSpec(gitops: GitOpsConfig, target: ApplicationTarget): ApplicationSpec {
  return {
    project: gitops.project,
    source: { repoUrl: gitops.repoURL, targetRevision: target.targetRevision, path: `${gitops.path}/${target.environment}` },
    destination: { server: gitops.server, namespace: target.namespace },
    syncPolicy: syncPolicy(gitops, target.autoSync),
  };
}

export function environmentApplication(gitops: GitOpsConfig, target: ApplicationTarget): ApplicationProps {
  return {
    metadata: { name: target.name, namespace: gitops.namespace, labels: labels(gitops), finalizers: [RESOURCES_FINALIZER] },
    spec: environmentApplicationSpec(gitops, target),
  };
}

/**
 * The app of apps (https://argo-cd.readthedocs.io/en/stable/operator-manual/cluster-bootstrapping/):
 * syncs <path>/argocd, i.e. the AppProject and the environment Applications. It is applied once
 * by hand and excludes its own file, so it never manages (or prunes) itself; it has no
 * finalizer, so deleting it leaves the environments running. It belongs to the "default"
 * project because creating Applications in the Argo CD namespace is exactly what the
 * environments' project must not allow.
 */
export function rootApplication(gitops: GitOpsConfig): ApplicationProps {
  return {
    metadata: { name: `${gitops.project}-root`, namespace: gitops.namespace, labels: labels(gitops) },
    spec: {
      project: 'default',
      source: {
        repoUrl: gitops.repoURL,
        targetRevision: gitops.targetRevision,
        path: `${gitops.path}/argocd`,
        directory: { recurse: false, exclude: ROOT_APPLICATION_FILE },
      },
      destination: { server: IN_CLUSTER, namespace: gitops.namespace },
      syncPolicy: { automated: AUTOMATED_SYNC, retry: { limit: gitops.retry.limit, backoff: gitops.retry.backoff } },
    },
  };
}

/**
 * The same Applications generated by an ApplicationSet (list generator), for clusters that use
 * ApplicationSets instead of an app of apps. Go templates fill in each element; automated sync is
 * added by a templatePatch for the elements that have it, since a template cannot leave a field
 * out (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Template/#template-patch).
 * With preserveResourcesOnDeletion, deleting the ApplicationSet leaves the environments running,
 * like deleting the root Application does.
 */
export function applicationSet(gitops: GitOpsConfig, targets: readonly ApplicationTarget[]): ApiObjectProps {
  const placeholder: ApplicationTarget = {
    name: '{{.name}}',
    environment: '{{.environment}}',
    namespace: '{{.namespace}}',
    targetRevision: '{{.targetRevision}}',
    autoSync: false,
  };
  const automatedPatch = toYamlDocument({ spec: { syncPolicy: { automated: AUTOMATED_SYNC } } });
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: `${gitops.project}-environments`, namespace: gitops.namespace, labels: labels(gitops) },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements: targets.map((t) => ({ ...t, autoSync: String(t.autoSync) })) } }],
      template: {
        metadata: { name: placeholder.name, labels: labels(gitops) },
        spec: (Application.manifest({ metadata: {}, spec: environmentApplicationSpec(gitops, placeholder) }) as Manifest).spec,
      },
      templatePatch: `{{- if eq .autoSync "true" }}\n${automatedPatch}{{- end }}\n`,
      syncPolicy: { preserveResourcesOnDeletion: true },
    },
  };
}
