import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import type { ImageConfig, ResourcesConfig } from '../../config/schema.js';
import { checksum } from '../../core/checksum.js';
import type { EnvironmentContext } from '../../config/context.js';
import { imageReference, pullSecrets } from '../workloads/image.js';
import { recommendedLabels, selectorLabels } from '../../config/labels.js';
import { resourceRequirements } from '../workloads/resources.js';
import { containerSecurityContext, hostReaderSecurityContexts, podSecurityContext, type Identity } from '../workloads/security.js';
import { scrapeMonitor } from './monitoring.js';
import { names } from '../../config/names.js';
import { PRIVILEGES_REASON_ANNOTATION } from '../../config/pod-security.js';

/** Name of the Role (and RoleBinding) that lets the shipper read pods in each namespace it ships from. */
const LOG_READER_ROLE = 'log-shipper';
const METRICS_PORT = 'http-metrics';

interface EmptyDir {
  readonly name: string;
  readonly mountPath: string;
}

export interface LogShipperProps {
  readonly env: EnvironmentContext;
  /** The DaemonSet, ServiceAccount, ConfigMap (<name>-config) and metrics Service name. */
  readonly name: string;
  /** The logging namespace the shipper runs in. */
  readonly namespace: string;
  /** Namespaces whose pods' logs are shipped: the shipper may read pods (and, with `podLogs`, their logs) there only. */
  readonly sources: readonly string[];
  /** It reads logs through the API (GET pods/log). */
  readonly podLogs: boolean;
  readonly image: ImageConfig;
  readonly resources: ResourcesConfig;
  readonly config: { readonly dir: string; readonly file: string; readonly text: string };
  readonly args: string[];
  readonly port: number;
  readonly readinessPath: string;
  /** Why it holds the privileges it holds (host paths, root, API permissions): the policy report prints it. */
  readonly privilegesReason: string;
  /**
   * `host`: it reads the node's files, as root, from these host paths (name -> mount), in a
   * namespace that admits "privileged". `identity`: it runs as this non-root user under
   * "restricted", writing only emptyDirs (name -> mount).
   */
  readonly access:
    | { readonly kind: 'host'; readonly hostPaths: readonly { name: string; hostPath: string; mountPath: string; readOnly: boolean }[]; readonly emptyDirs: readonly EmptyDir[] }
    | { readonly kind: 'restricted'; readonly identity: Identity; readonly emptyDirs: readonly EmptyDir[] };
}

/**
 * A log shipper on every node: a DaemonSet whose pod on each node ships the logs of that node's
 * pods. It discovers pods through the API server, so it has a token and, in each source
 * namespace, a Role to read pods (and their logs when it tails them through the API): no
 * cluster-wide permission. A headless Service names its metrics port, scraped by a
 * ServiceMonitor when monitoring is on.
 */
export class LogShipper extends Construct {
  readonly labels: Record<string, string>;

  constructor(scope: Construct, id: string, props: LogShipperProps) {
    super(scope, id);
    const { env, name, namespace, access } = props;
    const labels = recommendedLabels(env.labels, { name, component: 'log-shipper', version: props.image.tag });
    const selector = selectorLabels(env.labels, name);
    this.labels = labels;

    new k8s.KubeServiceAccount(this, 'service-account', { metadata: { name, labels } });
    for (const source of [...props.sources].sort()) {
      new k8s.KubeRole(this, `role-${source}`, {
        metadata: { name: LOG_READER_ROLE, namespace: source, labels },
        rules: [
          { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
          ...(props.podLogs ? [{ apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }] : []),
        ],
      });
      new k8s.KubeRoleBinding(this, `role-binding-${source}`, {
        metadata: { name: LOG_READER_ROLE, namespace: source, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: LOG_READER_ROLE },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      });
    }
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: `${name}-config`, labels }, data: { [props.config.file]: props.config.text } });

    const security =
      access.kind === 'host' ? hostReaderSecurityContexts() : { pod: podSecurityContext(access.identity), container: containerSecurityContext({ readOnlyRootFilesystem: true }) };
    const hostPaths = access.kind === 'host' ? access.hostPaths : [];
    const mounts: k8s.VolumeMount[] = [
      ...hostPaths.map((h) => ({ name: h.name, mountPath: h.mountPath, ...(h.readOnly ? { readOnly: true } : {}) })),
      ...access.emptyDirs.map((e) => ({ name: e.name, mountPath: e.mountPath })),
    ];
    const volumes: k8s.Volume[] = [
      ...hostPaths.map((h) => ({ name: h.name, hostPath: { path: h.hostPath, type: h.readOnly ? 'Directory' : 'DirectoryOrCreate' } })),
      ...access.emptyDirs.map((e) => ({ name: e.name, emptyDir: {} })),
    ];

    new k8s.KubeDaemonSet(this, 'daemonset', {
      metadata: { name, labels, annotations: { [PRIVILEGES_REASON_ANNOTATION]: props.privilegesReason } },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum(props.config.text) } },
          spec: {
            serviceAccountName: name,
            // Pod discovery calls the API server.
            automountServiceAccountToken: true,
            securityContext: security.pod,
            imagePullSecrets: pullSecrets(env.config.imagePullSecrets, []),
            // Every node runs pods whose logs matter, tainted ones (control plane, dedicated pools) too.
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name,
                image: imageReference(props.image),
                imagePullPolicy: props.image.pullPolicy,
                args: props.args,
                // The shipper keeps only the pods of its own node: HOSTNAME is the node's name.
                env: [{ name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                ports: [{ name: METRICS_PORT, containerPort: props.port, protocol: 'TCP' }],
                readinessProbe: {
                  httpGet: { path: props.readinessPath, port: k8s.IntOrString.fromString(METRICS_PORT) },
                  periodSeconds: 10,
                  timeoutSeconds: 3,
                  failureThreshold: 5,
                },
                resources: resourceRequirements(props.resources),
                securityContext: security.container,
                volumeMounts: [{ name: 'config', mountPath: props.config.dir, readOnly: true }, ...mounts],
              },
            ],
            volumes: [{ name: 'config', configMap: { name: `${name}-config` } }, ...volumes],
          },
        },
      },
    });

    // Names the metrics port of every shipper pod for the ServiceMonitor; nothing else connects to it.
    new k8s.KubeService(this, 'metrics-service', {
      metadata: { name: names.logShipperMetrics(name), labels },
      spec: { clusterIp: 'None', selector, ports: [{ name: METRICS_PORT, port: props.port, targetPort: k8s.IntOrString.fromString(METRICS_PORT), protocol: 'TCP' }] },
    });
    if (env.config.monitoring.enabled) scrapeMonitor(this, 'service-monitor', env, { name, labels, selector, port: METRICS_PORT });
  }
}
