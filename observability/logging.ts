/**
 * Configuration files of the logging stack as typed objects (YAML is only their serialization):
 * Loki 2.8 as a single binary on a filesystem volume (https://grafana.com/docs/loki/v2.8.x/configuration/)
 * and Promtail 2.8 (https://grafana.com/docs/loki/v2.8.x/clients/promtail/configuration/).
 */

export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9095;
export const PROMTAIL_HTTP_PORT = 3101;
/** Where Loki keeps everything: the StatefulSet's volume. */
export const LOKI_DATA_DIR = '/var/loki';
export const PROMTAIL_POSITIONS_DIR = '/run/promtail';
/** Where the kubelet writes container logs (CRI layout: <namespace>_<pod>_<uid>/<container>/N.log). */
export const POD_LOGS_DIR = '/var/log/pods';

export interface LokiConfig {
  auth_enabled: boolean;
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  common: {
    path_prefix: string;
    replication_factor: number;
    ring: { kvstore: { store: 'inmemory' } };
    storage: { filesystem: { chunks_directory: string; rules_directory: string } };
  };
  ingester: { wal: { dir: string } };
  schema_config: { configs: { from: string; store: 'tsdb'; object_store: 'filesystem'; schema: 'v12'; index: { prefix: string; period: '24h' } }[] };
  storage_config: { tsdb_shipper: { active_index_directory: string; cache_location: string; shared_store: 'filesystem' } };
  compactor: {
    working_directory: string;
    shared_store: 'filesystem';
    compaction_interval: string;
    retention_enabled: boolean;
    retention_delete_delay: string;
    retention_delete_worker_count: number;
  };
  limits_config: { retention_period: string; reject_old_samples: boolean; reject_old_samples_max_age: string };
  analytics: { reporting_enabled: boolean };
}

/**
 * One process, one replica, everything on the volume at /var/loki. Retention is applied by the
 * compactor (https://grafana.com/docs/loki/v2.8.x/operations/storage/retention/): it deletes
 * chunks older than `retentionPeriod`; without retention_enabled logs would live forever.
 */
export function lokiConfig(opts: { retentionPeriod: string }): LokiConfig {
  const dir = (name: string) => `${LOKI_DATA_DIR}/${name}`;
  return {
    auth_enabled: false,
    server: { http_listen_port: LOKI_HTTP_PORT, grpc_listen_port: LOKI_GRPC_PORT, log_level: 'info' },
    common: {
      path_prefix: LOKI_DATA_DIR,
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      storage: { filesystem: { chunks_directory: dir('chunks'), rules_directory: dir('rules') } },
    },
    // The root filesystem is read-only: every path Loki writes is on the volume.
    ingester: { wal: { dir: dir('wal') } },
    // TSDB is the recommended index from Loki 2.8 on; the schema's start date must never change.
    schema_config: { configs: [{ from: '2024-01-01', store: 'tsdb', object_store: 'filesystem', schema: 'v12', index: { prefix: 'index_', period: '24h' } }] },
    storage_config: { tsdb_shipper: { active_index_directory: dir('tsdb-index'), cache_location: dir('tsdb-cache'), shared_store: 'filesystem' } },
    compactor: {
      working_directory: dir('compactor'),
      shared_store: 'filesystem',
      compaction_interval: '10m',
      retention_enabled: true,
      retention_delete_delay: '2h',
      retention_delete_worker_count: 150,
    },
    limits_config: { retention_period: opts.retentionPeriod, reject_old_samples: true, reject_old_samples_max_age: '168h' },
    // No usage reports to stats.grafana.org from inside the cluster.
    analytics: { reporting_enabled: false },
  };
}

interface RelabelConfig {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: 'replace' | 'keep' | 'drop' | 'labelmap';
}

export interface PromtailConfig {
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  positions: { filename: string };
  clients: { url: string }[];
  scrape_configs: {
    job_name: string;
    kubernetes_sd_configs: { role: 'pod'; namespaces: { names: string[] } }[];
    pipeline_stages: Record<string, unknown>[];
    relabel_configs: RelabelConfig[];
  }[];
}

const copy = (from: string, to: string): RelabelConfig => ({ source_labels: [from], target_label: to, action: 'replace' });

/**
 * Tails the log files of the pods of `namespaces` that run on Promtail's own node (Promtail
 * drops targets whose `__host__` is not its HOSTNAME, which the DaemonSet sets to the node name)
 * and pushes them to `lokiUrl` with namespace, pod, container, app (and node, track) labels.
 */
export function promtailConfig(opts: { lokiUrl: string; namespaces: string[] }): PromtailConfig {
  const podLabel = (label: string) => `__meta_kubernetes_pod_label_${label}`;
  return {
    server: { http_listen_port: PROMTAIL_HTTP_PORT, grpc_listen_port: 0, log_level: 'info' },
    // On a hostPath: after a restart Promtail resumes where it stopped instead of re-sending.
    positions: { filename: `${PROMTAIL_POSITIONS_DIR}/positions.yaml` },
    clients: [{ url: `${opts.lokiUrl}/loki/api/v1/push` }],
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [...opts.namespaces].sort() } }],
        // containerd and CRI-O write the CRI log format (timestamp, stream, flags, message).
        pipeline_stages: [{ cri: {} }],
        relabel_configs: [
          copy('__meta_kubernetes_pod_node_name', '__host__'),
          copy('__meta_kubernetes_pod_node_name', 'node'),
          copy('__meta_kubernetes_namespace', 'namespace'),
          copy('__meta_kubernetes_pod_name', 'pod'),
          copy('__meta_kubernetes_pod_container_name', 'container'),
          // app: the recommended name label, or the older `app` label, or the pod name.
          {
            source_labels: [podLabel('app_kubernetes_io_name'), podLabel('app'), '__meta_kubernetes_pod_name'],
            separator: ';',
            regex: '^;*([^;]+)(;.*)?$',
            target_label: 'app',
            action: 'replace',
          },
          copy(podLabel('track'), 'track'),
          {
            source_labels: ['__meta_kubernetes_pod_uid', '__meta_kubernetes_pod_container_name'],
            separator: '/',
            target_label: '__path__',
            replacement: `${POD_LOGS_DIR}/*$1/*.log`,
            action: 'replace',
          },
        ],
      },
    ],
  };
}

/** A Grafana datasource provisioning file (https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources). */
export function lokiDatasource(opts: { name: string; uid: string; url: string }): Record<string, unknown> {
  return {
    apiVersion: 1,
    datasources: [{ name: opts.name, uid: opts.uid, type: 'loki', access: 'proxy', url: opts.url, jsonData: { maxLines: 1000 } }],
  };
}
