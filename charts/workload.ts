import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { WorkloadConfig } from '../config/schema.js';
import { checksum } from '../lib/checksum.js';
import type { EnvironmentContext } from '../lib/context.js';
import { recommendedLabels, selectorLabels } from '../lib/labels.js';
import { names } from '../lib/names.js';
import { workloadPodSpec, workloadSettings, type WorkloadPodOptions } from '../lib/pod.js';
import { Autoscaler } from './autoscaler.js';

export interface WorkloadProps extends Omit<WorkloadPodOptions, 'workload' | 'env'> {
  readonly workload: WorkloadConfig;
  readonly env: EnvironmentContext;
  readonly strategy?: k8s.DeploymentStrategy;
}

/**
 * What every Deployment-based workload needs: a ServiceAccount of its own, a ConfigMap with its
 * non-secret settings, its PersistentVolumeClaims, the Deployment and, when enabled, an HPA.
 */
export class Workload extends Construct {
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: WorkloadProps) {
    super(scope, id);
    const { name, workload, env } = props;
    this.labels = recommendedLabels(env.labels, { name, component: workload.component ?? name, version: workload.image.tag });
    this.selector = selectorLabels(env.labels, name);
    const metadata = (objectName: string) => ({ name: objectName, labels: this.labels });

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: metadata(name),
      // The app does not call the Kubernetes API, so it gets no token.
      automountServiceAccountToken: false,
    });

    const settings = workloadSettings(props);
    new k8s.KubeConfigMap(this, 'config', { metadata: metadata(names.configMap(name)), data: settings });

    for (const key of Object.keys(workload.volumes).sort()) {
      const volume = workload.volumes[key];
      new k8s.KubePersistentVolumeClaim(this, `volume-${key}`, {
        metadata: metadata(names.volumeClaim(name, key)),
        spec: {
          accessModes: [volume.accessMode],
          storageClassName: volume.storageClass,
          resources: { requests: { storage: k8s.Quantity.fromString(volume.size) } },
        },
      });
    }

    const autoscaled = workload.autoscaling.enabled;
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: metadata(name),
      spec: {
        // An HPA owns the replica count: setting it here would make every `kubectl apply` or
        // Argo CD sync reset the autoscaler's choice.
        replicas: autoscaled ? undefined : workload.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        strategy: props.strategy,
        template: {
          metadata: {
            labels: this.labels,
            // A settings change rolls the pods (env from a ConfigMap is read only at start).
            annotations: { 'checksum/config': checksum(settings) },
          },
          spec: workloadPodSpec(props),
        },
      },
    });

    if (autoscaled) {
      new Autoscaler(this, 'autoscaler', { name, labels: this.labels, autoscaling: workload.autoscaling });
    }
  }
}
