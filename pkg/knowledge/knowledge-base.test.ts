import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, captureLogs, type CapturedLogs } from '#pkg/log/index.ts';
import { KnowledgeBase, KnowledgeError, MAX_DOCUMENT_BYTES } from './index.ts';

let dir: string;
let logs: CapturedLogs;
const open: KnowledgeBase[] = [];

function write(rel: string, text: string): void {
  writeFileSync(join(dir, rel), text);
}

async function openKb(options: { watch?: boolean; debounceMs?: number } = {}): Promise<KnowledgeBase> {
  const kb = await KnowledgeBase.open({ dir, watch: false, ...options, logger: createLogger({ name: 'knowledge-test', level: 'debug', destination: logs.stream }) });
  open.push(kb);
  return kb;
}

const paths = (kb: KnowledgeBase, q: string, limit = 10) => kb.search(q, limit).results.map((r) => r.path);
const logged = (msg: string) => logs.lines.map((l) => JSON.parse(l) as { msg: string; path?: string }).filter((l) => l.msg === msg);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'knowledge-'));
  logs = captureLogs();
  mkdirSync(join(dir, 'guide'));
  mkdirSync(join(dir, '.git'));
  write('kubernetes.md', '# Kubernetes deployment\n\nInstall the chart with helm into a namespace.\n');
  write('guide/cache.md', '# Cache sidecar\n\nThe sidecar answers hits from redis. See [the chart](https://example.com/chart).\n');
  write('guide/queue.md', '## Queues\n\nBullMQ workers drain the backlog; the autoscaler watches lag.\n');
  write('notes.txt', 'kubernetes in a text file is not a document');
  write('.git/HEAD.md', '# kubernetes in a hidden folder');
});

afterEach(() => {
  for (const kb of open.splice(0)) kb.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('KnowledgeBase', () => {
  it('is made only by open(), never half-built by its constructor', () => {
    expect(() => Reflect.construct(KnowledgeBase, [Symbol('KnowledgeBase.open'), '/tmp', undefined, {}, undefined])).toThrow(/KnowledgeBase\.open\(\)/);
  });

  it('indexes the Markdown files of the folder and its subfolders, by relative path', async () => {
    const kb = await openKb();
    expect(kb.ready).toBe(true);
    expect(kb.stats.documents).toBe(3);
    expect(kb.stats.dir).toBe(dir);
    expect(kb.stats.indexedAt).toBeInstanceOf(Date);
    // Not the .txt file, not the hidden folder.
    expect(kb.search('kubernetes', 10).total).toBe(1);
  });

  it('finds by title, by body, by prefix and through a typo', async () => {
    const kb = await openKb();
    expect(paths(kb, 'cache sidecar')[0]).toBe('guide/cache.md');
    expect(paths(kb, 'backlog')).toEqual(['guide/queue.md']);
    expect(paths(kb, 'kuber')).toEqual(['kubernetes.md']);
    expect(paths(kb, 'kubernets')).toEqual(['kubernetes.md']);
    const hit = kb.search('redis', 10).results[0];
    expect(hit).toMatchObject({ title: 'Cache sidecar', path: 'guide/cache.md' });
    expect(hit.snippet).toContain('answers hits from redis');
    expect(hit.snippet).not.toContain('example.com');
    // The file name stands in for a missing level-1 heading.
    expect(kb.search('bullmq', 10).results[0].title).toBe('queue');
  });

  it('respects the limit and reports the total', async () => {
    const kb = await openKb();
    const r = kb.search('the', 1);
    expect(r.total).toBe(3);
    expect(r.results).toHaveLength(1);
  });

  it('reflects a modified, an added and a deleted file after reindex()', async () => {
    const kb = await openKb();
    write('kubernetes.md', '# Kubernetes deployment\n\nNow with argocd.\n');
    write('guide/new.md', '# Flamingo\n\nA brand new page.\n');
    unlinkSync(join(dir, 'guide/queue.md'));
    expect(paths(kb, 'argocd')).toEqual([]);
    const result = await kb.reindex();
    expect(result.documents).toBe(3);
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(paths(kb, 'argocd')).toEqual(['kubernetes.md']);
    expect(paths(kb, 'flamingo')).toEqual(['guide/new.md']);
    expect(paths(kb, 'backlog')).toEqual([]);
    expect(paths(kb, 'helm')).toEqual([]);
  });

  it('skips and logs a file it cannot read, and indexes the rest', async () => {
    truncateSync(join(dir, 'guide/cache.md'), MAX_DOCUMENT_BYTES + 1);
    const kb = await openKb();
    expect(kb.stats.documents).toBe(2);
    expect(paths(kb, 'kubernetes')).toEqual(['kubernetes.md']);
    expect(logged('knowledge: skipped a document that cannot be read or parsed').map((l) => l.path)).toEqual(['guide/cache.md']);
  });

  it('refuses to open a missing folder, naming it', async () => {
    const missing = join(dir, 'nope');
    const err = await KnowledgeBase.open({ dir: missing, watch: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KnowledgeError);
    expect((err as KnowledgeError).code).toBe('knowledge_dir_unreadable');
    expect((err as KnowledgeError).message).toContain(missing);
  });

  it('keeps the previous index and rejects when the folder goes away', async () => {
    const kb = await openKb();
    rmSync(dir, { recursive: true, force: true });
    await expect(kb.reindex()).rejects.toMatchObject({ code: 'knowledge_dir_unreadable' });
    expect(paths(kb, 'kubernetes')).toEqual(['kubernetes.md']);
  });

  it('coalesces concurrent reindex calls into the running one and one more, which sees changes made meanwhile', async () => {
    const kb = await openKb();
    const builds = logged('knowledge: index rebuilt').length;
    const first = kb.reindex();
    write('guide/late.md', '# Late arrival\n');
    const second = kb.reindex();
    const third = kb.reindex();
    expect(third).toBe(second);
    const [, b, c] = await Promise.all([first, second, third]);
    expect(b).toBe(c);
    // Whether the first build read the folder before or after the write, the second one is sure to see it.
    expect(b.documents).toBe(4);
    expect(logged('knowledge: index rebuilt').length - builds).toBe(2);
    expect(paths(kb, 'arrival')).toEqual(['guide/late.md']);
  });

  it('answers searches from the previous index while a reindex runs', async () => {
    const kb = await openKb();
    write('guide/other.md', '# Other\n\nhelm again\n');
    let done = false;
    const pending = kb.reindex().finally(() => (done = true));
    let turns = 0;
    // Every event-loop turn of the rebuild (file reads, index chunks) still answers from the old index.
    while (!done) {
      expect(paths(kb, 'helm')).toEqual(['kubernetes.md']);
      turns++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await pending;
    expect(turns).toBeGreaterThan(1);
    expect(paths(kb, 'helm').sort()).toEqual(['guide/other.md', 'kubernetes.md']);
  });

  it('picks up a burst of changes through the watcher with one reindex', async () => {
    const kb = await openKb({ watch: true, debounceMs: 500 });
    for (let i = 0; i < 5; i++) write(`guide/burst-${i}.md`, `# Burst ${i}\n\nzebrafish ${i}\n`);
    await vi.waitFor(() => expect(kb.search('zebrafish', 10).total).toBe(5), { timeout: 15_000, interval: 50 });
    expect(logged('knowledge: reindexed after a change')).toHaveLength(1);
  });

  it('stops watching on close()', async () => {
    const kb = await openKb({ watch: true, debounceMs: 10 });
    kb.close();
    expect(kb.ready).toBe(false);
    write('guide/after.md', '# After close\n');
    // Searches still answer from the last index; only an explicit reindex sees the new file.
    expect(paths(kb, 'after')).toEqual([]);
    await kb.reindex();
    expect(paths(kb, 'after')).toEqual(['guide/after.md']);
    expect(logged('knowledge: reindexed after a change')).toHaveLength(0);
  });
});
