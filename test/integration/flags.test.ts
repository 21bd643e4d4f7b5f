import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { createFeatureFlags, FlagsFileError, type FeatureFlags } from '#pkg/flags/index.ts';
import { ConfigError } from '#pkg/config/index.ts';
import { captureLogs, createLogger } from '#pkg/log/index.ts';

const open: FeatureFlags[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pilotfish-flags-'));
  dirs.push(dir);
  return dir;
}

async function start(options: Parameters<typeof createFeatureFlags>[0]): Promise<FeatureFlags> {
  const flags = await createFeatureFlags(options);
  open.push(flags);
  return flags;
}

/** Resolves with the next ConfigurationChanged the domain's provider emits. */
function nextChange(domain: string): Promise<EventDetails> {
  const client = OpenFeature.getClient(domain);
  return new Promise((resolve) => {
    const handler = (details?: EventDetails) => {
      client.removeHandler(ProviderEvents.ConfigurationChanged, handler);
      resolve(details!);
    };
    client.addHandler(ProviderEvents.ConfigurationChanged, handler);
  });
}

/**
 * The layout the kubelet gives a ConfigMap volume: the visible file is a
 * symlink through `..data`, itself a symlink to a timestamped directory that
 * an update replaces by renaming a new `..data` link over the old one.
 */
async function configMapVolume(dir: string, text: string) {
  let generation = 0;
  const writeGeneration = async (content: string) => {
    const name = `..gen_${++generation}`;
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, 'flags.yaml'), content);
    return name;
  };
  const first = await writeGeneration(text);
  await symlink(first, path.join(dir, '..data'));
  await symlink(path.join('..data', 'flags.yaml'), path.join(dir, 'flags.yaml'));
  return {
    file: path.join(dir, 'flags.yaml'),
    async update(content: string) {
      const previous = `..gen_${generation}`;
      const next = await writeGeneration(content);
      await symlink(next, path.join(dir, '..data_tmp'));
      await rename(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
      await rm(path.join(dir, previous), { recursive: true });
    },
  };
}

describe('feature flags', () => {
  it('defaults both flags on without a file', async () => {
    const flags = await start({ env: {} });
    expect(await flags.isEnabled('distributed-cache', 'acme')).toBe(true);
    expect(await flags.isEnabled('llm-real-provider', 'acme')).toBe(true);
    expect(flags.snapshot().file).toBeNull();
  });

  it('targets tenants through the OpenFeature targetingKey', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'flags.yaml');
    await writeFile(file, 'distributed-cache:\n  default: true\n  tenants: { canary: false }\nllm-real-provider:\n  default: false\n  tenants: { beta: true }\n');
    const flags = await start({ file, env: {} });
    expect(await flags.isEnabled('distributed-cache', 'canary')).toBe(false);
    expect(await flags.isEnabled('distributed-cache', 'acme')).toBe(true);
    expect(await flags.isEnabled('llm-real-provider', 'beta')).toBe(true);
    expect(await flags.isEnabled('llm-real-provider', 'acme')).toBe(false);
  });

  it('lets an env override replace the default while tenant entries still apply', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'flags.json');
    await writeFile(file, JSON.stringify({ 'distributed-cache': { default: true, tenants: { canary: true } } }));
    const flags = await start({ file, env: { APP_FLAG_DISTRIBUTED_CACHE: 'off' } });
    expect(await flags.isEnabled('distributed-cache', 'acme')).toBe(false);
    expect(await flags.isEnabled('distributed-cache', 'canary')).toBe(true);
    expect(flags.snapshot().flags['distributed-cache']).toEqual({ default: false, tenants: { canary: true } });
  });

  it('keeps two instances in one process apart', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'flags.yaml');
    await writeFile(file, 'distributed-cache: false\n');
    const withFile = await start({ file, env: {} });
    const without = await start({ env: {} });
    expect(await withFile.isEnabled('distributed-cache', 'acme')).toBe(false);
    expect(await without.isEnabled('distributed-cache', 'acme')).toBe(true);
  });

  it('refuses to start on a bad file, naming it', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'flags.yaml');
    await writeFile(file, 'distributed-cahce: false\n');
    const domain = `flags-test-${randomUUID()}`;
    const attempt = createFeatureFlags({ file, env: {}, domain });
    await expect(attempt).rejects.toBeInstanceOf(FlagsFileError);
    await expect(attempt).rejects.toThrow(file);
    // The failed provider is not left bound: the domain answers the caller's default.
    expect(await OpenFeature.getClient(domain).getBooleanValue('distributed-cache', false, { targetingKey: 'acme' })).toBe(false);
  });

  it('refuses to start on a missing file and on a bad override', async () => {
    const dir = await tempDir();
    const missing = path.join(dir, 'nope.yaml');
    await expect(createFeatureFlags({ file: missing, env: {} })).rejects.toThrow(missing);
    await expect(createFeatureFlags({ env: { APP_FLAG_LLM_REAL_PROVIDER: 'maybe' } })).rejects.toBeInstanceOf(ConfigError);
  });

  it('reloads a plainly rewritten file and emits ConfigurationChanged', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'flags.yaml');
    await writeFile(file, 'distributed-cache: true\n');
    const domain = `flags-test-${randomUUID()}`;
    const flags = await start({ file, env: {}, domain });
    const before = flags.snapshot().loadedAt;
    const changed = nextChange(domain);
    await writeFile(file, 'distributed-cache:\n  default: true\n  tenants: { canary: false }\n');
    expect((await changed).flagsChanged).toEqual(['distributed-cache']);
    expect(await flags.isEnabled('distributed-cache', 'canary')).toBe(false);
    expect(await flags.isEnabled('distributed-cache', 'acme')).toBe(true);
    expect(flags.snapshot().loadedAt).toBeGreaterThanOrEqual(before);
  });

  it('follows a ConfigMap update (the ..data symlink swap)', async () => {
    const dir = await tempDir();
    const volume = await configMapVolume(dir, 'llm-real-provider: true\n');
    const domain = `flags-test-${randomUUID()}`;
    const flags = await start({ file: volume.file, env: {}, domain });
    expect(await flags.isEnabled('llm-real-provider', 'canary')).toBe(true);

    const changed = nextChange(domain);
    await volume.update('llm-real-provider:\n  default: true\n  tenants: { canary: false }\n');
    expect((await changed).flagsChanged).toEqual(['llm-real-provider']);
    expect(await flags.isEnabled('llm-real-provider', 'canary')).toBe(false);
    expect(await flags.isEnabled('llm-real-provider', 'acme')).toBe(true);
  });

  it('keeps the last good flags when a reload finds a bad file, and logs it', async () => {
    const dir = await tempDir();
    const volume = await configMapVolume(dir, 'distributed-cache: { tenants: { canary: false } }\n');
    const logs = captureLogs();
    const logger = createLogger({ name: 'flags-test', destination: logs.stream });
    const domain = `flags-test-${randomUUID()}`;
    const flags = await start({ file: volume.file, env: {}, domain, logger });
    const good = flags.snapshot();

    await volume.update('distributed-cache: [\n');
    await vi.waitFor(() => expect(logs.text()).toContain('keeping the last good flags'), { timeout: 5_000 });
    expect(logs.text()).toContain(volume.file);
    expect(flags.snapshot()).toEqual(good);
    expect(await flags.isEnabled('distributed-cache', 'canary')).toBe(false);

    // Still watching: a corrected file is picked up.
    const changed = nextChange(domain);
    await volume.update('distributed-cache: { tenants: { canary: true } }\n');
    await changed;
    expect(await flags.isEnabled('distributed-cache', 'canary')).toBe(true);
  });

  it('stops watching on close and unbinds the domain', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'flags.yaml');
    await writeFile(file, 'distributed-cache: false\n');
    const domain = `flags-test-${randomUUID()}`;
    const flags = await createFeatureFlags({ file, env: {}, domain });
    expect(await flags.isEnabled('distributed-cache', 'acme')).toBe(false);
    await flags.close();
    await flags.close();
    expect(OpenFeature.getProvider(domain).metadata.name).not.toBe('pilotfish-file-flags');
    expect(await OpenFeature.getClient(domain).getBooleanValue('distributed-cache', true, { targetingKey: 'acme' })).toBe(true);
  });
});
