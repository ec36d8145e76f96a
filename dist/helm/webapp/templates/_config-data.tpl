{{- /* ConfigMap data, shared by the ConfigMaps and the checksum/config annotations of the pods that read them. */ -}}
{{- define "webapp.data.backend-config" -}}
{{- if hasKey .Values.services.backend.env "LOG_LEVEL" }}
LOG_LEVEL: {{ .Values.services.backend.env.LOG_LEVEL | toString | toJson }}
{{- end }}
MONGODB_DATABASE: app
{{- if .Values.mongodb.replicaSet.enabled }}
MONGODB_HOSTS: "mongodb-0.mongodb.{{ .Values.namespace }}.svc.cluster.local:27017,mongodb-1.mongodb.{{ .Values.namespace }}.svc.cluster.local:27017,mongodb-2.mongodb.{{ .Values.namespace }}.svc.cluster.local:27017"
{{- else }}
MONGODB_HOSTS: "mongodb-0.mongodb.{{ .Values.namespace }}.svc.cluster.local:27017"
{{- end }}
{{- if .Values.mongodb.replicaSet.enabled }}
MONGODB_REPLICA_SET: rs0
{{- end }}
{{- if hasKey .Values.services.backend.env "NODE_ENV" }}
NODE_ENV: {{ .Values.services.backend.env.NODE_ENV | toString | toJson }}
{{- end }}
PORT: "5000"
REDIS_HOST: "redis.{{ .Values.namespace }}.svc.cluster.local"
REDIS_PORT: "6379"
{{ end }}
{{- define "webapp.data.frontend-config" -}}
PORT: "8080"
{{ end }}
{{- define "webapp.data.loki-config" -}}
loki.yaml: |
  auth_enabled: false
  server:
    http_listen_port: 3100
    grpc_listen_port: 9095
    log_level: info
  common:
    path_prefix: /var/loki
    replication_factor: 1
    ring:
      kvstore:
        store: inmemory
    storage:
      filesystem:
        chunks_directory: /var/loki/chunks
        rules_directory: /var/loki/rules
  ingester:
    wal:
      dir: /var/loki/wal
  schema_config:
    configs:
      - from: 2024-01-01
        store: tsdb
        object_store: filesystem
        schema: v12
        index:
          prefix: index_
          period: 24h
  storage_config:
    tsdb_shipper:
      active_index_directory: /var/loki/tsdb-index
      cache_location: /var/loki/tsdb-cache
      shared_store: filesystem
  compactor:
    working_directory: /var/loki/compactor
    shared_store: filesystem
    compaction_interval: 10m
    retention_enabled: true
    retention_delete_delay: 2h
    retention_delete_worker_count: 150
  limits_config:
    retention_period: 720h
    reject_old_samples: true
    reject_old_samples_max_age: 168h
  analytics:
    reporting_enabled: false
{{ end }}
{{- define "webapp.data.promtail-config" -}}
promtail.yaml: |
  server:
    http_listen_port: 3101
    grpc_listen_port: 0
    log_level: info
  positions:
    filename: /run/promtail/positions.yaml
  clients:
    - url: http://loki.{{ .Values.namespace }}-logging.svc.cluster.local:3100/loki/api/v1/push
  scrape_configs:
    - job_name: kubernetes-pods
      kubernetes_sd_configs:
        - role: pod
          namespaces:
            names:
              - {{ .Values.namespace }}
              - {{ .Values.namespace }}-logging
      pipeline_stages:
        - cri: {}
      relabel_configs:
        - source_labels:
            - __meta_kubernetes_pod_node_name
          target_label: __host__
          action: replace
        - source_labels:
            - __meta_kubernetes_pod_node_name
          target_label: node
          action: replace
        - source_labels:
            - __meta_kubernetes_namespace
          target_label: namespace
          action: replace
        - source_labels:
            - __meta_kubernetes_pod_name
          target_label: pod
          action: replace
        - source_labels:
            - __meta_kubernetes_pod_container_name
          target_label: container
          action: replace
        - source_labels:
            - __meta_kubernetes_pod_label_app_kubernetes_io_name
            - __meta_kubernetes_pod_label_app
            - __meta_kubernetes_pod_name
          separator: ;
          regex: ^;*([^;]+)(;.*)?$
          target_label: app
          action: replace
        - source_labels:
            - __meta_kubernetes_pod_label_track
          target_label: track
          action: replace
        - source_labels:
            - __meta_kubernetes_pod_uid
            - __meta_kubernetes_pod_container_name
          separator: /
          target_label: __path__
          replacement: /var/log/pods/*$1/*.log
          action: replace
{{ end }}
