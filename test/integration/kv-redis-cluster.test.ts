/**
 * The redis backend on a real three-node Redis Cluster: every op of the store
 * contract, including multi-key scripts, MULTI/EXEC and transactions across
 * scopes, works because each tenant's keys share one hash slot; and tenants
 * do spread over the nodes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore, encodeKey } from '#pkg/kv/index.ts';
import { startRedis, type RedisProcess } from '#test/fixtures/redis.ts';
import { eventually } from '#test/fixtures/poll.ts';
import { storeContract } from './kv-contract.ts';

const hasRedisCli = spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0;
const nodes: RedisProcess[] = [];
const dirs: string[] = [];
let store: RedisStore;

async function clusterOk(port: number): Promise<boolean> {
  const r = new Redis({ port, host: '127.0.0.1', protocol: 2, lazyConnect: true });
  try {
    await r.connect();
    return String(await r.call('CLUSTER', 'INFO')).includes('cluster_state:ok');
  } finally {
    r.disconnect();
  }
}

beforeAll(async () => {
  if (!hasRedisCli) return;
  for (let i = 0; i < 3; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'kv-cluster-'));
    dirs.push(dir);
    nodes.push(await startRedis({ args: ['--cluster-enabled', 'yes', '--dir', dir, '--cluster-node-timeout', '2000'] }));
  }
  const created = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  await eventually(async () => (await Promise.all(nodes.map((n) => clusterOk(n.port)))).every(Boolean), 'cluster_state:ok on every node', 10_000, 100);
  store = new RedisStore({ clusterNodes: nodes.map((n) => `redis://127.0.0.1:${n.port}`), prefix: 'kvc', commandTimeoutMs: 1000 });
  await store.waitReady(10_000);
}, 60_000);

afterAll(async () => {
  await store?.close();
  for (const n of nodes) await n.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!hasRedisCli)('redis cluster', () => {
  storeContract('redis cluster', () => store);

  it('spreads tenants over the nodes, keeping each tenant on one', async () => {
    const owners = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const ns = { tenantKey: `spread${i}`, scope: 's' };
      await store.mset(ns, [{ key: 'a', json: '1', ttlMs: 10_000 }, { key: 'b', json: '2', ttlMs: 10_000 }]);
      const holders = await Promise.all(nodes.map(async (n) => {
        const r = new Redis({ port: n.port, host: '127.0.0.1', protocol: 2 });
        try {
          return (await r.call('EXISTS', encodeKey('kvc', ns, 'a'), encodeKey('kvc', ns, 'b')).catch(() => 0)) as number;
        } finally {
          r.disconnect();
        }
      }));
      // Both keys on exactly one node: the one owning the tenant's slot.
      expect(holders.filter((h) => h > 0)).toEqual([2]);
      owners.add(holders.findIndex((h) => h > 0));
    }
    expect(owners.size).toBeGreaterThan(1);
  });
});

describe.skipIf(!hasRedisCli)('redis cluster: readBytesInto', () => {
  it('answers through the promise path (a Cluster reads each command\'s promise), hits, misses and TTLs alike', async () => {
    const ns = { tenantKey: 'sinkc', scope: 's' };
    await store.set(ns, 'k', '"clustered"', 10_000);
    const read = (key: string, withTtl: boolean) => new Promise<unknown>((resolve, reject) => {
      store.readBytesInto('sinkc', 's', key, withTtl, { answer: resolve, fail: reject });
    });
    const hit = await read('k', true) as { bytes: Buffer; ttlMs: number };
    expect(hit.bytes.toString()).toBe('"clustered"');
    expect(hit.ttlMs).toBeGreaterThan(9000);
    expect(await read('absent', true)).toBeNull();
    expect((await read('k', false) as { ttlMs: number }).ttlMs).toBeNaN();
  });
});
