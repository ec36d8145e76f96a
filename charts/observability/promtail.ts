import type { Construct } from 'constructs';
import { toYamlDocument } from '../../core/yaml.js';
import type { LogsConfig } from '../../config/schema.js';
import type { EnvironmentContext } from '../../config/context.js';
import { POD_LOGS_DIR, PROMTAIL_HTTP_PORT, PROMTAIL_POSITIONS_DIR, promtailConfig } from '../../observability/logging.js';
import { LogShipper } from './log-shipper.js';

const NAME = 'promtail';
const CONFIG_DIR = '/etc/promtail';

export interface ShipperProps {
  readonly env: EnvironmentContext;
  /** The logging namespace the shipper runs in. */
  readonly namespace: string;
  readonly logs: LogsConfig;
  readonly lokiUrl: string;
  /** Namespaces whose pods' logs are shipped. */
  readonly sources: string[];
}

/**
 * Promtail on every node (logs.shipper: promtail). End of life since 2 March 2026: 3.6.11 is its
 * last release; Grafana Alloy replaces it. It reads the pod log files of its node from the host,
 * so it needs hostPath volumes and root (a namespace that admits "privileged").
 */
export class Promtail extends LogShipper {
  constructor(scope: Construct, id: string, props: ShipperProps) {
    const { env, logs, namespace } = props;
    super(scope, id, {
      env,
      name: NAME,
      namespace,
      sources: props.sources,
      podLogs: false,
      image: logs.promtail.image,
      resources: logs.promtail.resources,
      config: { dir: CONFIG_DIR, file: 'promtail.yaml', text: toYamlDocument(promtailConfig({ lokiUrl: props.lokiUrl, namespaces: props.sources })) },
      args: [`-config.file=${CONFIG_DIR}/promtail.yaml`],
      port: PROMTAIL_HTTP_PORT,
      readinessPath: '/ready',
      privilegesReason: `Promtail (end of life) reads the container log files the kubelet writes under ${POD_LOGS_DIR} on its node (read-only host path, as root: the files belong to root) and keeps its read positions on the node (/var/lib/promtail/${namespace}) so a restart resumes; host paths and root need a namespace that enforces privileged. It reads pods in the namespaces it ships from to label their streams. Alloy in api mode needs neither.`,
      access: {
        kind: 'host',
        hostPaths: [
          // One directory per environment: several Promtails may share a node. After a restart
          // Promtail resumes where it stopped instead of re-sending.
          { name: 'positions', hostPath: `/var/lib/promtail/${namespace}`, mountPath: PROMTAIL_POSITIONS_DIR, readOnly: false },
          { name: 'pod-logs', hostPath: POD_LOGS_DIR, mountPath: POD_LOGS_DIR, readOnly: true },
        ],
        emptyDirs: [],
      },
    });
  }
}
