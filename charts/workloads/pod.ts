/**
 * The pod template every workload shares: one container running the configured image as a
 * non-root user on a read-only root filesystem, settings from its ConfigMap, secrets by reference,
 * emptyDirs for the paths it must write, its PersistentVolumeClaims (a StatefulSet's come from its
 * volumeClaimTemplates), the files of its `<name>-files` ConfigMap, init containers and sidecars
 * with the same security context, where the pods may be scheduled, and with traces.enabled the
 * OpenTelemetry settings of config/traces.ts in the main container.
 */
import type { k8s } from 'cdk8s-plus-27';
import type { ExtraContainerConfig, ExtraPortConfig, SchedulingConfig, SecretKeyRef, WorkloadConfig } from '../../config/schema.js';
import { connectionEnv, workloadSettings } from '../../config/connections.js';
import type { EnvironmentContext } from '../../config/context.js';
import { traced, traceEnv } from '../../config/traces.js';
import { imageReference, pullSecrets } from './image.js';
import { FILES_VOLUME, names, volumeNameForPath } from '../../config/names.js';
import { containerProbes } from './probes.js';
import { resourceRequirements } from './resources.js';
import { containerSecurityContext, podSecurityContext } from './security.js';

export interface WorkloadPodOptions {
  readonly name: string;
  readonly workload: WorkloadConfig;
  readonly env: EnvironmentContext;
  /** Settings computed by the caller (e.g. PORT), merged under the workload's own env. */
  readonly extraSettings?: Record<string, string>;
  /** Ports the caller declares (a web service's http and metrics); the workload's own `ports` follow. */
  readonly ports?: k8s.ContainerPort[];
  readonly probes?: Pick<k8s.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'>;
  readonly lifecycle?: k8s.Lifecycle;
  readonly terminationGracePeriodSeconds?: number;
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
  /** The pods' selector, for pod anti-affinity among them. */
  readonly selector?: Record<string, string>;
}

/** The non-secret settings of a workload: what goes into its ConfigMap. */
export function podSettings(opts: WorkloadPodOptions): Record<string, string> {
  return workloadSettings(opts.workload, opts.env, opts.extraSettings);
}

/** The workload's own `ports` as container ports, by name. */
function extraContainerPorts(ports: Readonly<Record<string, ExtraPortConfig>>): k8s.ContainerPort[] {
  return Object.keys(ports)
    .sort()
    .map((name) => ({ name, containerPort: ports[name].port, protocol: ports[name].protocol }));
}

/** Mode of a mounted file: read-only, executable when asked. */
const FILE_MODE = { plain: 0o444, executable: 0o555 } as const;

export function workloadPodSpec(opts: WorkloadPodOptions): k8s.PodSpec {
  const { workload, env, name } = opts;
  const connections = connectionEnv(workload.uses, env.config, env.namespace);
  const secretVars = secretEnvVars(workload.secretEnv);
  const traces = env.config.traces;
  const tracing = traced(traces, workload) ? traceEnv(traces, { workload: name, environment: env.name, namespace: env.namespace, app: env.config.app.name }) : [];

  const fileKeys = Object.keys(workload.files).sort();
  const fileMounts = (keys: readonly string[]): k8s.VolumeMount[] =>
    [...keys].sort().map((key) => ({ name: FILES_VOLUME, mountPath: workload.files[key].mountPath, subPath: key, readOnly: true }));
  // A StatefulSet's claims come from its volumeClaimTemplates, named like the volume key.
  const claims = Object.keys(workload.volumes)
    .sort()
    .map((key) => ({ key, claim: names.volumeClaim(name, key), mountPath: workload.volumes[key].mountPath }));
  const volumeMounts = (keys: readonly string[]): k8s.VolumeMount[] => claims.filter((c) => keys.includes(c.key)).map((c) => ({ name: c.key, mountPath: c.mountPath }));
  const writableMounts = (paths: readonly string[]): k8s.VolumeMount[] => paths.map((path) => ({ name: volumeNameForPath(path), mountPath: path }));
  const security = (readOnlyRootFilesystem: boolean) => containerSecurityContext({ readOnlyRootFilesystem, exceptions: workload.securityExceptions });

  const container: k8s.Container = {
    name,
    image: imageReference(workload.image),
    imagePullPolicy: workload.image.pullPolicy,
    command: workload.command,
    args: workload.args,
    ports: nonEmpty([...(opts.ports ?? []), ...extraContainerPorts(workload.ports)]),
    envFrom: [{ configMapRef: { name: names.configMap(name) } }],
    env: nonEmpty([...secretVars, ...connections.env, ...tracing]),
    resources: resourceRequirements(workload.resources),
    securityContext: security(workload.readOnlyRootFilesystem),
    ...opts.probes,
    lifecycle: opts.lifecycle,
    volumeMounts: nonEmpty([...writableMounts(workload.writablePaths), ...volumeMounts(claims.map((c) => c.key)), ...fileMounts(fileKeys)]),
  };
  const extra = (c: ExtraContainerConfig, sidecar: boolean): k8s.Container => ({
    name: c.name,
    image: imageReference(c.image),
    imagePullPolicy: c.image.pullPolicy,
    command: c.command,
    args: c.args,
    ports: sidecar ? nonEmpty(extraContainerPorts(c.ports)) : undefined,
    env: nonEmpty([
      ...Object.keys(c.env)
        .sort()
        .map((key) => ({ name: key, value: c.env[key] })),
      ...secretEnvVars(c.secretEnv),
    ]),
    resources: resourceRequirements(c.resources),
    securityContext: security(c.readOnlyRootFilesystem),
    ...(sidecar ? containerProbes(c.probes) : {}),
    volumeMounts: nonEmpty([...writableMounts(c.writablePaths), ...volumeMounts(c.volumes), ...fileMounts(c.files)]),
  });

  const writablePaths = [...new Set([workload, ...workload.initContainers, ...workload.sidecars].flatMap((c) => c.writablePaths))];
  return {
    serviceAccountName: name,
    automountServiceAccountToken: workload.automountServiceAccountToken,
    securityContext: podSecurityContext(workload.securityContext, workload.securityExceptions),
    imagePullSecrets: pullSecrets(env.config.imagePullSecrets, workload.imagePullSecrets),
    terminationGracePeriodSeconds: opts.terminationGracePeriodSeconds,
    topologySpreadConstraints: opts.topologySpreadConstraints,
    ...schedulingFields(workload.scheduling, opts.selector),
    initContainers: nonEmpty(workload.initContainers.map((c) => extra(c, false))),
    containers: [container, ...workload.sidecars.map((c) => extra(c, true))],
    volumes: nonEmpty([
      ...writablePaths.map((path) => ({ name: volumeNameForPath(path), emptyDir: {} })),
      ...(workload.kind === 'StatefulSet' ? [] : claims.map((c) => ({ name: c.key, persistentVolumeClaim: { claimName: c.claim } }))),
      ...(fileKeys.length
        ? [
            {
              name: FILES_VOLUME,
              configMap: {
                name: names.filesConfigMap(name),
                defaultMode: FILE_MODE.plain,
                items: fileKeys.map((key) => ({ key, path: key, ...(workload.files[key].executable ? { mode: FILE_MODE.executable } : {}) })),
              },
            },
          ]
        : []),
    ]),
  };
}

function secretEnvVars(secretEnv: Readonly<Record<string, SecretKeyRef>>): k8s.EnvVar[] {
  return Object.keys(secretEnv)
    .sort()
    .map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: secretEnv[key].secretName, key: secretEnv[key].key } } }));
}

/**
 * nodeSelector, tolerations, affinity and priorityClassName of the pods; fields left out when
 * unset, so a workload without scheduling settings renders as before.
 */
function schedulingFields(
  scheduling: SchedulingConfig,
  selector: Record<string, string> | undefined,
): Pick<k8s.PodSpec, 'nodeSelector' | 'tolerations' | 'affinity' | 'priorityClassName'> {
  const { nodeAffinity, podAntiAffinity } = scheduling.affinity;
  const terms = (expressions: SchedulingConfig['affinity']['nodeAffinity']['required'][number]['matchExpressions']) =>
    expressions.map((e) => ({ key: e.key, operator: e.operator, values: e.values.length ? [...e.values] : undefined }));
  const node: k8s.NodeAffinity | undefined =
    nodeAffinity.required.length || nodeAffinity.preferred.length
      ? {
          requiredDuringSchedulingIgnoredDuringExecution: nodeAffinity.required.length
            ? { nodeSelectorTerms: nodeAffinity.required.map((t) => ({ matchExpressions: terms(t.matchExpressions) })) }
            : undefined,
          preferredDuringSchedulingIgnoredDuringExecution: nodeAffinity.preferred.length
            ? nodeAffinity.preferred.map((t) => ({ weight: t.weight, preference: { matchExpressions: terms(t.matchExpressions) } }))
            : undefined,
        }
      : undefined;
  const ownPods = { labelSelector: { matchLabels: selector }, topologyKey: 'kubernetes.io/hostname' };
  const antiAffinity: k8s.PodAntiAffinity | undefined =
    podAntiAffinity === 'required'
      ? { requiredDuringSchedulingIgnoredDuringExecution: [ownPods] }
      : podAntiAffinity === 'preferred'
        ? { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: ownPods }] }
        : undefined;
  return {
    nodeSelector: Object.keys(scheduling.nodeSelector).length ? { ...scheduling.nodeSelector } : undefined,
    tolerations: nonEmpty(scheduling.tolerations.map((t) => ({ ...t }))),
    affinity: node || antiAffinity ? { nodeAffinity: node, podAntiAffinity: antiAffinity } : undefined,
    priorityClassName: scheduling.priorityClassName,
  };
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length ? items : undefined;
}
