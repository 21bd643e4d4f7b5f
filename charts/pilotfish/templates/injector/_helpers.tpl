{{/* The injector's name: Deployment, Service, ServiceAccount, MutatingWebhookConfiguration. */}}
{{- define "pilotfish.injector.name" -}}
{{- include "pilotfish.componentName" (dict "root" . "component" "injector") -}}
{{- end -}}

{{/* The Secret holding the webhook's TLS material (made by the injector, or by cert-manager). */}}
{{- define "pilotfish.injector.tlsSecret" -}}
{{- include "pilotfish.componentName" (dict "root" . "component" "injector-tls") -}}
{{- end -}}

{{- define "pilotfish.injector.serviceAccountName" -}}
{{- if .Values.injector.serviceAccount.create -}}
{{- default (include "pilotfish.injector.name" .) .Values.injector.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.injector.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The release-wide injection config (docs/injection.md): what the chart's own
app pod gets (cacheSidecar.*, llmProxy.*, the Secret names), with
injector.config merged over it. A Secret left empty in the values is written
as null, which drops the injector's built-in default reference.
*/}}
{{- define "pilotfish.injector.config" -}}
{{- $c := .Values.cacheSidecar -}}
{{- $l := .Values.llmProxy -}}
{{- $ref := dict -}}
{{- $cache := dict "backend" $c.backend "opTimeout" $c.opTimeout "nodeOptions" $c.nodeOptions "port" $c.port "adminPort" $c.adminPort "resources" $c.resources "ttlPolicy" $c.ttlPolicy "ttlHeader" $c.ttlHeader -}}
{{- $_ := set $cache "redisSecret" (dict "name" (include "pilotfish.redisSecretName" (dict "root" . "own" $c.redis)) "key" (include "pilotfish.redisSecretKey" (dict "root" . "own" $c.redis))) -}}
{{- if eq $c.backend "upstash" -}}
{{- $_ := set $cache "upstashUrl" $c.upstash.restUrl -}}
{{- $_ := set $cache "upstashSecret" (dict "name" $c.upstash.existingSecret "key" $c.upstash.secretKey) -}}
{{- end -}}
{{- if $c.token.existingSecret -}}
{{- $_ := set $cache "tokenSecret" (dict "name" $c.token.existingSecret "key" $c.token.secretKey) -}}
{{- end -}}
{{- $llm := dict "provider" $l.provider "fallback" $l.fallback "modelAliases" $l.modelAliases "mockEnabled" $l.mockEnabled "port" $l.port "adminPort" $l.adminPort "resources" $l.resources -}}
{{- $_ := set $llm "openaiSecret" (ternary (dict "name" $l.openai.existingSecret "key" $l.openai.secretKey) nil (ne $l.openai.existingSecret "")) -}}
{{- $_ := set $llm "anthropicSecret" (ternary (dict "name" $l.anthropic.existingSecret "key" $l.anthropic.secretKey) nil (ne $l.anthropic.existingSecret "")) -}}
{{- with $l.openai.baseUrl }}{{- $_ := set $llm "openaiBaseUrl" . -}}{{- end -}}
{{- with $l.anthropic.baseUrl }}{{- $_ := set $llm "anthropicBaseUrl" . -}}{{- end -}}
{{- $base := dict "imagePullPolicy" .Values.image.pullPolicy "nodeEnv" .Values.nodeEnv "logLevel" .Values.logLevel "cache" $cache "llm" $llm -}}
{{- toYaml (mustMergeOverwrite $base (deepCopy .Values.injector.config)) -}}
{{- end -}}
