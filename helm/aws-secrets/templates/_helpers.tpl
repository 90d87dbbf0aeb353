{{/* Labels of every object: who manages it, which release, which chart files. */}}
{{- define "aws-secrets.labels" -}}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: aws-secrets
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.chartDigest }}
aws-secrets/chart-digest: {{ . | quote }}
{{- end }}
{{- end -}}
