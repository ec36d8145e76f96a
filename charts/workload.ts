import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { WorkloadConfig } from '../config/schema.js';
import { checksum } from '../lib/checksum.js';
import type { EnvironmentContext } from '../lib/context.js';
import { recommendedLabels, selectorLabels, type Track } from '../lib/labels.js';
import { names } from '../lib/names.js';
import { workloadPodSpec, workloadSettings, type WorkloadPodOptions } from '../lib/pod.js';
import { Autoscaler } from './autoscaler.js';

export interface WorkloadProps extends Omit<WorkloadPodOptions, 'workload' | 'env'> {
  readonly workload: WorkloadConfig;
  readonly env: EnvironmentContext;
  readonly strategy?: k8s.DeploymentStrategy;
  /** Web services label their pods with a track (stable/canary); workers have a single track. */
  readonly tracked?: boolean;
}

/** Labels and selector of one Deployment of a workload. */
export interface DeploymentIdentity {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
}

/**
 * What every Deployment-based workload needs: a ServiceAccount of its own, a ConfigMap with its
 * non-secret settings, its PersistentVolumeClaims, the (stable) Deployment and, when enabled, an
 * HPA. `addTrack` adds another Deployment (the canary) that shares all of them.
 */
export class Workload extends Construct {
  readonly stable: DeploymentIdentity;
  private readonly settingsChecksum: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WorkloadProps,
  ) {
    super(scope, id);
    const { name, workload } = props;
    const metadata = { labels: this.identity(workload, props.tracked ? 'stable' : undefined).labels };

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name, ...metadata },
      // The app does not call the Kubernetes API, so it gets no token.
      automountServiceAccountToken: false,
    });

    const settings = workloadSettings(props);
    this.settingsChecksum = checksum(settings);
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: names.configMap(name), ...metadata }, data: settings });

    for (const key of Object.keys(workload.volumes).sort()) {
      const volume = workload.volumes[key];
      new k8s.KubePersistentVolumeClaim(this, `volume-${key}`, {
        metadata: { name: names.volumeClaim(name, key), ...metadata },
        spec: {
          accessModes: [volume.accessMode],
          storageClassName: volume.storageClass,
          resources: { requests: { storage: k8s.Quantity.fromString(volume.size) } },
        },
      });
    }

    this.stable = this.deployment('deployment', name, workload, props.tracked ? 'stable' : undefined);
    if (workload.autoscaling.enabled) {
      new Autoscaler(this, 'autoscaler', { name, labels: this.stable.labels, autoscaling: workload.autoscaling });
    }
  }

  /** Another Deployment `<name>-<track>` running `workload` (e.g. the canary image) with the same settings. */
  addTrack(track: Track, workload: WorkloadConfig): DeploymentIdentity {
    return this.deployment(`deployment-${track}`, `${this.props.name}-${track}`, workload, track);
  }

  private identity(workload: WorkloadConfig, track?: Track): Omit<DeploymentIdentity, 'name'> {
    const { env, name } = this.props;
    return {
      labels: recommendedLabels(env.labels, { name, component: workload.component ?? name, version: workload.image.tag, track }),
      selector: selectorLabels(env.labels, name, track),
    };
  }

  private deployment(id: string, deploymentName: string, workload: WorkloadConfig, track?: Track): DeploymentIdentity {
    const { labels, selector } = this.identity(workload, track);
    new k8s.KubeDeployment(this, id, {
      metadata: { name: deploymentName, labels },
      spec: {
        // An HPA owns the replica count: setting it here would make every `kubectl apply` or
        // Argo CD sync reset the autoscaler's choice.
        replicas: workload.autoscaling.enabled ? undefined : workload.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        strategy: this.props.strategy,
        template: {
          metadata: {
            labels,
            // A settings change rolls the pods (env from a ConfigMap is read only at start).
            annotations: { 'checksum/config': this.settingsChecksum },
          },
          spec: workloadPodSpec({ ...this.props, workload }),
        },
      },
    });
    return { name: deploymentName, labels, selector };
  }
}
