import { describe, expect, it } from 'vitest';
import { buildIndex, buildIndexSync, type KnowledgeDocument } from './engine.ts';
import { KnowledgeError } from './errors.ts';

const doc = (id: string, title: string, text: string, headings: string[] = []): KnowledgeDocument => ({ id, path: id, title, headings, text });

const docs = [
  doc('autoscaler.md', 'Queue autoscaler', 'Scales worker deployments on backlog and lag.', ['Scaling policy']),
  doc('cache.md', 'Cache sidecar', 'Serves hits from redis with a ttl policy. The autoscaler is elsewhere.'),
  doc('notes.md', 'Notes', 'Redis notes. Redis again. Redis keeps cache entries.', ['Redis']),
  doc('k8s.md', 'Deploying', 'Install on kubernetes with helm.'),
];

describe('search index', () => {
  const index = buildIndexSync(docs);

  it('ranks a title match above a passing mention in another body', () => {
    const r = index.search('autoscaler', 10);
    expect(r.results.map((h) => h.path)).toEqual(['autoscaler.md', 'cache.md']);
    expect(r.results[0].score).toBeGreaterThan(r.results[1].score);
  });

  it('reports the normalised query, the total before the limit, and sorted scores', () => {
    const r = index.search('  REDIS ', 1);
    expect(r.query).toBe('redis');
    expect(r.total).toBe(2);
    expect(r.results).toHaveLength(1);
    const all = index.search('redis cache', 10).results.map((h) => h.score);
    expect(all).toEqual([...all].sort((a, b) => b - a));
  });

  it('boosts headings over body text', () => {
    // notes.md has `redis` in a heading; cache.md only once in its body.
    expect(index.search('redis', 10).results[0].path).toBe('notes.md');
  });

  it('matches the last term as a prefix, and terms of 4+ characters with a typo', () => {
    expect(index.search('kuber', 10).results.map((h) => h.path)).toEqual(['k8s.md']);
    expect(index.search('kubernets', 10).results.map((h) => h.path)).toEqual(['k8s.md']);
    expect(index.search('helm kuber', 10).results.map((h) => h.path)).toEqual(['k8s.md']);
  });

  it('does not match short terms fuzzily or earlier terms as prefixes', () => {
    expect(index.search('tll', 10).total).toBe(0);
    expect(index.search('kuber helm', 10).results[0]?.path).toBe('k8s.md');
    expect(index.search('kuber zzzz', 10).total).toBe(0);
  });

  it('answers an empty result for a query of no terms', () => {
    expect(index.search('   ', 10)).toEqual({ query: '', total: 0, results: [] });
    expect(index.search('!!!', 10).total).toBe(0);
  });

  it('carries a snippet of the matched text', () => {
    expect(index.search('helm', 10).results[0].snippet).toBe('Install on kubernetes with helm.');
  });

  it('refuses a limit outside 1-50', () => {
    expect(() => index.search('redis', 0)).toThrow(KnowledgeError);
    expect(() => index.search('redis', 51)).toThrow(KnowledgeError);
  });

  it('builds the same index asynchronously', async () => {
    const async = await buildIndex(docs, 1);
    expect(async.documents).toBe(4);
    expect(async.search('redis cache', 10)).toEqual(index.search('redis cache', 10));
  });
});
