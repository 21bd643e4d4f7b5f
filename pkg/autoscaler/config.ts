import { hostname } from 'node:os';
import { duration, flag, loadConfig, port, str } from '#pkg/config/index.ts';

/** The controller's environment. Every default is listed in docs/controller.md. */
export function loadControllerConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv.slice(2)) {
  const cfg = loadConfig({
    CONTROLLER_ADMIN_HOST: str({ default: '0.0.0.0', desc: 'admin listener address' }),
    CONTROLLER_ADMIN_PORT: port({ default: 8081, desc: '/healthz, /readyz, /metrics' }),
    CONTROLLER_DRY_RUN: flag({ default: false, desc: 'log decisions without scaling, writing status, events or leases' }),
    CONTROLLER_SPEC_FILE: str({ default: '', desc: 'YAML file of QueueAutoscalers (and Secrets, Deployments) for a dry run with no cluster' }),
    CONTROLLER_NAMESPACE: str({ default: '', desc: 'watch one namespace; empty: all' }),
    CONTROLLER_LEADER_ELECTION: flag({ default: true, desc: 'elect one acting replica through a Lease' }),
    CONTROLLER_LEASE_NAME: str({ default: 'pilotfish-controller' }),
    CONTROLLER_LEASE_NAMESPACE: str({ default: env.POD_NAMESPACE ?? 'default' }),
    CONTROLLER_LEASE_DURATION: duration({ default: 15_000 }),
    CONTROLLER_RENEW_DEADLINE: duration({ default: 10_000 }),
    CONTROLLER_RETRY_PERIOD: duration({ default: 2_000 }),
    CONTROLLER_READ_TIMEOUT: duration({ default: 2_000, desc: 'bound on one Redis or Prometheus read' }),
    CONTROLLER_CACHE_TTL: duration({ default: 30_000, desc: 'reuse Secret values and HPA lists this long; 0 reads every poll' }),
    CONTROLLER_KUBE_API: str({ default: '', desc: 'API server URL; empty: in-cluster service account or KUBECONFIG' }),
    CONTROLLER_IDENTITY: str({ default: env.POD_NAME ?? hostname() }),
    REDIS_URL: str({ default: '', desc: 'dry run from a file only: Redis URL for Secrets the file does not hold' }),
    LOG_LEVEL: str({ default: 'info' }),
  }, env);
  const dryRun = cfg.CONTROLLER_DRY_RUN || argv.includes('--dry-run');
  const fileArg = argv.find((a) => a.startsWith('--file='))?.slice('--file='.length) ?? (argv.includes('--file') ? argv[argv.indexOf('--file') + 1] : undefined);
  return { ...cfg, dryRun, specFile: fileArg ?? cfg.CONTROLLER_SPEC_FILE };
}

export type ControllerConfig = ReturnType<typeof loadControllerConfig>;
