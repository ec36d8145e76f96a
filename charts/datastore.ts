import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ImageConfig, ResourcesConfig } from '../config/schema.js';
import type { EnvironmentContext } from '../lib/context.js';
import { imageReference, pullSecrets } from '../lib/image.js';
import { recommendedLabels, selectorLabels } from '../lib/labels.js';
import { resourceRequirements } from '../lib/resources.js';
import { containerSecurityContext, podSecurityContext, type Identity } from '../lib/security.js';

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
  readonly storage: { size: string; storageClass?: string };
  /** Where the data PersistentVolumeClaim is mounted. */
  readonly dataPath: string;
  /** The main container, without the fields this construct fills in. */
  readonly container: Omit<k8s.Container, 'name' | 'image' | 'resources' | 'securityContext'>;
  readonly initContainers?: k8s.Container[];
  /** Extra pod volumes (emptyDirs, Secrets), besides the data claim. */
  readonly volumes?: k8s.Volume[];
}

/**
 * The StatefulSet shape MongoDB and Redis share: a ServiceAccount without a token, one
 * ReadWriteOnce claim per pod from volumeClaimTemplates, and restricted security contexts.
 */
export class Datastore extends Construct {
  readonly labels: Record<string, string>;
  readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: DatastoreProps) {
    super(scope, id);
    const { env, name } = props;
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
          metadata: { labels: this.labels },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            securityContext: podSecurityContext(props.identity),
            imagePullSecrets: pullSecrets(env.config.imagePullSecrets, []),
            initContainers: props.initContainers?.map((c) => this.secured(c, props)),
            containers: [
              this.secured(
                {
                  ...props.container,
                  name,
                  volumeMounts: [{ name: 'data', mountPath: props.dataPath }, ...(props.container.volumeMounts ?? [])],
                },
                props,
              ),
            ],
            volumes: props.volumes,
          },
        },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data', labels: this.selector },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: props.storage.storageClass,
              resources: { requests: { storage: k8s.Quantity.fromString(props.storage.size) } },
            },
          },
        ],
      },
    });
  }

  /** Image, resources and a restricted security context for every container of the pod. */
  private secured(container: k8s.Container, props: DatastoreProps): k8s.Container {
    return {
      ...container,
      image: imageReference(props.image),
      imagePullPolicy: props.image.pullPolicy,
      resources: resourceRequirements(props.resources),
      securityContext: containerSecurityContext({ readOnlyRootFilesystem: true }),
    };
  }
}

/** A Service for a datastore; headless when `headless` (stable per-pod DNS names). */
export function datastoreService(
  scope: Construct,
  id: string,
  props: { name: string; labels: Record<string, string>; selector: Record<string, string>; port: number; portName: string; headless: boolean },
): k8s.KubeService {
  return new k8s.KubeService(scope, id, {
    metadata: { name: props.name, labels: props.labels },
    spec: {
      clusterIp: props.headless ? 'None' : undefined,
      // Replica-set members must resolve each other before they are ready.
      publishNotReadyAddresses: props.headless ? true : undefined,
      selector: props.selector,
      ports: [{ name: props.portName, port: props.port, targetPort: k8s.IntOrString.fromString(props.portName), protocol: 'TCP' }],
    },
  });
}
