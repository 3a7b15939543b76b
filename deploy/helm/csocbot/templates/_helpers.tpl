{{- define "csocbot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "csocbot.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "csocbot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "csocbot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "csocbot.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "csocbot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "csocbot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "csocbot.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret mounted at /etc/csocbot/secrets. */}}
{{- define "csocbot.secretName" -}}
{{- if .Values.secrets.externalSecret.enabled }}
{{- include "csocbot.fullname" . }}
{{- else }}
{{- default (include "csocbot.fullname" .) .Values.secrets.existingSecret }}
{{- end }}
{{- end }}

{{/* Whether the data directory is the PersistentVolumeClaim (the SQLite store lives there). */}}
{{- define "csocbot.persistent" -}}
{{- if and .Values.persistence.enabled (not .Values.postgres.enabled) }}true{{ end }}
{{- end }}

{{/*
config.yaml: the values' config with the keys the chart owns. The store's
URL is a file, as every secret.
*/}}
{{- define "csocbot.config" -}}
{{- $owned := dict "listen" ":8080" "data_dir" "/var/lib/csocbot" }}
{{- if .Values.postgres.enabled }}
{{- $_ := set $owned "store" (dict "driver" "postgres" "url_file" "/etc/csocbot/postgres/url") }}
{{- else }}
{{- $_ := set $owned "store" (dict "driver" "sqlite") }}
{{- end }}
{{- toYaml (mergeOverwrite (deepCopy .Values.config) $owned) }}
{{- end }}

{{/*
Checks rendering fails on: secrets written into values, and more replicas
than the store allows.
*/}}
{{- define "csocbot.validate" -}}
{{- include "csocbot.refuseSecrets" (dict "path" "" "value" .Values) }}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.postgres.enabled) }}
{{- fail (printf "csocbot: replicaCount %d needs the PostgreSQL store: the SQLite store belongs to one process. Set postgres.enabled with the URL in a Secret (postgres.existingSecret, postgres.key), or set replicaCount: 1" (int .Values.replicaCount)) }}
{{- end }}
{{- if and .Values.secrets.externalSecret.enabled (or (not .Values.secrets.externalSecret.remoteKey) (not .Values.secrets.externalSecret.secretStoreRef.name)) }}
{{- fail "csocbot: secrets.externalSecret needs remoteKey (the AWS Secrets Manager secret's name) and secretStoreRef.name (the SecretStore or ClusterSecretStore reading it)" }}
{{- end }}
{{- end }}

{{/*
refuseSecrets walks the values (dict "path" "value") and fails on a config
key csocbot reads only as <key>_file or <key>_env, or on any string that
looks like a token or a private key.
*/}}
{{- define "csocbot.refuseSecrets" -}}
{{- $path := .path }}
{{- if kindIs "map" .value }}
{{- range $k, $v := .value }}
{{- $p := ternary $k (printf "%s.%s" $path $k) (eq $path "") }}
{{- if and (hasPrefix "config." $p) (regexMatch "^(token|webhook_secret|signing_secret|private_key|password|url|keys?)$" $k) (not (empty $v)) }}
{{- fail (printf "csocbot: %s holds a secret inline, and secrets never go in values: put it in the Secret (secrets.existingSecret or secrets.externalSecret) and set %s_file: /etc/csocbot/secrets/<its key>" $p $p) }}
{{- end }}
{{- include "csocbot.refuseSecrets" (dict "path" $p "value" $v) }}
{{- end }}
{{- else if kindIs "slice" .value }}
{{- range $i, $v := .value }}
{{- include "csocbot.refuseSecrets" (dict "path" (printf "%s[%d]" $path $i) "value" $v) }}
{{- end }}
{{- else if and (kindIs "string" .value) (regexMatch "(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|(AKIA|ASIA)[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY|postgres(ql)?://[^:/@]*:[^@]+@)" .value) }}
{{- fail (printf "csocbot: %s looks like a secret (a token, a key or a URL with a password), and secrets never go in values: put it in the Secret (secrets.existingSecret or secrets.externalSecret) and refer to its file under /etc/csocbot/secrets/" $path) }}
{{- end }}
{{- end }}
