import { describe, expect, it } from 'vitest';
import { InjectionConfigError } from '#pkg/inject/index.ts';
import { InjectionConfigSource } from './config-source.ts';

function source(texts: Record<string, string | undefined | Error>, cacheMax?: number) {
  // Starts above 0: lru-cache takes a start time of 0 for "no TTL".
  let clock = 1;
  const reads: string[] = [];
  const s = new InjectionConfigSource({
    image: 'img:1', configMapName: 'pilotfish-injection', cacheTtlMs: 30_000, cacheMax, now: () => clock,
    readNamespace: async (ns) => {
      reads.push(ns);
      const t = texts[ns];
      if (t instanceof Error) throw t;
      return t;
    },
  });
  return { s, reads, advance: (ms: number) => { clock += ms; } };
}

describe('InjectionConfigSource', () => {
  it('layers a namespace\'s ConfigMap over the defaults and the injector\'s image', async () => {
    const { s } = source({ apps: 'cache:\n  backend: memory\n' });
    const cfg = await s.forNamespace('apps');
    expect(cfg).toMatchObject({ image: 'img:1', cache: { backend: 'memory' } });
    expect(await s.forNamespace('other')).toMatchObject({ cache: { backend: 'redis' } });
  });

  it('returns an invalid config as an error naming the ConfigMap, for the pod to be refused', async () => {
    const { s } = source({ apps: 'cache:\n  backend: disk\n' });
    const cfg = await s.forNamespace('apps');
    expect(cfg).toBeInstanceOf(InjectionConfigError);
    expect((cfg as Error).message).toMatch(/^ConfigMap apps\/pilotfish-injection: cache\.backend: must be one of/);
  });

  it('reads a namespace once per TTL, and does not keep a failed read', async () => {
    const texts: Record<string, string | undefined | Error> = { apps: '' };
    const { s, reads, advance } = source(texts);
    await s.forNamespace('apps');
    await s.forNamespace('apps');
    advance(30_000);
    await s.forNamespace('apps');
    expect(reads).toEqual(['apps']);
    advance(1);
    texts.apps = new Error('connect ECONNREFUSED');
    await expect(s.forNamespace('apps')).rejects.toThrow('ECONNREFUSED');
    texts.apps = 'logLevel: debug\n';
    expect(await s.forNamespace('apps')).toMatchObject({ logLevel: 'debug' });
    expect(reads).toEqual(['apps', 'apps', 'apps']);
  });

  it('keeps at most cacheMax namespaces, dropping the least recently used', async () => {
    const { s, reads } = source({}, 2);
    await s.forNamespace('a');
    await s.forNamespace('b');
    await s.forNamespace('c');
    await s.forNamespace('c');
    await s.forNamespace('a');
    expect(reads).toEqual(['a', 'b', 'c', 'a']);
  });
});
