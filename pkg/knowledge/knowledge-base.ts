/**
 * The knowledge base: the index of a Markdown folder, rebuilt when the folder
 * changes. A rebuild reads and indexes off to the side and then swaps one
 * reference, so searches keep answering from the previous index meanwhile and
 * never see a half-built one.
 */
import { watch, type FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { createLogger, type Logger } from '#pkg/log/index.ts';
import { buildIndex, type SearchIndex, type SearchResponse } from './engine.ts';
import { isRelevantChange } from './files.ts';
import { loadDocuments } from './loader.ts';

export interface KnowledgeBaseOptions {
  /** The Markdown folder, searched recursively. */
  dir: string;
  /** Reindex when the folder changes. Default true. */
  watch?: boolean;
  /** Quiet time after the last change before reindexing: a burst of changes reindexes once. Default 250. */
  debounceMs?: number;
  logger?: Logger;
}

export interface ReindexResult {
  documents: number;
  /** Wall time of the rebuild, in milliseconds. */
  ms: number;
}

export interface KnowledgeStats {
  documents: number;
  indexedAt: Date;
  dir: string;
}

interface Built {
  index: SearchIndex;
  indexedAt: Date;
}

/** Held only by `open()`: JavaScript has no private constructor, and a KnowledgeBase always starts with its first index built. */
const OPENING: unique symbol = Symbol('KnowledgeBase.open');

export class KnowledgeBase {
  readonly dir: string;
  readonly #logger: Logger;
  readonly #debounceMs: number;
  #current: Built;
  #running: Promise<ReindexResult> | undefined;
  #queued: Promise<ReindexResult> | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** Use `KnowledgeBase.open()`. */
  constructor(token: typeof OPENING, dir: string, built: Built, options: KnowledgeBaseOptions, logger: Logger) {
    if (token !== OPENING) throw new TypeError('a KnowledgeBase is made by KnowledgeBase.open()');
    this.dir = dir;
    this.#current = built;
    this.#logger = logger;
    this.#debounceMs = options.debounceMs ?? 250;
  }

  /** Builds the first index; a folder that is missing or cannot be read throws a KnowledgeError naming it. */
  static async open(options: KnowledgeBaseOptions): Promise<KnowledgeBase> {
    const dir = resolve(options.dir);
    const logger = options.logger ?? createLogger({ name: 'knowledge' });
    const { built, result } = await build(dir, logger);
    const kb = new KnowledgeBase(OPENING, dir, built, options, logger);
    if (options.watch ?? true) kb.#startWatching();
    logger.info({ documents: result.documents, ms: Math.round(result.ms) }, 'knowledge: index built');
    return kb;
  }

  /** Runs `query` (normalised here as well) against the current index. Throws KnowledgeError for a bad limit. */
  search(query: string, limit: number): SearchResponse {
    return this.#current.index.search(query, limit);
  }

  /**
   * Rebuilds from the folder. A call while a rebuild runs does not share it
   * (the folder may have changed after it read the files): it waits for one
   * more rebuild, which every call arriving meanwhile shares. When the folder
   * cannot be read the previous index stays and the call rejects.
   */
  reindex(): Promise<ReindexResult> {
    if (this.#queued) return this.#queued;
    if (this.#running) {
      this.#queued = this.#running.catch(() => undefined).then(() => {
        this.#queued = undefined;
        return this.#runOnce();
      });
      return this.#queued;
    }
    return this.#runOnce();
  }

  get stats(): KnowledgeStats {
    return { documents: this.#current.index.documents, indexedAt: this.#current.indexedAt, dir: this.dir };
  }

  /** True from open() until close(): an index always exists in between. */
  get ready(): boolean {
    return !this.#closed;
  }

  /** Stops watching; searches keep answering from the last index. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #runOnce(): Promise<ReindexResult> {
    const run = build(this.dir, this.#logger).then(({ built, result }) => {
      this.#current = built;
      return result;
    });
    this.#running = run;
    const clear = () => {
      if (this.#running === run) this.#running = undefined;
    };
    run.then(clear, clear);
    return run;
  }

  #startWatching(): void {
    this.#watcher = watch(this.dir, { recursive: true, persistent: false }, (_event, filename) => {
      if (!this.#closed && isRelevantChange(filename)) this.#schedule();
    });
    this.#watcher.on('error', (err) => {
      this.#logger.error({ err }, 'knowledge: watching the folder failed; reindex through the API');
      this.#watcher?.close();
      this.#watcher = undefined;
    });
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.reindex().then(
        (r) => this.#logger.info({ documents: r.documents, ms: Math.round(r.ms) }, 'knowledge: reindexed after a change'),
        (err) => this.#logger.error({ err }, 'knowledge: reindex after a change failed; the previous index keeps answering'),
      );
    }, this.#debounceMs);
    this.#timer.unref();
  }
}

async function build(dir: string, logger: Logger): Promise<{ built: Built; result: ReindexResult }> {
  const started = performance.now();
  const { documents, skipped } = await loadDocuments(dir, logger);
  const index = await buildIndex(documents);
  logger.debug({ documents: index.documents, skipped: skipped.length }, 'knowledge: index rebuilt');
  return { built: { index, indexedAt: new Date() }, result: { documents: index.documents, ms: performance.now() - started } };
}
