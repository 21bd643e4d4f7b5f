import { KubeConfig } from '@kubernetes/client-node';

export interface KubeConfigOptions {
  /** API server URL. Default: in-cluster service account, else $KUBECONFIG / ~/.kube/config. */
  server?: string;
  /** Bearer token when `server` is given. Default: none. */
  token?: string;
  /** Skip TLS verification when `server` is given. Default false; forced on for a plain `http://` server, which client-node otherwise refuses. */
  skipTLSVerify?: boolean;
}

export function loadKubeConfig(options: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  if (options.server) {
    kc.loadFromClusterAndUser(
      { name: 'cluster', server: options.server, skipTLSVerify: options.server.startsWith('http://') || (options.skipTLSVerify ?? false) },
      { name: 'user', token: options.token },
    );
  } else {
    kc.loadFromDefault();
  }
  return kc;
}
