import { randomUUID } from 'node:crypto';
import { NOOP_PROVIDER, OpenFeature, type Client } from '@openfeature/server-sdk';
import type { Logger } from '#pkg/log/index.ts';
import { FileFlagProvider } from './provider.ts';
import { FLAG_DEFAULTS, FLAG_KEYS, readEnvOverrides, type FlagKey } from './table.ts';

export interface FlagsSnapshot {
  file: string | null;
  loadedAt: number;
  flags: Record<FlagKey, { default: boolean; tenants: Record<string, boolean> }>;
}

export interface FeatureFlags {
  /** The flag's value for a tenant (OpenFeature targetingKey = tenant). */
  isEnabled(flag: FlagKey, tenant: string): Promise<boolean>;
  /** The effective flags (file plus env overrides), for the admin page and logs. */
  snapshot(): FlagsSnapshot;
  /** Stops watching the file and unbinds the provider from its domain. */
  close(): Promise<void>;
}

export interface FeatureFlagsOptions {
  /** Flags file (`APP_FLAGS_FILE`), YAML or JSON; reloaded when it changes. */
  file?: string;
  /** Read for `APP_FLAG_<NAME>=on|off`. Default: process.env. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /**
   * OpenFeature domain the provider is bound to. Default: a unique one, so
   * several apps in one process (tests) never share flags.
   */
  domain?: string;
}

/**
 * Binds a file-backed provider to an OpenFeature domain and waits until it is
 * ready. Rejects with a ConfigError (bad APP_FLAG_* variable) or a
 * FlagsFileError / file-system error naming the file.
 */
export async function createFeatureFlags(options: FeatureFlagsOptions = {}): Promise<FeatureFlags> {
  const overrides = readEnvOverrides(options.env ?? process.env);
  const provider = new FileFlagProvider({ file: options.file, overrides, logger: options.logger });
  const domain = options.domain ?? `pilotfish-flags-${randomUUID()}`;
  try {
    await OpenFeature.setProviderAndWait(domain, provider);
  } catch (err) {
    await unbind(domain, provider);
    throw err;
  }
  const client: Client = OpenFeature.getClient(domain);
  let closed = false;
  return {
    isEnabled: (flag, tenant) => client.getBooleanValue(flag, FLAG_DEFAULTS[flag], { targetingKey: tenant }),
    snapshot() {
      const { file, loadedAt, table } = provider.loaded;
      const flags = {} as FlagsSnapshot['flags'];
      for (const key of FLAG_KEYS) flags[key] = { default: table[key].default, tenants: { ...table[key].tenants } };
      return { file, loadedAt, flags };
    },
    async close() {
      if (closed) return;
      closed = true;
      await unbind(domain, provider);
    },
  };
}

// OpenFeature has no call to forget one domain: binding the no-op provider in
// its place makes the SDK close ours (onClose) and drop its handlers.
async function unbind(domain: string, provider: FileFlagProvider): Promise<void> {
  OpenFeature.setProvider(domain, NOOP_PROVIDER);
  await provider.onClose();
}
