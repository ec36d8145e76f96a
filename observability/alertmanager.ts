/**
 * The environment's Alertmanager routing as an AlertmanagerConfig (monitoring.coreos.com/v1alpha1)
 * spec. Prometheus Operator scopes it to the object's namespace (it adds a namespace matcher to the
 * first-level route), so one environment's receivers only get that environment's alerts. Every
 * URL and key is a SecretKeySelector into a Secret of the same namespace, never a value.
 */
import { AlertmanagerConfigSpecRouteMatchersMatchType, type AlertmanagerConfigSpec, type AlertmanagerConfigSpecReceivers } from '../imports/monitoring.coreos.com.js';
import type { MonitoringConfig, ReceiverConfig, SecretKeyRef } from '../config/schema.js';

/** Takes the alerts that no receiver wants (Alertmanager needs a receiver on the root route). */
const NULL_RECEIVER = 'null';

const secret = (ref: SecretKeyRef) => ({ name: ref.secretName, key: ref.key });

const TITLE = '[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})';
const TEXT = '{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\nRunbook: {{ .Annotations.runbook_url }}\n{{ end }}';

function receiver(name: string, r: ReceiverConfig): AlertmanagerConfigSpecReceivers {
  const sendResolved = r.sendResolved;
  return {
    name,
    slackConfigs: r.slack && [{ apiUrl: secret(r.slack.apiUrl), channel: r.slack.channel, sendResolved, title: TITLE, text: TEXT }],
    emailConfigs: r.email && [
      {
        to: r.email.to,
        from: r.email.from,
        smarthost: r.email.smarthost,
        authUsername: r.email.authUsername,
        authPassword: r.email.authPassword && secret(r.email.authPassword),
        requireTls: r.email.requireTls,
        sendResolved,
      },
    ],
    pagerdutyConfigs: r.pagerduty && [{ routingKey: secret(r.pagerduty.routingKey), sendResolved }],
    webhookConfigs: r.webhook && [{ urlSecret: secret(r.webhook.url), sendResolved }],
  };
}

/** undefined when no receiver is configured: then nothing is emitted. */
export function alertmanagerConfigSpec(monitoring: MonitoringConfig): AlertmanagerConfigSpec | undefined {
  const names = Object.keys(monitoring.receivers).sort();
  if (names.length === 0) return undefined;
  const { groupBy, groupWait, groupInterval, repeatInterval } = monitoring.route;
  return {
    route: {
      receiver: NULL_RECEIVER,
      groupBy,
      groupWait,
      groupInterval,
      repeatInterval,
      // Every receiver whose severities match gets the alert (continue: true), not only the first.
      routes: names.map((name) => ({
        receiver: name,
        matchers: [{ name: 'severity', matchType: AlertmanagerConfigSpecRouteMatchersMatchType.VALUE_EQUAL_TILDE, value: monitoring.receivers[name].severities.join('|') }],
        continue: true,
      })),
    },
    receivers: [{ name: NULL_RECEIVER }, ...names.map((name) => receiver(name, monitoring.receivers[name]))],
  };
}
