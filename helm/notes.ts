/** templates/NOTES.txt: what helm prints after install or upgrade. */
import type { Config } from '../config/schema.js';

export function notesTemplate(configs: readonly Config[], base: Config): string {
  const secrets = new Set<string>([base.mongodb.auth.existingSecret, base.redis.auth.existingSecret]);
  const keyFiles = new Set<string>();
  for (const config of configs) {
    for (const service of Object.values(config.services)) for (const ref of Object.values(service.secretEnv)) secrets.add(ref.secretName);
    if (config.mongodb.replicaSet.enabled) keyFiles.add(config.mongodb.replicaSet.keyFile.existingSecret);
  }
  // The keyfile Secret is only read by a MongoDB replica set: named only where the values enable one.
  const keyFileSecrets = [...keyFiles].filter((name) => !secrets.has(name)).sort();
  const keyFileNote = keyFileSecrets.length ? `{{ if .Values.mongodb.replicaSet.enabled }}, ${keyFileSecrets.join(', ')}{{ end }}` : '';
  return `{{ .Chart.Name }} {{ .Chart.Version }} (app {{ .Chart.AppVersion }}) is {{ if .Release.IsInstall }}installed{{ else }}upgraded{{ end }} as release {{ .Release.Name }}.

Environment {{ .Values.environment }} ({{ .Values.tier }}) in namespace {{ .Values.namespace }}:
  {{ if .Values.ingress.tls.enabled }}https{{ else }}http{{ end }}://{{ .Values.ingress.host }}/
{{- if .Values.canary.enabled }}

Canary: ${'backend'}-canary runs {{ .Values.canary.tag }} and gets {{ .Values.canary.weight }}% of the traffic.
  Next step:  helm upgrade {{ .Release.Name }} <chart> --reuse-values --set canary.weight=<next step>
  Rollback:   helm upgrade {{ .Release.Name }} <chart> --reuse-values --set canary.enabled=false
{{- end }}

This chart does not ship CRDs or Secrets. Before the first install the cluster needs:
  - the Prometheus Operator CRDs (ServiceMonitor, PrometheusRule), e.g. kube-prometheus-stack;
  - ingress-nginx{{ if .Values.ingress.tls.enabled }}, and cert-manager with ClusterIssuer {{ .Values.ingress.tls.clusterIssuer }}{{ end }};
  - these Secrets in {{ .Values.namespace }}: ${[...secrets].sort().join(', ')}${keyFileNote}.

Watch the rollout:
  kubectl -n {{ .Values.namespace }} get pods,hpa,ingress
`;
}
