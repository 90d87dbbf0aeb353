{{/*
Expand the name of the chart.
*/}}
{{- define "django-app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "django-app.fullname" -}}
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

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "django-app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels. The version label is the deployed image tag (not the chart's appVersion),
cut to a valid label value: at most 63 characters, alphanumeric at both ends.
*/}}
{{- define "django-app.labels" -}}
helm.sh/chart: {{ include "django-app.chart" . }}
{{ include "django-app.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | trunc 63 | trimAll "-_." | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels shared by every workload of the release; each workload adds
app.kubernetes.io/component so that selectors never match another workload's pods.
*/}}
{{- define "django-app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "django-app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Selector labels of the web (gunicorn) pods.
*/}}
{{- define "django-app.webSelectorLabels" -}}
{{ include "django-app.selectorLabels" . }}
app.kubernetes.io/component: web
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "django-app.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "django-app.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Name of the in-cluster PostgreSQL StatefulSet and Service.
*/}}
{{- define "django-app.postgresqlName" -}}
{{- printf "%s-postgresql" (include "django-app.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The image reference; both parts are mandatory so that no release ever runs an implicit "latest".
*/}}
{{- define "django-app.image" -}}
{{- $repository := required "image.repository is required (the ECR repository URI)" .Values.image.repository }}
{{- $tag := required "image.tag is required (written by python -m delivery.tag_bump)" .Values.image.tag }}
{{- printf "%s:%s" $repository $tag }}
{{- end }}

{{/*
Non-secret settings, as a YAML map: the ConfigMap's data and the migration Job's env
(the Job may run before the ConfigMap exists, as a pre-install hook).
DJANGO_ALLOWED_HOSTS joins django.allowedHosts, the ingress hosts and the Service's DNS names;
DJANGO_CSRF_TRUSTED_ORIGINS is https://<host> for each ingress host (TLS ends at the load balancer).
*/}}
{{- define "django-app.configData" -}}
{{- $fullname := include "django-app.fullname" . }}
{{- $hosts := list $fullname (printf "%s.%s.svc" $fullname .Release.Namespace) (printf "%s.%s.svc.cluster.local" $fullname .Release.Namespace) }}
{{- $origins := list }}
{{- if .Values.ingress.enabled }}
{{- range .Values.ingress.hosts }}
{{- $hosts = append $hosts .host }}
{{- $origins = append $origins (printf "https://%s" .host) }}
{{- end }}
{{- end }}
{{- $hosts = concat .Values.django.allowedHosts $hosts | uniq -}}
DJANGO_SETTINGS_MODULE: {{ .Values.django.settingsModule | quote }}
DJANGO_ALLOWED_HOSTS: {{ join "," $hosts | quote }}
{{- with $origins }}
DJANGO_CSRF_TRUSTED_ORIGINS: {{ join "," (uniq .) | quote }}
{{- end }}
APP_VERSION: {{ .Values.image.tag | quote }}
{{- range $name, $value := .Values.django.extraEnv }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/*
Fails unless exactly one database source is configured.
*/}}
{{- define "django-app.validateDatabase" -}}
{{- if and .Values.postgresql.enabled .Values.database.existingSecret }}
{{- fail "set either postgresql.enabled (in-cluster dev database) or database.existingSecret (external database), not both" }}
{{- end }}
{{- if not (or .Values.postgresql.enabled .Values.database.existingSecret) }}
{{- fail "no database: set database.existingSecret (a Secret holding DATABASE_URL) or postgresql.enabled" }}
{{- end }}
{{- end }}

{{/*
Secret-backed environment variables: DJANGO_SECRET_KEY and the database's. With the in-cluster
PostgreSQL, DATABASE_URL is composed by the kubelet from POSTGRES_PASSWORD ($(VAR) expansion),
so the password never appears in the pod spec. With an external database, DATABASE_URL_FILE
names the mounted Secret's URL and libpq's PGSSLMODE / PGSSLROOTCERT demand verified TLS.
*/}}
{{- define "django-app.secretEnv" -}}
{{- include "django-app.validateDatabase" . -}}
- name: DJANGO_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ required "secrets.existingSecret is required" .Values.secrets.existingSecret | quote }}
      key: {{ .Values.secrets.secretKeyKey | quote }}
{{- if .Values.postgresql.enabled }}
{{- $auth := .Values.postgresql.auth }}
- name: POSTGRES_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ required "postgresql.auth.existingSecret is required when postgresql.enabled" $auth.existingSecret | quote }}
      key: {{ $auth.passwordKey | quote }}
- name: DATABASE_URL
  value: {{ printf "postgres://%s:$(POSTGRES_PASSWORD)@%s:5432/%s" $auth.username (include "django-app.postgresqlName" .) $auth.database | quote }}
{{- else }}
{{- $dir := include "django-app.databaseDir" . }}
- name: DATABASE_URL_FILE
  value: {{ printf "%s/url" $dir | quote }}
- name: PGSSLMODE
  value: {{ .Values.database.sslMode | quote }}
- name: PGSSLROOTCERT
  value: {{ ternary (printf "%s/ca.pem" $dir) "system" (ne .Values.database.caKey "") | quote }}
{{- end }}
{{- end }}

{{/*
Where the external database's Secret is mounted: `url` (DATABASE_URL) and `ca.pem` (the CA
bundle). The app reads `url` again before each new connection, and the kubelet rewrites the
files when the Secret changes, so a password RDS rotated is used without a restart.
*/}}
{{- define "django-app.databaseDir" -}}
/etc/django/database
{{- end }}

{{/*
The volumes of a pod that talks to the database: /tmp, and the external database's Secret.
*/}}
{{- define "django-app.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- if not .Values.postgresql.enabled }}
- name: database
  secret:
    secretName: {{ .Values.database.existingSecret | quote }}
    defaultMode: 0440
    items:
      - key: {{ .Values.database.urlKey | quote }}
        path: url
      {{- with .Values.database.caKey }}
      - key: {{ . | quote }}
        path: ca.pem
      {{- end }}
{{- end }}
{{- end }}

{{- define "django-app.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if not .Values.postgresql.enabled }}
- name: database
  mountPath: {{ include "django-app.databaseDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{/*
Pod-level security context meeting the Pod Security "restricted" profile.
Call with (dict "uid" <uid> "gid" <gid>).
*/}}
{{- define "django-app.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid }}
runAsGroup: {{ .gid }}
fsGroup: {{ .gid }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Container-level security context meeting the Pod Security "restricted" profile.
*/}}
{{- define "django-app.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
A Kubernetes quantity (100m, 0.5, 256Mi, 1G) as a number of base units (cores or bytes).
*/}}
{{- define "django-app.quantity" -}}
{{- if kindIs "string" . -}}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" . -}}
{{- $suffix := trimPrefix $number . -}}
{{- $factors := dict "" 1.0 "m" 0.001 "k" 1e3 "M" 1e6 "G" 1e9 "T" 1e12 "P" 1e15 "E" 1e18 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- mulf (float64 $number) (get $factors $suffix) -}}
{{- else -}}
{{- /* A YAML number (Helm reads it as float64; toString would write 1e+09) is base units. */ -}}
{{- float64 . -}}
{{- end -}}
{{- end }}

{{/*
Requests at most the limits, for every resource that has both. Call with (dict "name" <values path>
"resources" <requests and limits>).
*/}}
{{- define "django-app.validateResources" -}}
{{- $limits := .resources.limits | default dict }}
{{- range $resource, $request := .resources.requests }}
{{- $limit := get $limits $resource }}
{{- if and $limit (gt (include "django-app.quantity" $request | float64) (include "django-app.quantity" $limit | float64)) }}
{{- fail (printf "%s.requests.%s (%v) is above %s.limits.%s (%v): Kubernetes refuses such a pod; raise the limit or lower the request" $.name $resource $request $.name $resource $limit) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Rules across values that the schema cannot state, each failing with what to change.
*/}}
{{- define "django-app.validate" -}}
{{- if eq (toString .Values.image.tag) "latest" }}
{{- fail "image.tag 'latest' is refused: deploy an immutable tag, the commit SHA the pipeline built" }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail (printf "autoscaling.minReplicas (%v) is above autoscaling.maxReplicas (%v): the HPA would be refused; raise maxReplicas or lower minReplicas" .Values.autoscaling.minReplicas .Values.autoscaling.maxReplicas) }}
{{- end }}
{{- include "django-app.validateResources" (dict "name" "resources" "resources" .Values.resources) }}
{{- include "django-app.validateResources" (dict "name" "migrations.resources" "resources" .Values.migrations.resources) }}
{{- include "django-app.validateResources" (dict "name" "postgresql.resources" "resources" .Values.postgresql.resources) }}
{{- end }}
