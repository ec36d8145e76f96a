{{/*
Helpers of the webapp chart. Object names are fixed (backend, mongodb, ...) so that DNS names and
GitOps diffs stay the same as in dist/<env>/; the release name is app.kubernetes.io/instance.
*/}}

{{/* helm.sh/chart label value: <name>-<version>, as `helm create` writes it. */}}
{{- define "webapp.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Namespace of the environment's objects. */}}
{{- define "webapp.namespace" -}}
{{- .Values.namespace | default .Release.Namespace }}
{{- end }}
