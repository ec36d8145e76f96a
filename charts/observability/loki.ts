import { k8s } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { toYamlDocument } from '../../core/yaml.js';
import type { LogsConfig } from '../../config/schema.js';
import { checksum } from '../../core/checksum.js';
import { serviceHost, type EnvironmentContext } from '../../config/context.js';
import { LOKI_DATA_DIR, LOKI_GRPC_PORT, LOKI_HTTP_PORT, lokiConfig } from '../../observability/logging.js';
import { Datastore, datastoreService } from '../datastores/datastore.js';
import { scrapeMonitor } from './monitoring.js';
import { names } from '../../config/names.js';
import { ServiceMonitorSpecEndpointsRelabelingsAction } from '../../imports/monitoring.coreos.com.js';

const NAME = names.loki;
const CONFIG_DIR = '/etc/loki';

/**
 * Loki as a single binary (all components in one process, one replica) storing chunks and index
 * on its volume, under the same restricted security context as the other datastores, with a
 * read-only root filesystem (the grafana/loki image runs as UID 10001; it writes only /var/loki,
 * the volume, and /tmp, an emptyDir).
 */
export class Loki extends Construct {
  /** In-cluster base URL of Loki's HTTP API. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: { env: EnvironmentContext; namespace: string; logs: LogsConfig }) {
    super(scope, id);
    const { env, logs } = props;
    const { retentionPeriod, schemaV13From, ingestionRateMb, maxStreams } = logs.loki;
    const configText = toYamlDocument(lokiConfig({ retentionPeriod, schemaV13From, ingestionRateMb, maxStreams }));
    const headless = `${NAME}-headless`;

    const store = new Datastore(this, 'loki', {
      name: NAME,
      component: 'logging',
      env,
      image: logs.loki.image,
      resources: logs.loki.resources,
      identity: logs.loki.securityContext,
      replicas: 1,
      serviceName: headless,
      storage: logs.loki.storage,
      dataPath: LOKI_DATA_DIR,
      container: {
        args: [`-config.file=${CONFIG_DIR}/loki.yaml`, '-target=all'],
        ports: [
          { name: 'http', containerPort: LOKI_HTTP_PORT, protocol: 'TCP' },
          { name: 'grpc', containerPort: LOKI_GRPC_PORT, protocol: 'TCP' },
        ],
        // /ready turns 200 once the ingester has joined its ring, about 15 s after start.
        readinessProbe: { httpGet: { path: '/ready', port: k8s.IntOrString.fromString('http') }, initialDelaySeconds: 15, periodSeconds: 10, timeoutSeconds: 3 },
        livenessProbe: { tcpSocket: { port: k8s.IntOrString.fromString('http') }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
        volumeMounts: [
          { name: 'config', mountPath: CONFIG_DIR, readOnly: true },
          { name: 'tmp', mountPath: '/tmp' },
        ],
      },
      volumes: [
        { name: 'config', configMap: { name: `${NAME}-config` } },
        { name: 'tmp', emptyDir: {} },
      ],
      // Loki reads its config only at start: a change rolls the pod.
      podAnnotations: { 'checksum/config': checksum(configText) },
    });

    new k8s.KubeConfigMap(this, 'config', { metadata: { name: `${NAME}-config`, labels: store.labels }, data: { 'loki.yaml': configText } });
    const service = { labels: store.labels, selector: store.selector, port: LOKI_HTTP_PORT, portName: 'http' };
    datastoreService(this, 'service', { ...service, name: NAME, headless: false });
    datastoreService(this, 'headless-service', { ...service, name: headless, headless: true });
    // Loki serves its own metrics on the http port.
    // Both Services select the pod: keep the targets of one.
    if (env.config.monitoring.enabled) {
      scrapeMonitor(this, 'service-monitor', env, {
        name: NAME,
        labels: store.labels,
        selector: store.selector,
        port: 'http',
        relabelings: [{ sourceLabels: ['__meta_kubernetes_service_name'], regex: NAME, action: ServiceMonitorSpecEndpointsRelabelingsAction.KEEP }],
      });
    }
    this.url = `http://${serviceHost(NAME, props.namespace)}:${LOKI_HTTP_PORT}`;
  }
}
