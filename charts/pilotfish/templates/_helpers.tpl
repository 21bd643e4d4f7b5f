{{/* Chart name, overridable. */}}
{{- define "pilotfish.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* `<release>-<chart>` (or the release alone when it already holds the chart name), 63 chars at most. */}}
{{- define "pilotfish.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Name of one component's resources: pilotfish.componentName (dict "root" $ "component" "worker"). */}}
{{- define "pilotfish.componentName" -}}
{{- printf "%s-%s" (include "pilotfish.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every resource. */}}
{{- define "pilotfish.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "pilotfish.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pilotfish
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: pilotfish.selectorLabels (dict "root" $ "component" "app"). */}}
{{- define "pilotfish.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pilotfish.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* All labels of one component's resources. */}}
{{- define "pilotfish.componentLabels" -}}
{{ include "pilotfish.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* The Pilotfish image. */}}
{{- define "pilotfish.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The controller's ServiceAccount name. */}}
{{- define "pilotfish.controller.serviceAccountName" -}}
{{- if .Values.controller.serviceAccount.create -}}
{{- default (include "pilotfish.componentName" (dict "root" . "component" "controller")) .Values.controller.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.controller.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Lease the controller replicas elect a leader on. */}}
{{- define "pilotfish.controller.leaseName" -}}
{{- default (include "pilotfish.componentName" (dict "root" . "component" "controller")) .Values.controller.leaderElection.leaseName -}}
{{- end -}}

{{/* Redis Secret of a component, falling back to the shared `redis` values: pilotfish.redisSecret (dict "root" $ "own" .Values.worker.redis). Prints `name key`. */}}
{{- define "pilotfish.redisSecretName" -}}
{{- default .root.Values.redis.existingSecret .own.existingSecret -}}
{{- end -}}
{{- define "pilotfish.redisSecretKey" -}}
{{- default .root.Values.redis.secretKey .own.secretKey -}}
{{- end -}}

{{/* One env entry read from a Secret: pilotfish.secretEnv (dict "name" "REDIS_URL" "secret" "x" "key" "url"). */}}
{{- define "pilotfish.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "a Secret name is required for %s" .name) .secret | quote }}
      key: {{ required (printf "a Secret key is required for %s" .name) .key | quote }}
{{- end -}}

{{/* Env shared by every Pilotfish container. */}}
{{- define "pilotfish.commonEnv" -}}
- name: NODE_ENV
  value: {{ .Values.nodeEnv | quote }}
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
{{- with .Values.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* Liveness, readiness (and for sidecars startup) probes on a named admin port. */}}
{{- define "pilotfish.adminProbes" -}}
livenessProbe:
  httpGet: { path: /healthz, port: {{ .port }} }
  periodSeconds: 10
  timeoutSeconds: 2
  failureThreshold: 3
readinessProbe:
  httpGet: { path: /readyz, port: {{ .port }} }
  periodSeconds: 5
  timeoutSeconds: 2
  failureThreshold: 2
{{- if .startup }}
startupProbe:
  httpGet: { path: /healthz, port: {{ .port }} }
  periodSeconds: 1
  timeoutSeconds: 2
  failureThreshold: 30
{{- end }}
{{- end -}}

{{/* A writable /tmp for containers with a read-only root file system. */}}
{{- define "pilotfish.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Named Secrets the controller may read, merged by namespace: YAML map namespace -> [secret names]. */}}
{{- define "pilotfish.controller.secretAccess" -}}
{{- $byNs := dict -}}
{{- range .Values.controller.secretAccess -}}
{{- $cur := get $byNs .namespace | default list -}}
{{- $_ := set $byNs .namespace (concat $cur .secretNames | uniq) -}}
{{- end -}}
{{- if and .Values.worker.enabled .Values.worker.autoscaler.enabled -}}
{{- $cur := get $byNs .Release.Namespace | default list -}}
{{- $_ := set $byNs .Release.Namespace (append $cur (include "pilotfish.redisSecretName" (dict "root" . "own" .Values.worker.redis)) | uniq) -}}
{{- end -}}
{{- toYaml $byNs -}}
{{- end -}}
