import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ImageConfig, ResourcesConfig } from '../../config/schema.js';
import { topologySpreadConstraints } from '../workloads/availability.js';
import type { EnvironmentContext } from '../../config/context.js';
import { imageReference, pullSecrets } from '../workloads/image.js';
import { recommendedLabels, selectorLabels } from '../../config/labels.js';
import { DATA_VOLUME } from '../../config/names.js';
import { resourceRequirements } from '../workloads/resources.js';
import { containerSecurityContext, podSecurityContext, type Identity } from '../workloads/security.js';

export interface DatastoreProps {
  readonly name: string;
  readonly component: string;
  readonly env: EnvironmentContext;
  readonly image: ImageConfig;
  readonly resources: ResourcesConfig;
  readonly identity: Identity;
  readonly replicas: number;
  /** Headless Service that gives each pod a stable DNS name. */
  readonly serviceName: string;
  /** The data PersistentVolumeClaim of each pod; none without (e.g. Redis Sentinels). */
  readonly storage?: { size: string; storageClass?: string };
  /** Where the data PersistentVolumeClaim is mounted. */
  readonly dataPath?: string;
  /** The main container, without the fields this construct fills in. */
  readonly container: Omit<k8s.Container, 'name' | 'image' | 'resources' | 'securityContext'>;
  readonly initContainers?: k8s.Container[];
  /** Extra pod volumes (emptyDirs, Secrets), besides the data claim. */
  readonly volumes?: k8s.Volume[];
  /** Extra containers (e.g. a metrics exporter), with their own image and resources. */
  readonly sidecars?: DatastoreSidecar[];
  /** Pod template annotations (e.g. a config checksum that rolls the pods). */
  readonly podAnnotations?: Record<string, string>;
  /** Spread the pods over zones and nodes. */
  readonly topologySpread?: boolean;
}

export interface DatastoreSidecar {
  readonly image: ImageConfig;
  readonly resources: ResourcesConfig;
  readonly container: Omit<k8s.Container, 'image' | 'imagePullPolicy' | 'resources' | 'securityContext'>;
}

/**
 * The StatefulSet shape MongoDB, Redis and Loki share: a ServiceAccount without a token, one
 * ReadWriteOnce claim per pod from volumeClaimTemplates, and restricted security contexts.
 */
export class Datastore extends Construct {
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: DatastoreProps) {
    super(scope, id);
    const { env, name, storage } = props;
    this.labels = recommendedLabels(env.labels, { name, component: props.component, version: props.image.tag });
    this.selector = selectorLabels(env.labels, name);

    new k8s.KubeServiceAccount(this, 'service-account', {
      metadata: { name, labels: this.labels },
      automountServiceAccountToken: false,
    });

    new k8s.KubeStatefulSet(this, 'statefulset', {
      metadata: { name, labels: this.labels },
      spec: {
        serviceName: props.serviceName,
        replicas: props.replicas,
        selector: { matchLabels: this.selector },
        template: {
          metadata: { labels: this.labels, annotations: props.podAnnotations },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(props.identity),
            topologySpreadConstraints: props.topologySpread ? topologySpreadConstraints(this.selector) : undefined,
            imagePullSecrets: pullSecrets(env.config.imagePullSecrets, []),
            initContainers: props.initContainers?.map((c) => secured(c, props)),
            containers: [
              secured(
                {
                  ...props.container,
                  name,
                  volumeMounts: [...(storage && props.dataPath ? [{ name: DATA_VOLUME, mountPath: props.dataPath }] : []), ...(props.container.volumeMounts ?? [])],
                },
                props,
              ),
              ...(props.sidecars ?? []).map((sidecar) => secured(sidecar.container, sidecar)),
            ],
            volumes: props.volumes,
          },
        },
        volumeClaimTemplates: storage
          ? [
              {
                metadata: { name: DATA_VOLUME, labels: this.selector },
                spec: {
                  accessModes: ['ReadWriteOnce'],
                  storageClassName: storage.storageClass,
                  resources: { requests: { storage: k8s.Quantity.fromString(storage.size) } },
                },
              },
            ]
          : undefined,
      },
    });
  }
}

/** Image, resources and a restricted security context for every container of the pod. */
function secured(container: k8s.Container, from: { image: ImageConfig; resources: ResourcesConfig }): k8s.Container {
  return {
    ...container,
    image: imageReference(from.image),
    imagePullPolicy: from.image.pullPolicy,
    resources: resourceRequirements(from.resources),
    securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
  };
}

/**
 * A Service for a datastore; headless when `headless` (stable per-pod DNS names). `metricsPort`
 * adds a `metrics` port for the exporter sidecar, which its ServiceMonitor scrapes.
 */
export function datastoreService(
  scope: Construct,
  id: string,
  props: { name: string; labels: Record<string, string>; selector: Record<string, string>; port: number; portName: string; headless: boolean; metricsPort?: number },
): k8s.KubeService {
  return new k8s.KubeService(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    spec: {
      clusterIp: props.headless ? 'None' : undefined,
      // Replica-set members must resolve each other before they are ready.
      publishNotReadyAddresses: props.headless ? true : undefined,
      selector: props.selector,
      ports: [servicePort(props.portName, props.port), ...(props.metricsPort ? [servicePort('metrics', props.metricsPort)] : [])],
    },
  });
}

function servicePort(name: string, port: number): k8s.ServicePort {
  return { name, port, targetPort: k8s.IntOrString.fromString(name), protocol: 'TCP' };
}
