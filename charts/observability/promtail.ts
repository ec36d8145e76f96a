import { JsonPatch, type ApiObject } from 'cdk8s';
import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { toYamlDocument } from '../../core/yaml.js';
import type { LogsConfig } from '../../config/schema.js';
import { checksum } from '../../core/checksum.js';
import type { EnvironmentContext } from '../../config/context.js';
import { imageReference, pullSecrets } from '../workloads/image.js';
import { recommendedLabels, selectorLabels } from '../../config/labels.js';
import { POD_LOGS_DIR, PROMTAIL_HTTP_PORT, PROMTAIL_POSITIONS_DIR, promtailConfig } from '../../observability/logging.js';
import { resourceRequirements } from '../workloads/resources.js';
import { hostReaderSecurityContexts } from '../workloads/security.js';

const NAME = 'promtail';
const CONFIG_DIR = '/etc/promtail';

export interface PromtailProps {
  readonly env: EnvironmentContext;
  /** The logging namespace Promtail runs in. */
  readonly namespace: string;
  readonly logs: LogsConfig;
  readonly lokiUrl: string;
  /** Namespaces whose pods' logs are shipped. */
  readonly sources: string[];
}

/**
 * Promtail on every node (https://grafana.com/docs/loki/v2.8.x/clients/promtail/installation/#install-using-helm
 * is the model): it reads the pod log files of its node from the host, so it needs hostPath
 * volumes and root, and it discovers pods through the API, so it has a token and a ClusterRole
 * limited to reading pods and nodes.
 */
export class Promtail extends Construct {
  constructor(scope: Construct, id: string, props: PromtailProps) {
    super(scope, id);
    const { env, logs, namespace } = props;
    const promtail = logs.promtail;
    const labels = recommendedLabels(env.labels, { name: NAME, component: 'log-shipper', version: promtail.image.tag });
    const selector = selectorLabels(env.labels, NAME);
    // Cluster-scoped names must be unique across environments sharing a cluster.
    const clusterName = `${namespace}-${NAME}`;
    const configText = toYamlDocument(promtailConfig({ lokiUrl: props.lokiUrl, namespaces: props.sources }));
    const security = hostReaderSecurityContexts();

    new k8s.KubeServiceAccount(this, 'service-account', { metadata: { name: NAME, labels } });
    clusterScoped(
      new k8s.KubeClusterRole(this, 'cluster-role', {
        metadata: { name: clusterName, labels },
        rules: [{ apiGroups: [''], resources: ['nodes', 'pods'], verbs: ['get', 'list', 'watch'] }],
      }),
    );
    clusterScoped(
      new k8s.KubeClusterRoleBinding(this, 'cluster-role-binding', {
        metadata: { name: clusterName, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
        subjects: [{ kind: 'ServiceAccount', name: NAME, namespace }],
      }),
    );
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: `${NAME}-config`, labels }, data: { 'promtail.yaml': configText } });

    new k8s.KubeDaemonSet(this, 'daemonset', {
      metadata: { name: NAME, labels },
      spec: {
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate' },
        template: {
          metadata: { labels, annotations: { 'checksum/config': checksum(configText) } },
          spec: {
            serviceAccountName: NAME,
            // Pod discovery (kubernetes_sd_configs) calls the API server.
            automountServiceAccountToken: true,
            securityContext: security.pod,
            imagePullSecrets: pullSecrets(env.config.imagePullSecrets, []),
            // Every node runs pods whose logs matter, tainted ones (control plane, dedicated pools) too.
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: NAME,
                image: imageReference(promtail.image),
                imagePullPolicy: promtail.image.pullPolicy,
                args: [`-config.file=${CONFIG_DIR}/promtail.yaml`],
                // Promtail keeps only targets whose __host__ is its HOSTNAME: the pods of its node.
                env: [{ name: 'HOSTNAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                ports: [{ name: 'http-metrics', containerPort: PROMTAIL_HTTP_PORT, protocol: 'TCP' }],
                readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromString('http-metrics') }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 5 },
                resources: resourceRequirements(promtail.resources),
                securityContext: security.container,
                volumeMounts: [
                  { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
                  { name: 'positions', mountPath: PROMTAIL_POSITIONS_DIR },
                  { name: 'pod-logs', mountPath: POD_LOGS_DIR, readOnly: true },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: `${NAME}-config` } },
              // One directory per environment: several Promtails may share a node.
              { name: 'positions', hostPath: { path: `/var/lib/promtail/${namespace}`, type: 'DirectoryOrCreate' } },
              { name: 'pod-logs', hostPath: { path: POD_LOGS_DIR, type: 'Directory' } },
            ],
          },
        },
      },
    });
  }
}

/** Drops the chart's default namespace from a cluster-scoped object. */
function clusterScoped<T extends ApiObject>(object: T): T {
  object.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  return object;
}
