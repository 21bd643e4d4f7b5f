import { hostname } from 'node:os';
import { duration, loadConfig, port, str } from '#pkg/config/index.ts';

/** The injector's environment. Every default is listed in docs/injection.md. */
export function loadInjectorConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig({
    INJECTOR_HOST: str({ default: '0.0.0.0', desc: 'HTTPS listener address (the API server calls it)' }),
    INJECTOR_PORT: port({ default: 9443, desc: 'HTTPS port of POST /mutate' }),
    INJECTOR_ADMIN_HOST: str({ default: '0.0.0.0' }),
    INJECTOR_ADMIN_PORT: port({ default: 8082, desc: '/healthz, /readyz, /metrics' }),
    INJECTOR_SIDECAR_IMAGE: str({ desc: 'image of the injected sidecars (the Pilotfish image)' }),
    INJECTOR_CONFIG_FILE: str({ default: '', desc: 'release-wide injection config (YAML); empty: built-in defaults' }),
    INJECTOR_CONFIGMAP_NAME: str({ default: 'pilotfish-injection', desc: 'per-namespace ConfigMap (key config.yaml) layered over the release-wide config' }),
    INJECTOR_CONFIG_CACHE_TTL: duration({ default: 30_000, desc: 'reuse a namespace\'s config this long' }),
    INJECTOR_TLS_MODE: str({ choices: ['self-signed', 'files'], default: 'self-signed', desc: 'self-signed: make and renew certificates, kept in a Secret; files: read INJECTOR_TLS_DIR (cert-manager)' }),
    INJECTOR_TLS_DIR: str({ default: '/etc/pilotfish/tls', desc: 'files mode: directory holding tls.crt, tls.key (and ca.crt)' }),
    INJECTOR_CERT_STORE: str({ default: 'pilotfish-injector-tls', desc: 'self-signed mode: the Secret keeping CA and certificate' }),
    INJECTOR_SERVICE_NAME: str({ default: 'pilotfish-injector', desc: 'the webhook Service (names in the certificate)' }),
    INJECTOR_NAMESPACE: str({ default: env.POD_NAMESPACE ?? 'default', desc: 'namespace of the Service and the TLS Secret' }),
    INJECTOR_WEBHOOK_CONFIGURATION: str({ default: 'pilotfish-injector', desc: 'self-signed mode: MutatingWebhookConfiguration whose caBundle is kept current; empty: none' }),
    INJECTOR_CERT_VALIDITY: duration({ default: 365 * 24 * 3_600_000, desc: 'self-signed mode: serving certificate lifetime' }),
    INJECTOR_CERT_RENEW_BEFORE: duration({ default: 30 * 24 * 3_600_000, desc: 'self-signed mode: renew this long before expiry' }),
    INJECTOR_CERT_CHECK_INTERVAL: duration({ default: 300_000, desc: 'how often the certificate (Secret or files) and the caBundle are checked, reloaded or restored' }),
    INJECTOR_KUBE_API: str({ default: '', desc: 'API server URL; empty: in-cluster service account or KUBECONFIG' }),
    INJECTOR_IDENTITY: str({ default: env.POD_NAME ?? hostname() }),
    LOG_LEVEL: str({ default: 'info' }),
  }, env);
}

export type InjectorConfig = ReturnType<typeof loadInjectorConfig>;
