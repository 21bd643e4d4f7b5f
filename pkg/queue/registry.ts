import type { Redis } from 'ioredis';

/** Key of the live-worker hash of a queue (outside BullMQ's own keys, so `obliterate` leaves it alone). */
export function workersKey(prefix: string, queue: string): string {
  return `pilotfish:queue-workers:${prefix}:${queue}`;
}

interface WorkerEntry {
  /** Configured concurrency. */
  c: number;
  /** ms epoch after which the entry is dead. */
  exp: number;
}

/** Pure: live workers and their total concurrency from the hash's fields. */
export function liveWorkers(fields: Record<string, string>, now: number): { workers: number; totalConcurrency: number; expired: string[] } {
  let workers = 0;
  let totalConcurrency = 0;
  const expired: string[] = [];
  for (const [id, raw] of Object.entries(fields)) {
    let entry: Partial<WorkerEntry> | undefined;
    try {
      entry = JSON.parse(raw) as Partial<WorkerEntry>;
    } catch {
      entry = undefined;
    }
    if (!entry || typeof entry.exp !== 'number' || typeof entry.c !== 'number' || entry.exp < now) {
      expired.push(id);
      continue;
    }
    workers++;
    totalConcurrency += entry.c;
  }
  return { workers, totalConcurrency, expired };
}

export interface HeartbeatOptions {
  redis: Redis;
  queue: string;
  /** BullMQ prefix. Default 'bull'. */
  prefix?: string;
  /** Unique per worker process. */
  id: string;
  concurrency: () => number;
  /** Default 5000 ms; an entry lives 3 intervals. */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

/**
 * Announces a worker's concurrency every interval (one HSET + PEXPIRE,
 * pipelined): the collector sums live entries into the queue's capacity.
 * Independent of job rate: never a command per job.
 */
export class WorkerHeartbeat {
  readonly #options: HeartbeatOptions;
  readonly #key: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: HeartbeatOptions) {
    this.#options = options;
    this.#key = workersKey(options.prefix ?? 'bull', options.queue);
  }

  start(): void {
    const interval = this.#options.intervalMs ?? 5000;
    void this.beat();
    this.#timer = setInterval(() => void this.beat(), interval);
    this.#timer.unref();
  }

  async beat(): Promise<void> {
    const interval = this.#options.intervalMs ?? 5000;
    const entry: WorkerEntry = { c: this.#options.concurrency(), exp: Date.now() + 3 * interval };
    try {
      await this.#options.redis.multi().hset(this.#key, this.#options.id, JSON.stringify(entry)).pexpire(this.#key, 6 * interval).exec();
    } catch (err) {
      this.#options.onError?.(err);
    }
  }

  /** Stops beating and removes the entry (best effort). */
  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    try {
      await this.#options.redis.hdel(this.#key, this.#options.id);
    } catch (err) {
      this.#options.onError?.(err);
    }
  }
}
