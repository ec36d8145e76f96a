import type { Construct } from 'constructs';
import { ALLOY_HTTP_PORT, ALLOY_STORAGE_DIR, alloyConfig, formatAlloy } from '../../observability/alloy.js';
import { POD_LOGS_DIR } from '../../observability/logging.js';
import { LogShipper } from './log-shipper.js';
import type { ShipperProps } from './promtail.js';

const NAME = 'alloy';
const CONFIG_DIR = '/etc/alloy';
/** The grafana/alloy image's alloy user and group (its Dockerfile: UID 473). */
const ALLOY_UID = 473;

/**
 * Grafana Alloy on every node (logs.shipper: alloy), in one of two modes (logs.alloy.mode):
 * - api: tails the logs of its node's pods through the API server. It needs no host access: it
 *   runs as the image's non-root alloy user under the "restricted" profile, keeping its
 *   positions on an emptyDir (a replaced pod starts over from what the kubelet still has).
 * - file: reads /var/log/pods on the node, as root, with its positions on a hostPath, like
 *   Promtail; its namespace must admit "privileged".
 */
export class Alloy extends LogShipper {
  constructor(scope: Construct, id: string, props: ShipperProps) {
    const { env, logs, namespace } = props;
    const mode = logs.alloy.mode;
    super(scope, id, {
      env,
      name: NAME,
      namespace,
      sources: props.sources,
      podLogs: mode === 'api',
      image: logs.alloy.image,
      resources: logs.alloy.resources,
      config: { dir: CONFIG_DIR, file: 'config.alloy', text: formatAlloy(alloyConfig({ mode, lokiUrl: props.lokiUrl, namespaces: props.sources })) },
      args: [
        'run',
        `${CONFIG_DIR}/config.alloy`,
        `--storage.path=${ALLOY_STORAGE_DIR}`,
        `--server.http.listen-addr=0.0.0.0:${ALLOY_HTTP_PORT}`,
        // No usage reports to stats.grafana.org from inside the cluster.
        '--disable-reporting',
        '--stability.level=generally-available',
      ],
      port: ALLOY_HTTP_PORT,
      readinessPath: '/-/ready',
      privilegesReason:
        mode === 'api'
          ? 'api mode: tails the logs of the pods on its node through the API server (get pods/log), so it needs no host path and no root and its namespace enforces restricted; it lists and watches pods in the namespaces it ships from to find them.'
          : `file mode: reads the container log files the kubelet writes under ${POD_LOGS_DIR} on its node (read-only host path, as root: the files belong to root) and keeps its read positions on the node (/var/lib/alloy/${namespace}) so a restarted pod resumes; host paths and root need a namespace that enforces privileged. It reads pods in the namespaces it ships from to label their streams.`,
      access:
        mode === 'api'
          ? {
              kind: 'restricted',
              identity: { runAsUser: ALLOY_UID, runAsGroup: ALLOY_UID, fsGroup: ALLOY_UID },
              emptyDirs: [
                { name: 'storage', mountPath: ALLOY_STORAGE_DIR },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            }
          : {
              kind: 'host',
              hostPaths: [
                // One directory per environment: several Alloys may share a node.
                { name: 'storage', hostPath: `/var/lib/alloy/${namespace}`, mountPath: ALLOY_STORAGE_DIR, readOnly: false },
                { name: 'pod-logs', hostPath: POD_LOGS_DIR, mountPath: POD_LOGS_DIR, readOnly: true },
              ],
              emptyDirs: [{ name: 'tmp', mountPath: '/tmp' }],
            },
    });
  }
}
