/**
 * The pod template every workload shares: one container running the configured image as a
 * non-root user on a read-only root filesystem, settings from its ConfigMap, secrets by reference,
 * emptyDirs for the paths it must write and its PersistentVolumeClaims.
 */
import type { k8s } from 'cdk8s-plus-27';
import type { WorkloadConfig } from '../../config/schema.js';
import { connectionEnv, workloadSettings } from '../../config/connections.js';
import type { EnvironmentContext } from '../../config/context.js';
import { imageReference, pullSecrets } from './image.js';
import { names, volumeNameForPath } from '../../config/names.js';
import { resourceRequirements } from './resources.js';
import { containerSecurityContext, podSecurityContext } from './security.js';

export interface WorkloadPodOptions {
  readonly name: string;
  readonly workload: WorkloadConfig;
  readonly env: EnvironmentContext;
  /** Settings computed by the caller (e.g. PORT), merged under the workload's own env. */
  readonly extraSettings?: Record<string, string>;
  readonly ports?: k8s.ContainerPort[];
  readonly probes?: Pick<k8s.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'>;
  readonly lifecycle?: k8s.Lifecycle;
  readonly terminationGracePeriodSeconds?: number;
  readonly topologySpreadConstraints?: k8s.TopologySpreadConstraint[];
}

/** The non-secret settings of a workload: what goes into its ConfigMap. */
export function podSettings(opts: WorkloadPodOptions): Record<string, string> {
  return workloadSettings(opts.workload, opts.env, opts.extraSettings);
}

export function workloadPodSpec(opts: WorkloadPodOptions): k8s.PodSpec {
  const { workload, env, name } = opts;
  const connections = connectionEnv(workload.uses, env.config, env.namespace);
  const secretVars: k8s.EnvVar[] = Object.keys(workload.secretEnv)
    .sort()
    .map((key) => ({ name: key, valueFrom: { secretKeyRef: { name: workload.secretEnv[key].secretName, key: workload.secretEnv[key].key } } }));

  const writable = workload.writablePaths.map((path) => ({ name: volumeNameForPath(path), path }));
  const persistent = Object.keys(workload.volumes)
    .sort()
    .map((key) => ({ key, claim: names.volumeClaim(name, key), mountPath: workload.volumes[key].mountPath }));

  const container: k8s.Container = {
    name,
    image: imageReference(workload.image),
    imagePullPolicy: workload.image.pullPolicy,
    command: workload.command,
    args: workload.args,
    ports: opts.ports,
    envFrom: [{ configMapRef: { name: names.configMap(name) } }],
    env: nonEmpty([...secretVars, ...connections.env]),
    resources: resourceRequirements(workload.resources),
    securityContext: containerSecurityContext({ readOnlyRootFilesystem: workload.readOnlyRootFilesystem }),
    ...opts.probes,
    lifecycle: opts.lifecycle,
    volumeMounts: nonEmpty([...writable.map((w) => ({ name: w.name, mountPath: w.path })), ...persistent.map((p) => ({ name: p.key, mountPath: p.mountPath }))]),
  };

  return {
    serviceAccountName: name,
    automountServiceAccountToken: false,
    securityContext: podSecurityContext(workload.securityContext),
    imagePullSecrets: pullSecrets(env.config.imagePullSecrets, workload.imagePullSecrets),
    terminationGracePeriodSeconds: opts.terminationGracePeriodSeconds,
    topologySpreadConstraints: opts.topologySpreadConstraints,
    containers: [container],
    volumes: nonEmpty([...writable.map((w) => ({ name: w.name, emptyDir: {} })), ...persistent.map((p) => ({ name: p.key, persistentVolumeClaim: { claimName: p.claim } }))]),
  };
}

function nonEmpty<T>(items: T[]): T[] | undefined {
  return items.length ? items : undefined;
}
