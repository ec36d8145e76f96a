/**
 * templates/NOTES.txt: what helm prints after install or upgrade, only what applies to the values
 * it was installed with (the environment's Secrets, its canaries and blue-green services).
 */
import type { Config } from '../config/schema.js';
import { CANARY_SERVICE } from './knobs.js';

/** The Secrets the workloads and datastores of one environment read (never part of the chart). */
function secretsOf(config: Config): string[] {
  const secrets = new Set<string>();
  if (config.mongodb.enabled) secrets.add(config.mongodb.auth.existingSecret);
  if (config.mongodb.enabled && config.mongodb.replicaSet.enabled) secrets.add(config.mongodb.replicaSet.keyFile.existingSecret);
  if (config.redis.enabled) secrets.add(config.redis.auth.existingSecret);
  for (const workload of [...Object.values(config.services), ...Object.values(config.workers)]) {
    if (workload.enabled) for (const ref of Object.values(workload.secretEnv)) secrets.add(ref.secretName);
  }
  return [...secrets].sort();
}

/**
 * The Secrets line: the list of each environment, chosen by `.Values.environment`. The MongoDB
 * keyfile is a value (replicaSet.enabled), so it is named only when the values enable the replica set.
 */
function secretsTemplate(environments: readonly { name: string; config: Config }[]): string {
  const keyFiles = new Set(environments.map((e) => e.config.mongodb.replicaSet.keyFile.existingSecret));
  const lists = environments.map(({ name, config }) => {
    const secrets = secretsOf({ ...config, mongodb: { ...config.mongodb, replicaSet: { ...config.mongodb.replicaSet, enabled: false } } });
    return { name, text: secrets.join(', ') };
  });
  const distinct = new Set(lists.map((l) => l.text));
  const keyFile = [...keyFiles].sort().join(', ');
  const keyFileNote = `{{ if and .Values.mongodb.enabled .Values.mongodb.replicaSet.enabled }}, ${keyFile}{{ end }}`;
  if (distinct.size === 1) return `${lists[0].text}${keyFileNote}`;
  const branches = lists.map(({ name, text }, i) => `{{ ${i === 0 ? 'if' : 'else if'} eq .Values.environment ${JSON.stringify(name)} }}${text}`).join('');
  return `${branches}{{ else }}see the main README, Secrets{{ end }}${keyFileNote}`;
}

export function notesTemplate(environments: readonly { name: string; config: Config }[]): string {
  return `{{ .Chart.Name }} {{ .Chart.Version }} (app {{ .Chart.AppVersion }}) is {{ if .Release.IsInstall }}installed{{ else }}upgraded{{ end }} as release {{ .Release.Name }}.

Environment {{ .Values.environment }} ({{ .Values.tier }}) in namespace {{ .Release.Namespace }}:
  {{ if .Values.ingress.tls.enabled }}https{{ else }}http{{ end }}://{{ .Values.ingress.host }}/
{{- if .Values.canary.enabled }}

Canary: ${CANARY_SERVICE}-canary runs {{ .Values.canary.tag }} and gets {{ .Values.canary.weight }}% of the traffic.
  Next step:  helm upgrade {{ .Release.Name }} <chart> -n {{ .Release.Namespace }} --reuse-values --set canary.weight=<next step>
  Rollback:   helm upgrade {{ .Release.Name }} <chart> -n {{ .Release.Namespace }} --reuse-values --set canary.enabled=false
{{- end }}
{{- range $name, $service := .Values.services }}
{{- if and $service.canary $service.canary.enabled }}

Canary: {{ $name }}-canary runs {{ $service.canary.tag }} and gets {{ $service.canary.weight }}% of the traffic.
  Next step:  --set services.{{ $name }}.canary.weight=<next step>;  rollback: --set services.{{ $name }}.canary.enabled=false
{{- end }}
{{- if and $service.blueGreen $service.blueGreen.enabled }}

Blue-green: {{ $name }}-{{ $service.blueGreen.active }} serves traffic.
  Switch:     npm run canary -- switch --env {{ $.Values.environment }} --service {{ $name }}   (then helm upgrade with the new values-{{ $.Values.environment }}.yaml)
{{- end }}
{{- end }}

This chart does not ship CRDs or Secrets. Before the first install the cluster needs:
  - the Prometheus Operator CRDs (ServiceMonitor, PrometheusRule), e.g. kube-prometheus-stack;
  - ingress-nginx{{ if .Values.ingress.tls.enabled }}, and cert-manager with ClusterIssuer {{ .Values.ingress.tls.clusterIssuer }}{{ end }};
  - these Secrets in {{ .Release.Namespace }}: ${secretsTemplate(environments)}.
{{- if not .Values.createNamespace }}

Pod Security: a namespace made by --create-namespace has no labels. Enforce the restricted profile:
  kubectl label namespace {{ .Release.Namespace }} pod-security.kubernetes.io/enforce=restricted pod-security.kubernetes.io/enforce-version=latest pod-security.kubernetes.io/warn=restricted pod-security.kubernetes.io/audit=restricted
{{- end }}

Watch the rollout:
  kubectl -n {{ .Release.Namespace }} get pods,hpa,ingress
`;
}
