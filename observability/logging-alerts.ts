/**
 * Alerts on the logging stack itself (logs.enabled): the shipper on every node, the pushes it
 * makes to Loki, and Loki's own errors and volume. They live in the logging namespace's
 * PrometheusRule; every series they read is scraped there by the ServiceMonitors of Loki and the
 * shipper (labels namespace, service, pod) or comes from kube-state-metrics and the kubelet.
 *
 * Metric names as the components define them:
 * - Grafana Alloy, loki.write (internal/component/common/loki/client/metrics.go):
 *   loki_write_dropped_entries_total{host,tenant,reason}, loki_write_request_duration_seconds{status_code,host,tenant};
 *   status_code is the HTTP status, or -1 when no answer came (connection error, timeout).
 * - Promtail (clients/pkg/promtail/client/metrics.go): promtail_dropped_entries_total,
 *   promtail_request_duration_seconds{status_code}, same status_code convention.
 * - Loki (https://grafana.com/docs/loki/v3.7.x/operations/meta-monitoring/, .../operations/observability/):
 *   loki_request_duration_seconds{route,status_code}, loki_discarded_samples_total{reason,tenant}
 *   (entries refused at ingestion: rate limits, too old, too long), loki_distributor_ingester_append_failures_total{ingester}.
 * - kube-state-metrics: kube_daemonset_status_desired_number_scheduled / _number_ready; kubelet: kubelet_volume_stats_*.
 */
import type { Config } from '../config/schema.js';
import { DATA_VOLUME, names } from '../config/names.js';
import { alertOf, percent, type RuleGroup } from './alerts.js';
import { selector } from './promql.js';

type Shipper = Config['logs']['shipper'];

/** The metrics a shipper exposes about its pushes to Loki. */
const SHIPPER_METRICS: Record<Shipper, { dropped: string; requests: string }> = {
  alloy: { dropped: 'loki_write_dropped_entries_total', requests: 'loki_write_request_duration_seconds_count' },
  promtail: { dropped: 'promtail_dropped_entries_total', requests: 'promtail_request_duration_seconds_count' },
};

/** Seconds in an hour, for predict_linear. */
const HOUR = 3600;

/** The alert group of the logging namespace `namespace`: `<namespace>.logging`. */
export function loggingAlertGroup(config: Config, namespace: string): RuleGroup {
  const a = config.monitoring.alerts;
  const l = a.logs;
  const alert = alertOf(a, namespace);
  const shipper = config.logs.shipper;
  const metrics = SHIPPER_METRICS[shipper];
  const inNs = (...more: [string, '=' | '=~' | '!~', string][]) => selector([['namespace', '=', namespace], ...more]);
  const shipperPods = inNs(['service', '=', names.logShipperMetrics(shipper)]);
  const daemonset = inNs(['daemonset', '=', shipper]);
  const lokiPods = inNs(['service', '=', names.loki]);
  const lokiVolume = inNs(['persistentvolumeclaim', '=', names.statefulSetClaim(DATA_VOLUME, names.loki, 0)]);

  const rules = [
    alert(
      'LogShipperNotReady',
      'warning',
      `kube_daemonset_status_desired_number_scheduled${daemonset} - kube_daemonset_status_number_ready${daemonset} > 0`,
      l.shipperDown.for,
      { daemonset: shipper },
      '{{ $value }} log shipper pod(s) of {{ $labels.daemonset }} are not ready',
      `{{ $value }} node(s) have no ready ${shipper} pod in {{ $labels.namespace }} for ${l.shipperDown.for}: the logs of their pods are not shipped to Loki.`,
    ),
    alert(
      'LogShipperDown',
      'warning',
      `up${shipperPods} == 0`,
      l.shipperDown.for,
      { daemonset: shipper },
      'Log shipper {{ $labels.pod }} cannot be scraped',
      `Prometheus has not scraped the ${shipper} pod {{ $labels.namespace }}/{{ $labels.pod }} for ${l.shipperDown.for}: it is down or hangs, and the logs of its node are probably not shipped.`,
    ),
    alert(
      'LogShipperPushFailures',
      'warning',
      `sum by (namespace, pod) (rate(${metrics.requests}${inNs(['service', '=', names.logShipperMetrics(shipper)], ['status_code', '!~', '2..'])}[${l.pushFailures.window}]))` +
        ` / sum by (namespace, pod) (rate(${metrics.requests}${shipperPods}[${l.pushFailures.window}])) > ${l.pushFailures.max}`,
      l.pushFailures.for,
      { daemonset: shipper },
      'Log shipper {{ $labels.pod }} fails {{ $value | humanizePercentage }} of its pushes to Loki',
      `{{ $labels.namespace }}/{{ $labels.pod }} got no answer or an error from Loki for {{ $value | humanizePercentage }} of its pushes over the last ${l.pushFailures.window} (alert above ${percent(l.pushFailures.max)}): entries are retried, then dropped.`,
    ),
    alert(
      'LogShipperDroppingLogs',
      'warning',
      `sum by (namespace, pod, reason) (increase(${metrics.dropped}${shipperPods}[${l.droppedLogs.window}])) > 0`,
      l.droppedLogs.for,
      { daemonset: shipper },
      'Log shipper {{ $labels.pod }} dropped {{ $value | humanize }} log entries',
      `{{ $labels.namespace }}/{{ $labels.pod }} dropped {{ $value | humanize }} log entries (reason {{ $labels.reason }}) in the last ${l.droppedLogs.window} after its retries to Loki failed: they are lost.`,
    ),
    alert(
      'LokiDown',
      'critical',
      `absent(up${lokiPods} == 1)`,
      l.lokiDown.for,
      { service: names.loki },
      'Loki cannot be scraped',
      `Prometheus has not scraped Loki in ${namespace} for ${l.lokiDown.for}: Loki is down (or its ServiceMonitor is not selected), so no logs are stored and the shippers retry, then drop.`,
    ),
    alert(
      'LokiRequestErrors',
      'critical',
      `sum by (namespace, route) (rate(loki_request_duration_seconds_count${inNs(['service', '=', names.loki], ['status_code', '=~', '5..'])}[${l.lokiRequestErrors.window}]))` +
        ` / sum by (namespace, route) (rate(loki_request_duration_seconds_count${lokiPods}[${l.lokiRequestErrors.window}])) > ${l.lokiRequestErrors.max}`,
      l.lokiRequestErrors.for,
      { service: names.loki },
      'Loki answers {{ $value | humanizePercentage }} of {{ $labels.route }} requests with 5xx',
      `Loki in {{ $labels.namespace }} answered {{ $value | humanizePercentage }} of its {{ $labels.route }} requests with 5xx over the last ${l.lokiRequestErrors.window} (alert above ${percent(l.lokiRequestErrors.max)}): logs are not stored or cannot be read.`,
    ),
    alert(
      'LokiDiscardingLogs',
      'warning',
      `sum by (namespace, reason) (increase(loki_discarded_samples_total${lokiPods}[${l.droppedLogs.window}])) > 0`,
      l.droppedLogs.for,
      { service: names.loki },
      'Loki discarded {{ $value | humanize }} log entries ({{ $labels.reason }})',
      `Loki in {{ $labels.namespace }} refused {{ $value | humanize }} pushed log entries in the last ${l.droppedLogs.window} for the reason {{ $labels.reason }}: they are lost. Rate and stream limits are logs.loki.ingestionRateMb and logs.loki.maxStreams.`,
    ),
    alert(
      'LokiIngesterAppendFailures',
      'warning',
      `sum by (namespace) (increase(loki_distributor_ingester_append_failures_total${lokiPods}[${l.droppedLogs.window}])) > 0`,
      l.droppedLogs.for,
      { service: names.loki },
      "Loki's distributor failed {{ $value | humanize }} appends to its ingester",
      `Loki's distributor in {{ $labels.namespace }} failed {{ $value | humanize }} batch appends to the ingester in the last ${l.droppedLogs.window}: the pushes were answered with errors (the shippers retry them), usually an ingester that is starting, full or out of memory.`,
    ),
    alert(
      'LokiDiskFillingUp',
      'warning',
      `kubelet_volume_stats_used_bytes${lokiVolume} / kubelet_volume_stats_capacity_bytes${lokiVolume} > 0.5` +
        ` and predict_linear(kubelet_volume_stats_available_bytes${lokiVolume}[6h], ${l.lokiDiskFull.withinHours * HOUR}) < 0`,
      l.lokiDiskFull.for,
      { service: names.loki },
      `Loki's volume {{ $labels.persistentvolumeclaim }} fills up within ${l.lokiDiskFull.withinHours}h`,
      `{{ $labels.namespace }}/{{ $labels.persistentvolumeclaim }} is {{ $value | humanizePercentage }} full and, at the rate of the last 6 hours, full within ${l.lokiDiskFull.withinHours} hours: Loki then stops accepting logs.`,
    ),
  ];
  return { name: `${namespace}.logging`, rules };
}
