{{/*
Fails the render when an upstream names an apiKeyEnv no Secret reference
sets: the proxy would start without that key. OPENAI_API_KEY and
ANTHROPIC_API_KEY count when llmProxy.openai / .anthropic name their Secret.
*/}}
{{- define "pilotfish.llmProxy.checkUpstreams" -}}
{{- $l := .Values.llmProxy }}
{{- $keyEnvs := list }}
{{- if $l.openai.existingSecret }}{{ $keyEnvs = append $keyEnvs "OPENAI_API_KEY" }}{{ end }}
{{- if $l.anthropic.existingSecret }}{{ $keyEnvs = append $keyEnvs "ANTHROPIC_API_KEY" }}{{ end }}
{{- range $l.upstreamKeys }}{{ $keyEnvs = append $keyEnvs .env }}{{ end }}
{{- range $l.upstreams }}
{{- if and .apiKeyEnv (not (has .apiKeyEnv $keyEnvs)) }}
{{- fail (printf "llmProxy.upstreams %q: apiKeyEnv %s is set by no Secret reference (add it to llmProxy.upstreamKeys)" (toString .name) .apiKeyEnv) }}
{{- end }}
{{- end }}
{{- end -}}
