/**
 * A deterministic Markdown corpus for bench:app: operations-handbook pages
 * built from a seeded generator over a technical vocabulary, with headings,
 * paragraphs, lists, code blocks, tables and links, a few KB each. The same
 * seed always yields the same bytes, so runs on different days index the same text.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { seededRandom } from '../sim/rng.ts';

export interface CorpusDocument {
  /** Relative path, `/`-separated. */
  path: string;
  markdown: string;
}

const TOPICS = [
  'kubernetes', 'autoscaler', 'cache', 'redis', 'sidecar', 'queue', 'worker', 'backlog', 'latency', 'throughput',
  'tenant', 'namespace', 'deployment', 'replica', 'helm', 'chart', 'ingress', 'certificate', 'secret', 'token',
  'circuit', 'breaker', 'fallback', 'retry', 'timeout', 'provider', 'model', 'prompt', 'stream', 'upstream',
  'metrics', 'histogram', 'percentile', 'dashboard', 'alert', 'prometheus', 'telemetry', 'trace', 'span', 'exporter',
  'cluster', 'failover', 'sentinel', 'snapshot', 'eviction', 'memory', 'ttl', 'policy', 'quota', 'limit',
  'rollout', 'canary', 'flag', 'feature', 'migration', 'schema', 'index', 'search', 'snippet', 'ranking',
  'webhook', 'controller', 'reconcile', 'lease', 'election', 'informer', 'scale', 'stability', 'window', 'cooldown',
  'pipeline', 'batch', 'transaction', 'script', 'lock', 'idempotency', 'payload', 'header', 'session', 'cookie',
];
const VERBS = [
  'configure', 'deploy', 'monitor', 'rotate', 'restart', 'drain', 'scale', 'inspect', 'debug', 'tune',
  'validate', 'enable', 'disable', 'upgrade', 'rollback', 'measure', 'cache', 'retry', 'throttle', 'isolate',
];
const FILLER = [
  'the', 'a', 'each', 'every', 'when', 'before', 'after', 'while', 'unless', 'so', 'then', 'with', 'without',
  'from', 'into', 'per', 'across', 'under', 'over', 'by', 'and', 'or', 'but', 'not', 'only', 'also', 'first',
  'its', 'their', 'this', 'that', 'one', 'two', 'many', 'few', 'small', 'large', 'slow', 'fast', 'stale', 'fresh',
  'shared', 'local', 'remote', 'healthy', 'degraded', 'pending', 'ready', 'default', 'explicit', 'bounded',
];
const SECTIONS = ['Overview', 'Configuration', 'Operations', 'Troubleshooting', 'Metrics', 'Limits', 'Examples', 'Recovery', 'Security', 'Reference'];
const FOLDERS = ['platform', 'runbooks', 'guides', 'reference', 'incidents', 'design', 'howto', 'teams'];


export function generateCorpus(count: number, seed = 42): CorpusDocument[] {
  const rnd = seededRandom(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  // Squaring skews picks toward the head of the list: a few topics are common, most are rare, as in real docs.
  const topic = () => TOPICS[Math.floor(rnd() * rnd() * TOPICS.length)];
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
  const sentence = () => {
    const words = Array.from({ length: int(8, 18) }, () => (rnd() < 0.35 ? topic() : rnd() < 0.15 ? pick(VERBS) : pick(FILLER)));
    if (rnd() < 0.15) words[int(0, words.length - 1)] = `\`${pick(VERBS)}_${topic()}\``;
    if (rnd() < 0.1) words[int(0, words.length - 1)] = `[${topic()} notes](https://docs.example.com/${topic()}/${int(1, 999)})`;
    const text = words.join(' ');
    return `${text[0].toUpperCase()}${text.slice(1)}.`;
  };
  const paragraph = () => Array.from({ length: int(2, 5) }, sentence).join(' ');

  const docs: CorpusDocument[] = [];
  for (let i = 0; i < count; i++) {
    const subject = `${topic()} ${topic()}`;
    const verb = pick(VERBS);
    const title = `${verb[0].toUpperCase()}${verb.slice(1)} the ${subject} ${i}`;
    const parts = [`# ${title}`, '', paragraph(), ''];
    for (const section of Array.from({ length: int(3, 6) }, () => pick(SECTIONS))) {
      parts.push(`## ${section}: ${topic()}`, '', paragraph(), '');
      const extra = rnd();
      if (extra < 0.25) {
        parts.push(...Array.from({ length: int(2, 5) }, () => `- ${sentence()}`), '');
      } else if (extra < 0.4) {
        parts.push('```sh', `kubectl -n ${topic()} ${pick(VERBS)} deploy/${topic()}-${topic()} --timeout=${int(5, 90)}s`, '```', '');
      } else if (extra < 0.5) {
        parts.push('| setting | value |', '|---|---|', ...Array.from({ length: int(2, 4) }, () => `| \`${topic()}_${topic()}\` | ${int(1, 500)} |`), '');
      }
      if (rnd() < 0.5) parts.push(paragraph(), '');
    }
    docs.push({ path: `${FOLDERS[i % FOLDERS.length]}/${String(i).padStart(4, '0')}-${subject.replace(' ', '-')}.md`, markdown: parts.join('\n') });
  }
  return docs;
}

export function writeCorpus(dir: string, docs: readonly CorpusDocument[]): void {
  for (const doc of docs) {
    const file = join(dir, doc.path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, doc.markdown);
  }
}
