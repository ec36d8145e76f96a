import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { WorkloadConfig } from '../../config/schema.js';
import { minimumReplicas, topologySpreadConstraints } from './availability.js';
import { checksum } from '../../core/checksum.js';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels, selectorLabels, type Track } from '../../config/labels.js';
import { names } from '../../config/names.js';
import { workloadPodSpec, podSettings, type WorkloadPodOptions } from './pod.js';
import { Autoscaler } from './autoscaler.js';
import { disruptionBudget } from './disruption-budget.js';

export interface WorkloadProps extends Omit<WorkloadPodOptions, 'workload' | 'env' | 'topologySpreadConstraints'> {
  readonly workload: WorkloadConfig;
  readonly env: EnvironmentContext;
  readonly strategy?: k8s.DeploymentStrategy;
  /** Spread each Deployment's pods over zones and nodes. */
  readonly topologySpread?: boolean;
}

/** Labels and selector of one Deployment of a workload. */
export interface DeploymentIdentity {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
}

/**
 * What every Deployment-based workload needs: a ServiceAccount of its own, a ConfigMap with its
 * non-secret settings and its PersistentVolumeClaims, shared by its Deployments: one for a worker
 * or a plain web service, stable + canary or blue + green for a web service being released.
 */
export class Workload extends Construct {
  private readonly settingsChecksum: string;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WorkloadProps,
  ) {
    super(scope, id);
    const { name, workload } = props;
    const metadata = { labels: this.identity(workload).labels };

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name, ...metadata },
      // The app does not call the Kubernetes API, so it gets no token.
      automountServiceAccountToken: false,
    });

    const settings = podSettings(props);
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
  }

  /**
   * A Deployment running `workload` (e.g. with the canary image) on the shared settings, named
   * `<name>` or `<name>-<suffix>`, plus its HPA when the workload autoscales and its
   * PodDisruptionBudget when it runs more than one pod.
   */
  addDeployment(workload: WorkloadConfig, opts: { track?: Track; suffix?: string } = {}): DeploymentIdentity {
    const name = opts.suffix ? `${this.props.name}-${opts.suffix}` : this.props.name;
    const deployment = this.deployment(`deployment-${opts.suffix ?? 'main'}`, name, workload, opts.track);
    if (workload.autoscaling.enabled) {
      new Autoscaler(this, `autoscaler-${opts.suffix ?? 'main'}`, { name, labels: deployment.labels, autoscaling: workload.autoscaling });
    }
    disruptionBudget(this, `disruption-budget-${opts.suffix ?? 'main'}`, { ...deployment, replicas: minimumReplicas(workload) });
    return deployment;
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
          spec: workloadPodSpec({
            ...this.props,
            workload,
            topologySpreadConstraints: this.props.topologySpread ? topologySpreadConstraints(selector) : undefined,
          }),
        },
      },
    });
    return { name: deploymentName, labels, selector };
  }
}
