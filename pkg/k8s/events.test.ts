import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeApi, type FakeKubeApi } from '../../test/fixtures/kube-api.ts';
import { loadKubeConfig } from './config.ts';
import { EventRecorder, type InvolvedObject } from './events.ts';

const NS = 'events-test';
const obj = (name: string): InvolvedObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', name, namespace: NS });

describe('EventRecorder', () => {
  let api: FakeKubeApi;
  beforeAll(async () => { api = await startKubeApi(); });
  afterAll(async () => { await api.close(); });

  function recorder(options: { dedupeMs?: number; maxRemembered?: number }) {
    // Starts above 0: lru-cache takes a start time of 0 for "no TTL".
    let t = 1_000;
    const r = new EventRecorder(loadKubeConfig({ server: api.url }), { ...options, now: () => t });
    return { r, advance: (ms: number) => { t += ms; } };
  }
  const stored = (name: string) => api.store.list('events', NS).filter((e) => (e.involvedObject as { name: string }).name === name).length;

  it('drops an identical event within the window and records it again after it', async () => {
    const { r, advance } = recorder({ dedupeMs: 60_000 });
    expect(await r.record(obj('a'), 'Warning', 'Fallback', 'Redis down')).toBe(true);
    advance(60_000);
    expect(await r.record(obj('a'), 'Warning', 'Fallback', 'Redis down')).toBe(false);
    expect(await r.record(obj('a'), 'Warning', 'Fallback', 'Redis back')).toBe(true);
    advance(1);
    expect(await r.record(obj('a'), 'Warning', 'Fallback', 'Redis down')).toBe(true);
    expect(stored('a')).toBe(3);
  });

  it('remembers at most maxRemembered events, forgetting the least recently recorded', async () => {
    const { r } = recorder({ dedupeMs: 60_000, maxRemembered: 2 });
    await r.record(obj('b'), 'Normal', 'R', 'one');
    await r.record(obj('b'), 'Normal', 'R', 'two');
    await r.record(obj('b'), 'Normal', 'R', 'three');
    expect(await r.record(obj('b'), 'Normal', 'R', 'three')).toBe(false);
    expect(await r.record(obj('b'), 'Normal', 'R', 'one')).toBe(true);
    expect(stored('b')).toBe(4);
  });
});
