{{/*
The app Deployment, stable or canary: pilotfish.appDeployment (dict "root" $
"track" "stable"|"canary" "replicas" n "image" (dict repository tag)
"flagsConfigMap" name "flagOverrides" map "extraEnv" list).
Both tracks carry the app's selector labels, so the app Service, PDB, metrics
Service and NetworkPolicy cover both; each Deployment's own selector adds
nothing for the stable track (kept as it was, Deployment selectors being
immutable) and `pilotfish.dev/track: canary` for the canary. ReplicaSets are
owned through ownerReferences, so neither Deployment adopts the other's pods.
*/}}
{{- define "pilotfish.appDeployment" -}}
{{- $root := .root }}
{{- $app := $root.Values.app }}
{{- $c := $root.Values.cacheSidecar }}
{{- $l := $root.Values.llmProxy }}
{{- $canary := eq .track "canary" }}
{{- $name := include "pilotfish.componentName" (dict "root" $root "component" (ternary "app-canary" "app" $canary)) }}
{{- $repository := .image.repository | default $app.image.repository | default $root.Values.image.repository }}
{{- $tag := .image.tag | default $app.image.tag | default $root.Values.image.tag | default $root.Chart.AppVersion }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "pilotfish.componentLabels" (dict "root" $root "component" "app") | nindent 4 }}
    pilotfish.dev/track: {{ .track }}
spec:
  replicas: {{ .replicas }}
  selector:
    matchLabels:
      {{- include "pilotfish.selectorLabels" (dict "root" $root "component" "app") | nindent 6 }}
      {{- if $canary }}
      pilotfish.dev/track: canary
      {{- end }}
  template:
    metadata:
      labels:
        {{- include "pilotfish.selectorLabels" (dict "root" $root "component" "app") | nindent 8 }}
        pilotfish.dev/track: {{ .track }}
      annotations:
        # Roll the pods when the sidecars' configuration changes. The flags
        # file is left out on purpose: the app reloads it in place.
        checksum/cache-sidecar: {{ include (print $root.Template.BasePath "/cache-sidecar/configmap.yaml") $root | sha256sum }}
        checksum/llm-proxy: {{ include (print $root.Template.BasePath "/llm-proxy/configmap.yaml") $root | sha256sum }}
        {{- with $app.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- if $app.readAutoscalers }}
      serviceAccountName: {{ include "pilotfish.componentName" (dict "root" $root "component" "app") }}
      automountServiceAccountToken: true
      {{- else }}
      automountServiceAccountToken: false
      {{- end }}
      terminationGracePeriodSeconds: {{ $app.terminationGracePeriodSeconds }}
      securityContext:
        {{- toYaml $root.Values.podSecurityContext | nindent 8 }}
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      {{- if or $c.enabled $l.enabled }}
      # Native sidecars (Kubernetes >= 1.29): init containers with
      # restartPolicy Always start before the app (each waits for its startup
      # probe) and stop after it, so the app never runs without its cache and
      # LLM proxy. Their data ports are bound to 127.0.0.1: pod-local only.
      initContainers:
        {{- if $c.enabled }}
        - name: cache-sidecar
          image: {{ include "pilotfish.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          restartPolicy: Always
          command: [node, --max-semi-space-size=2, --max-old-space-size=128, --v8-pool-size=1, --no-allocation-site-pretenuring, --no-concurrent-recompilation, --no-parallel-scavenge, --no-minor-gc-task, dist/cache-sidecar.js]
          envFrom:
            - configMapRef:
                name: {{ include "pilotfish.componentName" (dict "root" $root "component" "cache-sidecar") }}
          env:
            {{- include "pilotfish.commonEnv" $root | nindent 12 }}
            {{- if eq $c.backend "redis" }}
            {{- include "pilotfish.secretEnv" (dict "name" "REDIS_URL" "secret" (include "pilotfish.redisSecretName" (dict "root" $root "own" $c.redis)) "key" (include "pilotfish.redisSecretKey" (dict "root" $root "own" $c.redis))) | nindent 12 }}
            {{- end }}
            {{- if eq $c.backend "upstash" }}
            {{- include "pilotfish.secretEnv" (dict "name" "UPSTASH_REDIS_REST_TOKEN" "secret" $c.upstash.existingSecret "key" $c.upstash.secretKey) | nindent 12 }}
            {{- end }}
            {{- if $c.token.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "CACHE_SIDECAR_TOKEN" "secret" $c.token.existingSecret "key" $c.token.secretKey) | nindent 12 }}
            {{- end }}
            {{- if $c.upstashTokens.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "CACHE_UPSTASH_TOKENS" "secret" $c.upstashTokens.existingSecret "key" $c.upstashTokens.secretKey) | nindent 12 }}
            {{- end }}
            {{- with $c.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - { name: cache-admin, containerPort: {{ $c.adminPort }}, protocol: TCP }
          {{- include "pilotfish.adminProbes" (dict "port" "cache-admin" "startup" true) | nindent 10 }}
          resources:
            {{- toYaml $c.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- include "pilotfish.tmpMount" $root | nindent 12 }}
        {{- end }}
        {{- if $l.enabled }}
        - name: llm-proxy
          image: {{ include "pilotfish.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          restartPolicy: Always
          command: [node, --max-semi-space-size=1, dist/llm-proxy.js]
          envFrom:
            - configMapRef:
                name: {{ include "pilotfish.componentName" (dict "root" $root "component" "llm-proxy") }}
          env:
            {{- include "pilotfish.commonEnv" $root | nindent 12 }}
            {{- if $l.openai.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "OPENAI_API_KEY" "secret" $l.openai.existingSecret "key" $l.openai.secretKey) | nindent 12 }}
            {{- end }}
            {{- if $l.anthropic.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "ANTHROPIC_API_KEY" "secret" $l.anthropic.existingSecret "key" $l.anthropic.secretKey) | nindent 12 }}
            {{- end }}
            {{- if $l.callerToken.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "LLM_PROXY_TOKEN" "secret" $l.callerToken.existingSecret "key" $l.callerToken.secretKey) | nindent 12 }}
            {{- end }}
            {{- if $l.redis.enabled }}
            {{- include "pilotfish.secretEnv" (dict "name" "REDIS_URL" "secret" (include "pilotfish.redisSecretName" (dict "root" $root "own" $l.redis)) "key" (include "pilotfish.redisSecretKey" (dict "root" $root "own" $l.redis))) | nindent 12 }}
            {{- end }}
            {{- if $l.clientKeys.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "LLM_PROXY_KEYS" "secret" $l.clientKeys.existingSecret "key" $l.clientKeys.secretKey) | nindent 12 }}
            {{- end }}
            {{- /* The upstreams' API keys: each under the variable its apiKeyEnv names. */}}
            {{- range $l.upstreamKeys }}
            {{- include "pilotfish.secretEnv" (dict "name" .env "secret" .existingSecret "key" .secretKey) | nindent 12 }}
            {{- end }}
            {{- with $l.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - { name: llm-admin, containerPort: {{ $l.adminPort }}, protocol: TCP }
          {{- include "pilotfish.adminProbes" (dict "port" "llm-admin" "startup" true) | nindent 10 }}
          resources:
            {{- toYaml $l.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- include "pilotfish.tmpMount" $root | nindent 12 }}
        {{- end }}
      {{- end }}
      containers:
        - name: app
          image: {{ printf "%s:%s" $repository $tag }}
          imagePullPolicy: {{ $app.image.pullPolicy }}
          {{- with $app.command }}
          command:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          {{- with $app.args }}
          args:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          env:
            {{- include "pilotfish.commonEnv" $root | nindent 12 }}
            - name: APP_HOST
              value: "0.0.0.0"
            - name: APP_PORT
              value: {{ $app.port | quote }}
            {{- if $app.apiKeys.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "APP_API_KEYS" "secret" $app.apiKeys.existingSecret "key" $app.apiKeys.secretKey) | nindent 12 }}
            {{- end }}
            {{- if $app.jwt.secret.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "APP_JWT_SECRET" "secret" $app.jwt.secret.existingSecret "key" $app.jwt.secret.secretKey) | nindent 12 }}
            {{- end }}
            {{- if $app.jwt.publicKey.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "APP_JWT_PUBLIC_KEY" "secret" $app.jwt.publicKey.existingSecret "key" $app.jwt.publicKey.secretKey) | nindent 12 }}
            {{- end }}
            {{- with $app.jwt.issuer }}
            - name: APP_JWT_ISSUER
              value: {{ . | quote }}
            {{- end }}
            {{- with $app.jwt.audience }}
            - name: APP_JWT_AUDIENCE
              value: {{ . | quote }}
            {{- end }}
            - name: APP_JWT_TENANT_CLAIM
              value: {{ $app.jwt.tenantClaim | quote }}
            - name: APP_JWT_ROLES_CLAIM
              value: {{ $app.jwt.rolesClaim | quote }}
            {{- if $app.sessionSecret.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "APP_SESSION_SECRET" "secret" $app.sessionSecret.existingSecret "key" $app.sessionSecret.secretKey) | nindent 12 }}
            {{- end }}
            - name: APP_RATE_LIMIT_WINDOW
              value: {{ $app.rateLimit.window | quote }}
            {{- with $app.rateLimit.limits }}
            - name: APP_RATE_LIMITS
              value: {{ toJson . | quote }}
            {{- end }}
            {{- if $app.redis.enabled }}
            {{- include "pilotfish.secretEnv" (dict "name" "REDIS_URL" "secret" (include "pilotfish.redisSecretName" (dict "root" $root "own" $app.redis)) "key" (include "pilotfish.redisSecretKey" (dict "root" $root "own" $app.redis))) | nindent 12 }}
            - name: RENDER_QUEUE
              value: {{ $root.Values.worker.queue | quote }}
            - name: BULLMQ_PREFIX
              value: {{ $root.Values.worker.prefix | quote }}
            {{- end }}
            {{- with $app.trustProxy }}
            - name: APP_TRUST_PROXY
              value: {{ . | quote }}
            {{- end }}
            - name: KNOWLEDGE_DIR
              value: {{ $app.knowledgeDir | quote }}
            - name: SEARCH_CACHE_TTL
              value: {{ $app.searchCacheTtl | quote }}
            - name: CHAT_MODEL
              value: {{ $app.chatModel | quote }}
            - name: CHAT_MAX_TOOL_ROUNDS
              value: {{ $app.chatMaxToolRounds | quote }}
            - name: APP_FLAGS_FILE
              value: /etc/pilotfish/flags/flags.yaml
            {{- range $flag, $value := .flagOverrides }}
            - name: {{ printf "APP_FLAG_%s" ($flag | replace "-" "_" | upper) }}
              value: {{ $value | quote }}
            {{- end }}
            - name: APP_K8S_NAMESPACE
              valueFrom:
                fieldRef: { fieldPath: metadata.namespace }
            {{- if $c.enabled }}
            # pkg/kv sidecarCacheFromEnv() reads these.
            - name: CACHE_SIDECAR_URL
              value: {{ printf "http://127.0.0.1:%v" $c.port | quote }}
            {{- if $c.token.existingSecret }}
            {{- include "pilotfish.secretEnv" (dict "name" "CACHE_SIDECAR_TOKEN" "secret" $c.token.existingSecret "key" $c.token.secretKey) | nindent 12 }}
            {{- end }}
            - name: CACHE_CLIENT_TIMEOUT_MS
              value: {{ $app.cacheClientTimeoutMs | quote }}
            # The admin page reads the pod-local sidecars' status.
            - name: CACHE_SIDECAR_ADMIN_URL
              value: {{ printf "http://127.0.0.1:%v" $c.adminPort | quote }}
            {{- end }}
            {{- if $l.enabled }}
            - name: LLM_PROXY_URL
              value: {{ printf "http://127.0.0.1:%v" $l.port | quote }}
            - name: LLM_PROXY_ADMIN_URL
              value: {{ printf "http://127.0.0.1:%v" $l.adminPort | quote }}
            # The official OpenAI and Anthropic SDKs read these: point them at the proxy.
            - name: OPENAI_BASE_URL
              value: {{ printf "http://127.0.0.1:%v/v1" $l.port | quote }}
            - name: ANTHROPIC_BASE_URL
              value: {{ printf "http://127.0.0.1:%v" $l.port | quote }}
            {{- if $l.callerToken.existingSecret }}
            # The proxy demands its token (LLM_PROXY_TOKEN) as the caller's API
            # key: the SDKs send these as theirs.
            {{- include "pilotfish.secretEnv" (dict "name" "OPENAI_API_KEY" "secret" $l.callerToken.existingSecret "key" $l.callerToken.secretKey) | nindent 12 }}
            {{- include "pilotfish.secretEnv" (dict "name" "ANTHROPIC_API_KEY" "secret" $l.callerToken.existingSecret "key" $l.callerToken.secretKey) | nindent 12 }}
            {{- /* The app's own chat sends it too (pkg/app: LLM_PROXY_API_KEY). */}}
            {{- include "pilotfish.secretEnv" (dict "name" "LLM_PROXY_API_KEY" "secret" $l.callerToken.existingSecret "key" $l.callerToken.secretKey) | nindent 12 }}
            {{- end }}
            {{- end }}
            {{- if $root.Values.worker.enabled }}
            - name: WORKER_HEALTH_URL
              value: {{ printf "http://%s:%v" (include "pilotfish.componentName" (dict "root" $root "component" "worker")) $root.Values.worker.adminPort | quote }}
            {{- end }}
            {{- with $app.env }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
            {{- with .extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          ports:
            - { name: http, containerPort: {{ $app.port }}, protocol: TCP }
          livenessProbe:
            httpGet: { path: {{ $app.livenessPath }}, port: http }
            periodSeconds: 10
            timeoutSeconds: 2
            failureThreshold: 3
          readinessProbe:
            httpGet: { path: {{ $app.readinessPath }}, port: http }
            periodSeconds: 5
            timeoutSeconds: 2
            failureThreshold: 2
          resources:
            {{- toYaml $app.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.containerSecurityContext | nindent 12 }}
          volumeMounts:
            {{- include "pilotfish.tmpMount" $root | nindent 12 }}
            # A directory, not a subPath: a subPath mount never sees ConfigMap updates.
            - name: flags
              mountPath: /etc/pilotfish/flags
              readOnly: true
      volumes:
        - name: tmp
          emptyDir: { sizeLimit: 64Mi }
        - name: flags
          configMap:
            name: {{ .flagsConfigMap }}
      {{- with $app.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $app.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $app.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $app.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}
