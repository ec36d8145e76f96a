/**
 * Configuration files of the logging stack as typed objects (YAML is only their serialization):
 * Loki 3.7 as a single binary on a filesystem volume (https://grafana.com/docs/loki/v3.7.x/configuration/,
 * every key checked against imports/loki/config-keys.json) and Promtail 3.6, its last release
 * (https://grafana.com/docs/loki/v3.6.x/send-data/promtail/configuration/). Grafana Alloy's
 * configuration is in ./alloy.ts.
 */

export const LOKI_HTTP_PORT = 3100;
export const LOKI_GRPC_PORT = 9095;
export const PROMTAIL_HTTP_PORT = 3101;
/** Where Loki keeps everything: the StatefulSet's volume. */
export const LOKI_DATA_DIR = '/var/loki';
export const PROMTAIL_POSITIONS_DIR = '/run/promtail';
/** Where the kubelet writes container logs (CRI layout: <namespace>_<pod>_<uid>/<container>/N.log). */
export const POD_LOGS_DIR = '/var/log/pods';
/** The schema period every Loki of this project wrote from its start (Loki 2.8, TSDB v12). */
const LOKI_V12_FROM = '2024-01-01';

interface SchemaPeriod {
  from: string;
  store: 'tsdb';
  object_store: 'filesystem';
  schema: 'v12' | 'v13';
  index: { prefix: string; period: '24h' };
}

export interface LokiConfig {
  auth_enabled: boolean;
  server: { http_listen_port: number; grpc_listen_port: number; log_level: string };
  common: {
    instance_addr: string;
    path_prefix: string;
    replication_factor: number;
    ring: { kvstore: { store: 'inmemory' } };
    storage: { filesystem: { chunks_directory: string; rules_directory: string } };
  };
  ingester: { wal: { dir: string } };
  schema_config: { configs: SchemaPeriod[] };
  storage_config: { tsdb_shipper: { active_index_directory: string; cache_location: string } };
  compactor: {
    working_directory: string;
    compaction_interval: string;
    retention_enabled: boolean;
    retention_delete_delay: string;
    retention_delete_worker_count: number;
    delete_request_store: 'filesystem';
  };
  limits_config: {
    retention_period: string;
    reject_old_samples: boolean;
    reject_old_samples_max_age: string;
    ingestion_rate_mb: number;
    ingestion_burst_size_mb: number;
    max_global_streams_per_user: number;
    max_query_series: number;
    max_query_parallelism: number;
    allow_structured_metadata: boolean;
  };
  query_range: { results_cache: { cache: { embedded_cache: { enabled: boolean; max_size_mb: number } } } };
  analytics: { reporting_enabled: boolean };
}

export interface LokiOptions {
  readonly retentionPeriod: string;
  /** First day (YYYY-MM-DD, UTC) of the v13 schema period. */
  readonly schemaV13From: string;
  readonly ingestionRateMb: number;
  readonly maxStreams: number;
}

/**
 * One process, one replica, everything on the volume at /var/loki (the root filesystem is
 * read-only). Retention is applied by the compactor
 * (https://grafana.com/docs/loki/v3.7.x/operations/storage/retention/): it deletes chunks older
 * than `retentionPeriod`; without retention_enabled logs would live forever.
 */
export function lokiConfig(opts: LokiOptions): LokiConfig {
  const dir = (name: string) => `${LOKI_DATA_DIR}/${name}`;
  const period = (from: string, schema: SchemaPeriod['schema']): SchemaPeriod => ({
    from,
    store: 'tsdb',
    object_store: 'filesystem',
    schema,
    index: { prefix: 'index_', period: '24h' },
  });
  return {
    auth_enabled: false,
    server: { http_listen_port: LOKI_HTTP_PORT, grpc_listen_port: LOKI_GRPC_PORT, log_level: 'info' },
    common: {
      // One member in an in-memory ring: no network interface guessing.
      instance_addr: '127.0.0.1',
      path_prefix: LOKI_DATA_DIR,
      replication_factor: 1,
      ring: { kvstore: { store: 'inmemory' } },
      storage: { filesystem: { chunks_directory: dir('chunks'), rules_directory: dir('rules') } },
    },
    ingester: { wal: { dir: dir('wal') } },
    // Periods never change once written (https://grafana.com/docs/loki/v3.7.x/operations/storage/schema/):
    // the v12 period Loki 2.8 wrote stays readable, new logs go to v13 from its first day on.
    schema_config: { configs: [period(LOKI_V12_FROM, 'v12'), period(opts.schemaV13From, 'v13')] },
    storage_config: { tsdb_shipper: { active_index_directory: dir('tsdb-index'), cache_location: dir('tsdb-cache') } },
    compactor: {
      working_directory: dir('compactor'),
      compaction_interval: '10m',
      retention_enabled: true,
      retention_delete_delay: '2h',
      retention_delete_worker_count: 150,
      // Loki 3 requires a store for delete requests when retention is on.
      delete_request_store: 'filesystem',
    },
    limits_config: {
      retention_period: opts.retentionPeriod,
      reject_old_samples: true,
      reject_old_samples_max_age: '168h',
      ingestion_rate_mb: opts.ingestionRateMb,
      ingestion_burst_size_mb: opts.ingestionRateMb * 2,
      max_global_streams_per_user: opts.maxStreams,
      max_query_series: 1000,
      // One querier with 4 workers (querier.max_concurrent): more parallel subqueries only queue.
      max_query_parallelism: 8,
      // Loki refuses to start with structured metadata while a v12 period is active (pkg/loki/validation.go);
      // the shippers send labels and lines only.
      allow_structured_metadata: false,
    },
    query_range: { results_cache: { cache: { embedded_cache: { enabled: true, max_size_mb: 100 } } } },
    // No usage reports to stats.grafana.org from inside the cluster.
    analytics: { reporting_enabled: false },
  };
}

/** A Prometheus-style relabel rule, as Promtail's relabel_configs and Alloy's `rule` blocks spell it. */
export interface RelabelConfig {
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

/** The push endpoint of a Loki base URL. */
export const lokiPushUrl = (lokiUrl: string): string => `${lokiUrl}/loki/api/v1/push`;

/** Stream labels the dashboards filter by: the workload (service or worker) and its release track. */
export const POD_LOG_LABELS = { app: 'app', track: 'track' } as const;

/**
 * The labels every shipper gives a pod's log stream, from the pod discovery's meta labels: node,
 * namespace, pod, container, app (the recommended name label, else the older `app` label, else
 * the pod name) and track (stable/canary).
 */
export function podLogLabelRules(): RelabelConfig[] {
  const podLabel = (label: string) => `__meta_kubernetes_pod_label_${label}`;
  return [
    copy('__meta_kubernetes_pod_node_name', 'node'),
    copy('__meta_kubernetes_namespace', 'namespace'),
    copy('__meta_kubernetes_pod_name', 'pod'),
    copy('__meta_kubernetes_pod_container_name', 'container'),
    {
      source_labels: [podLabel('app_kubernetes_io_name'), podLabel('app'), '__meta_kubernetes_pod_name'],
      separator: ';',
      regex: '^;*([^;]+)(;.*)?$',
      target_label: POD_LOG_LABELS.app,
      action: 'replace',
    },
    copy(podLabel('track'), POD_LOG_LABELS.track),
  ];
}

/** `__path__`: the log files of a target's container under /var/log/pods (any restart count). */
export function podLogPathRule(): RelabelConfig {
  return {
    source_labels: ['__meta_kubernetes_pod_uid', '__meta_kubernetes_pod_container_name'],
    separator: '/',
    target_label: '__path__',
    replacement: `${POD_LOGS_DIR}/*$1/*.log`,
    action: 'replace',
  };
}

/**
 * Tails the log files of the pods of `namespaces` that run on Promtail's own node (Promtail
 * drops targets whose `__host__` is not its HOSTNAME, which the DaemonSet sets to the node name)
 * and pushes them to `lokiUrl` with the labels of podLogLabelRules.
 */
export function promtailConfig(opts: { lokiUrl: string; namespaces: string[] }): PromtailConfig {
  return {
    server: { http_listen_port: PROMTAIL_HTTP_PORT, grpc_listen_port: 0, log_level: 'info' },
    // On a hostPath: after a restart Promtail resumes where it stopped instead of re-sending.
    positions: { filename: `${PROMTAIL_POSITIONS_DIR}/positions.yaml` },
    clients: [{ url: lokiPushUrl(opts.lokiUrl) }],
    scrape_configs: [
      {
        job_name: 'kubernetes-pods',
        kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: [...opts.namespaces].sort() } }],
        // containerd and CRI-O write the CRI log format (timestamp, stream, flags, message).
        pipeline_stages: [{ cri: {} }],
        relabel_configs: [copy('__meta_kubernetes_pod_node_name', '__host__'), ...podLogLabelRules(), podLogPathRule()],
      },
    ],
  };
}

/** A Grafana datasource provisioning file (https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources). */
/** The uid of the environment's Loki datasource (Grafana allows 40 characters), which dashboards query by. */
export function lokiDatasourceUid(instance: string): string {
  return `loki-${instance}`.slice(0, 40);
}

/**
 * Grafana's provisioning file for the Loki datasource. With `tempoUid`, a trace id in a log line
 * (`trace_id=...`, `traceId: "..."`, `traceID=...`) becomes a link to that trace in Tempo (a
 * derived field; `$$` keeps Grafana's provisioning from reading `${...}` as an environment variable).
 */
export function lokiDatasource(opts: { name: string; uid: string; url: string; tempoUid?: string }): Record<string, unknown> {
  const derivedFields = opts.tempoUid
    ? [{ name: 'TraceID', matcherRegex: '[tT]race_?[iI][dD]"?[=:]\\s*"?([0-9a-fA-F]{16,32})', datasourceUid: opts.tempoUid, url: '$${__value.raw}', urlDisplayLabel: 'Trace' }]
    : undefined;
  return {
    apiVersion: 1,
    datasources: [{ name: opts.name, uid: opts.uid, type: 'loki', access: 'proxy', url: opts.url, jsonData: { maxLines: 1000, ...(derivedFields ? { derivedFields } : {}) } }],
  };
}
