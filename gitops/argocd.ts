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
import { serviceDelivery } from '../config/delivery.js';
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

/** The rollout wave of each tier unless the environment sets `argocd.wave`: dev first, then staging, then prod. */
const TIER_WAVES: Readonly<Record<Config['tier'], number>> = { dev: 0, staging: 1, prod: 2 };

export function rolloutWave(tier: Config['tier'], argocd: ArgoCdEnvironmentConfig): number {
  return argocd.wave ?? TIER_WAVES[tier];
}

/** Labels of each environment's Application: what ApplicationSet rollout steps and `argocd app list -l` select by. */
const ENVIRONMENT_LABEL = 'cdk8s-platform/environment';
export const WAVE_LABEL = 'cdk8s-platform/wave';
const REGION_LABEL = 'cdk8s-platform/region';

/** An Argo CD destination cluster: by the name it is registered under, or by its API server URL. */
type Destination = { readonly name: string; readonly server?: undefined } | { readonly server: string; readonly name?: undefined };

/** The environment's cluster (`cluster.name` or `cluster.server`), else the server of config/gitops.yaml. */
function destinationOf(gitops: GitOpsConfig, config: Config): Destination {
  if (config.cluster.name !== undefined) return { name: config.cluster.name };
  return { server: config.cluster.server ?? gitops.server };
}

/** What one environment's Application points at. */
export interface ApplicationTarget {
  /** Application name: the environment's instance, e.g. "webapp-prod". */
  readonly name: string;
  readonly environment: string;
  readonly namespace: string;
  readonly targetRevision: string;
  readonly autoSync: boolean;
  readonly destination: Destination;
  readonly region?: string;
  /** Rollout wave: the Application's sync wave in the app of apps (10 + wave) and its RollingSync step. */
  readonly wave: number;
  /** A Rollout sets the weights of an HTTPRoute through the Gateway API plugin: Argo CD must leave them alone. */
  readonly rolloutWeights?: boolean;
}

/**
 * The backendRef weights the Argo Rollouts Gateway API plugin sets on the HTTPRoutes during a
 * canary: without this, every sync (and self-heal) would reset them to the committed 100/0 and
 * the Application would show OutOfSync for the whole release. RespectIgnoreDifferences=true keeps
 * a sync from writing them too (https://argo-cd.readthedocs.io/en/stable/user-guide/diffing/).
 * Likewise the rules the plugin adds for the header routes (charts/routing/http-route.ts
 * rolloutHeaderRoutes): named `<service>-canary-header` or `-cookie`, with `-1`, `-2`, ... for a
 * route's further rules, as the plugin's documentation recommends ignoring them by name.
 */
const ROLLOUT_WEIGHTS = {
  group: 'gateway.networking.k8s.io',
  kind: 'HTTPRoute',
  jqPathExpressions: ['.spec.rules[].backendRefs[].weight', '.spec.rules[] | select(.name // "" | test("-canary-(header|cookie)(-[0-9]+)?$"))'],
};
const RESPECT_IGNORE_DIFFERENCES = 'RespectIgnoreDifferences=true';

/** Whether a web service of the config is an Argo Rollout canary routed by the Gateway API plugin. */
function setsRouteWeights(config: Config): boolean {
  return (
    config.routing.backend === 'gateway-api' &&
    config.ingress.enabled &&
    Object.values(config.services).some((s) => s.enabled && !s.blueGreen.enabled && s.ingress.paths.length > 0 && serviceDelivery(config, s).engine === 'argo-rollouts')
  );
}

export function applicationTarget(gitops: GitOpsConfig, environment: string, config: Config): ApplicationTarget {
  const context = environmentContext(environment, config);
  return {
    name: context.labels.instance,
    environment,
    namespace: context.namespace,
    targetRevision: config.argocd.targetRevision ?? gitops.targetRevision,
    autoSync: autoSync(config.tier, config.argocd),
    destination: destinationOf(gitops, config),
    ...(config.cluster.region === undefined ? {} : { region: config.cluster.region }),
    wave: rolloutWave(config.tier, config.argocd),
    rolloutWeights: setsRouteWeights(config),
  };
}

/** The Application's own labels: the project's, and the environment, its wave and region. */
function targetLabels(gitops: GitOpsConfig, target: ApplicationTarget): Record<string, string> {
  return {
    ...labels(gitops),
    [ENVIRONMENT_LABEL]: target.environment,
    [WAVE_LABEL]: String(target.wave),
    ...(target.region === undefined ? {} : { [REGION_LABEL]: target.region }),
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

/** One delivered environment as the AppProject sees it: where it goes and what it contains. */
export interface ProjectMember {
  readonly target: ApplicationTarget;
  readonly objects: readonly Manifest[];
}

/**
 * The project of the environment Applications: only the configured repository, only the
 * namespaces each environment uses on its own cluster (every destination of the fleet), only the
 * kinds they contain.
 */
export function appProject(gitops: GitOpsConfig, members: readonly ProjectMember[]): AppProjectProps {
  const kinds = resourceKinds(members.flatMap((m) => m.objects));
  const destinations = new Map<string, { name?: string; server?: string; namespace: string }>();
  for (const { target, objects } of members) {
    const namespaces = [target.namespace, ...objects.map((o) => (o.metadata as { namespace?: string } | undefined)?.namespace)];
    for (const namespace of namespaces) {
      if (!namespace) continue;
      const destination = { ...target.destination, namespace };
      destinations.set(JSON.stringify([destination.name ?? '', destination.server ?? '', namespace]), destination);
    }
  }
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
      // Sorted by cluster (name, then server), then namespace.
      destinations: [...destinations].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, destination]) => destination),
      clusterResourceWhitelist: kinds.cluster,
      namespaceResourceWhitelist: kinds.namespaced,
    },
  };
}

function syncPolicy(gitops: GitOpsConfig, automated: boolean, rolloutWeights = false): ApplicationSpecSyncPolicy {
  return {
    ...(automated ? { automated: AUTOMATED_SYNC } : {}),
    syncOptions: [...SYNC_OPTIONS, ...(rolloutWeights ? [RESPECT_IGNORE_DIFFERENCES] : [])],
    retry: { limit: gitops.retry.limit, backoff: gitops.retry.backoff },
  };
}

function environmentApplicationSpec(gitops: GitOpsConfig, target: ApplicationTarget): ApplicationSpec {
  return {
    project: gitops.project,
    source: { repoUrl: gitops.repoURL, targetRevision: target.targetRevision, path: `${gitops.path}/${target.environment}` },
    destination: { ...target.destination, namespace: target.namespace },
    ...(target.rolloutWeights ? { ignoreDifferences: [ROLLOUT_WEIGHTS] } : {}),
    syncPolicy: syncPolicy(gitops, target.autoSync, target.rolloutWeights ?? false),
  };
}

export function environmentApplication(gitops: GitOpsConfig, target: ApplicationTarget): ApplicationProps {
  return {
    metadata: { name: target.name, namespace: gitops.namespace, labels: targetLabels(gitops, target), finalizers: [RESOURCES_FINALIZER] },
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
 * ApplicationSets instead of an app of apps. Go templates fill in each element (with
 * missingkey=error, a key an element lacks fails the generation instead of rendering "<no value>").
 * What a template cannot leave out is added by the templatePatch
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Template/#template-patch):
 * the destination cluster by name or by server (never both: Argo CD rejects that), the labels of
 * the environment, its wave and region, and automated sync for the elements that have it. With preserveResourcesOnDeletion,
 * deleting the ApplicationSet leaves the environments running, like deleting the root Application does.
 *
 * With `progressiveSync` (config/gitops.yaml) the RollingSync strategy
 * (https://argo-cd.readthedocs.io/en/stable/operator-manual/applicationset/Progressive-Syncs/)
 * updates the Applications one wave at a time, each step waiting until the previous one is
 * healthy: one step per rollout wave, selecting the Applications by their wave label. The
 * controller then syncs the Applications itself (their automated sync policy is not used), so a
 * wave whose environments sync by hand (prod by default) gets maxUpdate 0: it waits for a manual sync.
 */
export function applicationSet(gitops: GitOpsConfig, targets: readonly ApplicationTarget[]): ApiObjectProps {
  const placeholder: ApplicationTarget = {
    name: '{{.name}}',
    environment: '{{.environment}}',
    namespace: '{{.namespace}}',
    targetRevision: '{{.targetRevision}}',
    autoSync: false,
    destination: { server: '' },
    wave: 0,
    rolloutWeights: false,
  };
  const weights = targets.some((t) => t.rolloutWeights);
  const { destination: _destination, ...spec } = (Application.manifest({ metadata: {}, spec: environmentApplicationSpec(gitops, placeholder) }) as Manifest).spec as Record<
    string,
    unknown
  >;
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name: `${gitops.project}-environments`, namespace: gitops.namespace, labels: labels(gitops) },
    spec: {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators: [{ list: { elements: targets.map((t) => applicationSetElement(t, weights)) } }],
      ...(gitops.progressiveSync ? { strategy: { type: 'RollingSync', rollingSync: { steps: rolloutSteps(targets) } } } : {}),
      template: {
        // The labels that vary per element are in the templatePatch, with the destination.
        metadata: { name: placeholder.name, labels: labels(gitops) },
        spec: { ...spec, destination: { namespace: placeholder.namespace } },
      },
      templatePatch: applicationSetPatch(gitops, weights),
      syncPolicy: { preserveResourcesOnDeletion: true },
    },
  };
}

/** One element of the list generator: every key the templates use, all strings ("" when there is none). */
function applicationSetElement(target: ApplicationTarget, weights: boolean): Record<string, string> {
  return {
    name: target.name,
    environment: target.environment,
    namespace: target.namespace,
    targetRevision: target.targetRevision,
    autoSync: String(target.autoSync),
    clusterName: target.destination.name ?? '',
    server: target.destination.server ?? '',
    region: target.region ?? '',
    wave: String(target.wave),
    // Only when some environment has them, so the others' elements stay as they were.
    ...(weights ? { rolloutWeights: String(target.rolloutWeights ?? false) } : {}),
  };
}

/**
 * The templatePatch, a Go template of a YAML document (text/template only; printf "%q" quotes a
 * value as a YAML double-quoted string). Tested by rendering it with Go's text/template. When some
 * environment has Rollout-set HTTPRoute weights (`weights`), its elements get the ignored weights
 * and the full list of sync options with RespectIgnoreDifferences (a patch replaces a list).
 */
function applicationSetPatch(gitops: GitOpsConfig, weights: boolean): string {
  if (!weights) return APPLICATION_SET_PATCH;
  const indent = (text: string, by: string) =>
    text
      .trimEnd()
      .split('\n')
      .map((line) => `${by}${line}`);
  const head = APPLICATION_SET_PATCH.slice(0, APPLICATION_SET_PATCH.indexOf('{{- if eq .autoSync "true" }}'));
  return [
    head.trimEnd(),
    '{{- if eq .rolloutWeights "true" }}',
    ...indent(toYamlDocument({ ignoreDifferences: [ROLLOUT_WEIGHTS] }), '  '),
    '{{- end }}',
    '{{- if or (eq .autoSync "true") (eq .rolloutWeights "true") }}',
    '  syncPolicy:',
    '{{- if eq .autoSync "true" }}',
    ...indent(toYamlDocument({ automated: AUTOMATED_SYNC }), '    '),
    '{{- end }}',
    '{{- if eq .rolloutWeights "true" }}',
    ...indent(toYamlDocument({ syncOptions: syncPolicy(gitops, false, true).syncOptions }), '    '),
    '{{- end }}',
    '{{- end }}',
    '',
  ].join('\n');
}

const APPLICATION_SET_PATCH = [
  'metadata:',
  '  labels:',
  `    ${ENVIRONMENT_LABEL}: {{ printf "%q" .environment }}`,
  `    ${WAVE_LABEL}: {{ printf "%q" .wave }}`,
  '{{- if .region }}',
  `    ${REGION_LABEL}: {{ printf "%q" .region }}`,
  '{{- end }}',
  'spec:',
  '  destination:',
  '{{- if .clusterName }}',
  '    name: {{ printf "%q" .clusterName }}',
  '{{- else }}',
  '    server: {{ printf "%q" .server }}',
  '{{- end }}',
  '{{- if eq .autoSync "true" }}',
  ...toYamlDocument({ syncPolicy: { automated: AUTOMATED_SYNC } })
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`),
  '{{- end }}',
  '',
].join('\n');

/** RollingSync steps: one per wave, in order; maxUpdate 0 (wait for a manual sync) when an environment of the wave syncs by hand. */
export function rolloutSteps(targets: readonly ApplicationTarget[]): { matchExpressions: { key: string; operator: 'In'; values: string[] }[]; maxUpdate?: number }[] {
  const waves = [...new Set(targets.map((t) => t.wave))].sort((a, b) => a - b);
  return waves.map((wave) => ({
    matchExpressions: [{ key: WAVE_LABEL, operator: 'In', values: [String(wave)] }],
    ...(targets.some((t) => t.wave === wave && !t.autoSync) ? { maxUpdate: 0 } : {}),
  }));
}
