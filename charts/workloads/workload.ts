import { ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { WorkloadConfig } from '../../config/schema.js';
import { minimumReplicas, topologySpreadConstraints } from './availability.js';
import { checksum } from '../../core/checksum.js';
import type { EnvironmentContext } from '../../config/context.js';
import { recommendedLabels, selectorLabels, type Track } from '../../config/labels.js';
import { names } from '../../config/names.js';
import { exceptionAnnotations } from '../../config/pod-security.js';
import { workloadPodSpec, podSettings, type WorkloadPodOptions } from './pod.js';
import { Autoscaler, ROLLOUT_API_VERSION } from './autoscaler.js';
import { disruptionBudget } from './disruption-budget.js';

export interface WorkloadProps extends Omit<WorkloadPodOptions, 'workload' | 'env' | 'topologySpreadConstraints' | 'selector'> {
  readonly workload: WorkloadConfig;
  readonly env: EnvironmentContext;
  /** The rolling update of a Deployment (a web service's maxSurge/maxUnavailable); Recreate and StatefulSets ignore it. */
  readonly strategy?: k8s.DeploymentStrategy;
  /** Spread each Deployment's pods over zones and nodes. */
  readonly topologySpread?: boolean;
  /** Ports of the headless Service of a StatefulSet (a web service's Service ports); default: the workload's own `ports`. */
  readonly servicePorts?: k8s.ServicePort[];
}

/** Labels and selector of one Deployment (or StatefulSet) of a workload. */
export interface DeploymentIdentity {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;
}

/**
 * What every workload needs: a ServiceAccount of its own, a ConfigMap with its non-secret
 * settings, a ConfigMap with its files, and its PersistentVolumeClaims, shared by its controllers:
 * one for a worker or a plain web service, stable + canary or blue + green for a web service being
 * released. A StatefulSet workload instead gets one claim per pod (volumeClaimTemplates) and a
 * headless Service that names its pods.
 */
export class Workload extends Construct {
  private readonly podAnnotations: Record<string, string>;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: WorkloadProps,
  ) {
    super(scope, id);
    const { name, workload } = props;
    const metadata = { labels: this.identity(workload).labels };

    const annotations = workload.serviceAccount.annotations;
    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name, ...metadata, ...(Object.keys(annotations).length ? { annotations: { ...annotations } } : {}) },
      // Most apps do not call the Kubernetes API, so they get no token unless the config asks for one.
      automountServiceAccountToken: workload.automountServiceAccountToken,
    });

    const settings = podSettings(props);
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: names.configMap(name), ...metadata }, data: settings });
    // A settings change rolls the pods (env from a ConfigMap is read only at start); so does a
    // change of a mounted file (files are mounted by subPath, which never updates in place).
    this.podAnnotations = { 'checksum/config': checksum(settings) };
    const files = Object.fromEntries(
      Object.keys(workload.files)
        .sort()
        .map((key) => [key, workload.files[key].content ?? '']),
    );
    if (Object.keys(files).length) {
      new k8s.KubeConfigMap(this, 'files', { metadata: { name: names.filesConfigMap(name), ...metadata }, data: files });
      this.podAnnotations['checksum/files'] = checksum(files);
    }
    Object.assign(this.podAnnotations, exceptionAnnotations(workload.securityExceptions));

    if (workload.kind === 'StatefulSet') {
      const identity = this.identity(workload);
      new k8s.KubeService(this, 'headless', {
        metadata: { name: names.headless(name), labels: identity.labels },
        spec: {
          clusterIp: 'None',
          selector: identity.selector,
          ports:
            props.servicePorts ??
            Object.keys(workload.ports)
              .sort()
              .map((port) => ({
                name: port,
                port: workload.ports[port].servicePort ?? workload.ports[port].port,
                targetPort: k8s.IntOrString.fromString(port),
                protocol: workload.ports[port].protocol,
              })),
        },
      });
      return;
    }
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
   * A Deployment (or, for `kind: StatefulSet`, a StatefulSet) running `workload` (e.g. with the
   * canary image) on the shared settings, named `<name>` or `<name>-<suffix>`, plus its HPA when
   * the workload autoscales and its PodDisruptionBudget when it runs more than one pod.
   */
  addDeployment(workload: WorkloadConfig, opts: { track?: Track; suffix?: string } = {}): DeploymentIdentity {
    const name = opts.suffix ? `${this.props.name}-${opts.suffix}` : this.props.name;
    const id = opts.suffix ?? 'main';
    const controller =
      workload.kind === 'StatefulSet' ? this.statefulSet(`statefulset-${id}`, name, workload, opts.track) : this.deployment(`deployment-${id}`, name, workload, opts.track);
    if (workload.autoscaling.enabled) {
      new Autoscaler(this, `autoscaler-${id}`, { name, kind: workload.kind, labels: controller.labels, autoscaling: workload.autoscaling });
    }
    disruptionBudget(this, `disruption-budget-${id}`, { ...controller, replicas: minimumReplicas(workload) });
    return controller;
  }

  /**
   * An Argo Rollout running `workload`, named like it, with the pod template inline and `strategy`
   * (charts/workloads/rollout.ts), plus its HPA (scaling the Rollout) and PodDisruptionBudget. Its
   * pods carry no track label in the template: the controller adds it to stable and canary pods.
   */
  addRollout(workload: WorkloadConfig, strategy: Record<string, unknown>): DeploymentIdentity {
    const name = this.props.name;
    const { labels, selector } = this.identity(workload);
    const template = this.template(workload, labels, selector);
    new ApiObject(this, 'rollout', {
      apiVersion: ROLLOUT_API_VERSION,
      kind: 'Rollout',
      metadata: { name, labels },
      spec: {
        replicas: workload.autoscaling.enabled ? undefined : workload.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: k8s.KubeDeployment.manifest({ spec: { selector: {}, template } }).spec.template,
        strategy,
      },
    });
    if (workload.autoscaling.enabled) {
      new Autoscaler(this, 'autoscaler-main', { name, kind: 'Rollout', labels, autoscaling: workload.autoscaling });
    }
    disruptionBudget(this, 'disruption-budget-main', { name, labels, selector, replicas: minimumReplicas(workload) });
    return { name, labels, selector };
  }

  private identity(workload: WorkloadConfig, track?: Track): Omit<DeploymentIdentity, 'name'> {
    const { env, name } = this.props;
    return {
      labels: recommendedLabels(env.labels, { name, component: workload.component ?? name, version: workload.image.tag, track }),
      selector: selectorLabels(env.labels, name, track),
    };
  }

  private template(workload: WorkloadConfig, labels: Record<string, string>, selector: Record<string, string>): k8s.PodTemplateSpec {
    return {
      metadata: { labels, annotations: { ...this.podAnnotations } },
      spec: workloadPodSpec({
        ...this.props,
        workload,
        selector,
        topologySpreadConstraints: this.props.topologySpread ? topologySpreadConstraints(selector) : undefined,
      }),
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
        strategy: workload.updateStrategy === 'Recreate' ? { type: 'Recreate' } : this.props.strategy,
        template: this.template(workload, labels, selector),
      },
    });
    return { name: deploymentName, labels, selector };
  }

  private statefulSet(id: string, name: string, workload: WorkloadConfig, track?: Track): DeploymentIdentity {
    const { labels, selector } = this.identity(workload, track);
    new k8s.KubeStatefulSet(this, id, {
      metadata: { name, labels },
      spec: {
        replicas: workload.autoscaling.enabled ? undefined : workload.replicas,
        revisionHistoryLimit: 5,
        serviceName: names.headless(this.props.name),
        selector: { matchLabels: selector },
        updateStrategy: { type: workload.updateStrategy === 'OnDelete' ? 'OnDelete' : 'RollingUpdate' },
        template: this.template(workload, labels, selector),
        volumeClaimTemplates: Object.keys(workload.volumes)
          .sort()
          .map((key) => {
            const volume = workload.volumes[key];
            return {
              // The claims belong to the workload, whatever track its pods run.
              metadata: { name: key, labels: selectorLabels(this.props.env.labels, this.props.name) },
              spec: {
                accessModes: [volume.accessMode],
                storageClassName: volume.storageClass,
                resources: { requests: { storage: k8s.Quantity.fromString(volume.size) } },
              },
            };
          }),
      },
    });
    return { name, labels, selector };
  }
}
