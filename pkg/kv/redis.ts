/**
 * The `redis` backend on ioredis 6, built to fail fast: no offline queue, no
 * per-request retries, a short connect timeout, a per-command timeout, and a
 * reconnect loop with capped backoff that never gives up, so Redis is found
 * again after an outage. Every failure rejects at once with a CacheError of
 * kind `unavailable` or `timeout`.
 *
 * One round trip per call: `get` sends GET and PTTL in one write, `mget` is
 * a Lua script returning values and PTTLs, `mset` is MULTI/EXEC,
 * `transaction` a validating Lua script (all or nothing).
 *
 * Batching without ioredis' auto-pipelining: the connection's socket is
 * corked from the first command of an event-loop turn until the next check
 * phase, so everything sent in one turn (the GET and PTTL of every request
 * parsed in it) leaves in one write, as auto-pipelining would send it. The
 * commands themselves go straight to the connection. Auto-pipelining builds
 * a Pipeline, a promise and a callback list per batch and a second promise
 * per command; without them the sidecar's GET hit costs about a quarter less
 * CPU (docs/kv.md). A Cluster keeps auto-pipelining: it has a socket per node.
 *
 * The sidecar's GET hit goes one step further (`readBytesInto`): its GET and
 * PTTL are sink commands (sink-commands.ts) that hand the replies to the
 * waiting request without a promise.
 */
import { tracingChannel } from 'node:diagnostics_channel';
import { Cluster, Redis, type ClusterOptions, type Command, type RedisOptions } from 'ioredis';
import { secrets, type Logger } from '#pkg/log/index.ts';
import { CacheError } from './errors.ts';
import { DEFAULT_PREFIX, encodeKey, validateKey, validateNamespace, validatePrefix } from './keys.ts';
import { redisError } from './redis-errors.ts';
import { ownBytes } from './reply-bytes.ts';
import { GetIntoSink, PttlIntoSink, asCommand } from './sink-commands.ts';
import { MGET_SCRIPT, TX_SCRIPT, entryOf, txRefusal, txResultsOf, tenantTxScriptArgs } from './scripts.ts';
import { validateBatch, validateStoreTtl, validateMsetItems } from './validate.ts';
import type { BytesSink, CacheStore, Namespace, OpOptions, RawBytesEntry, RawEntry, RawItem, TxOp, TxResult } from './types.ts';

/** ioredis' command tracing (`traceCommand`): while something subscribes to it, it needs each command's promise. */
const commandTracing = tracingChannel('ioredis:command');

export type BackendStatus = 'connected' | 'connecting' | 'down';

export interface RedisStoreOptions {
  /** `redis://[:password@]host:port[/db]` (or `rediss://`). Default `redis://127.0.0.1:6379`. */
  url?: string;
  /** Key prefix. Default `pilotfish`. */
  prefix?: string;
  /** Per-command timeout in ms; 0 disables it (for callers that enforce their own deadline, saving a timer per call). Default 100. */
  commandTimeoutMs?: number;
  /** TCP connect timeout in ms. Default 1000. */
  connectTimeoutMs?: number;
  /** First reconnect delay in ms, doubled per attempt. Default 50. */
  reconnectBaseMs?: number;
  /** Longest reconnect delay in ms; reconnection never stops. Default 1000. */
  reconnectMaxMs?: number;
  /** Extra ioredis options, applied last (the fail-fast settings above are the defaults they override). */
  redisOptions?: RedisOptions;
  /**
   * Seed nodes of a Redis Cluster (`redis://[:password@]host:port`, each); when
   * given, `url` is ignored. Every op touches one tenant, whose keys share a
   * hash slot, so scripts and MULTI work unchanged.
   */
  clusterNodes?: string[];
  /** Extra ioredis Cluster options, applied last. */
  clusterOptions?: ClusterOptions;
  /** Connection state changes are logged here (once per change, not per retry). */
  logger?: Logger;
}

interface ScriptedRedis extends Redis {
  pfmget(numKeys: number, ...keys: string[]): Promise<unknown[]>;
  pftx(numKeys: number, ...keysAndArgs: string[]): Promise<unknown>;
}

/** The retry delay before reconnect attempt `times` (1-based): doubling from `base`, capped at `max`, with ±20 % jitter. */
export function reconnectDelay(times: number, base: number, max: number, random: () => number = Math.random): number {
  const raw = Math.min(max, base * 2 ** Math.min(Math.max(times - 1, 0), 16));
  return Math.max(1, Math.round(raw * (0.8 + 0.4 * random())));
}

export class RedisStore implements CacheStore {
  readonly backend = 'redis' as const;
  readonly prefix: string;
  /** The ioredis client (a `Cluster` when `clusterNodes` is given). */
  readonly client: Redis | Cluster;
  readonly #redis: ScriptedRedis;
  readonly #logger?: Logger;
  #status: BackendStatus = 'connecting';
  #closed = false;

  constructor(options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    validatePrefix(this.prefix);
    this.#logger = options.logger;
    const base = options.reconnectBaseMs ?? 50;
    const max = options.reconnectMaxMs ?? 1000;
    const commandTimeout = options.commandTimeoutMs ?? 100;
    const connectTimeout = options.connectTimeoutMs ?? 1000;
    const perConnection: RedisOptions = {
      protocol: 2,
      maxRetriesPerRequest: 0,
      connectTimeout,
      ...(commandTimeout > 0 ? { commandTimeout } : {}),
      connectionName: 'pilotfish-cache',
      autoResubscribe: false,
    };
    let client: Redis | Cluster;
    if (options.clusterNodes?.length) {
      const seeds = options.clusterNodes.map(parseNode);
      for (const node of options.clusterNodes) secrets.addUrlPassword(node);
      const auth = seeds.find((s) => s.password);
      client = new Cluster(seeds.map(({ host, port }) => ({ host, port })), {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times: number) => reconnectDelay(times, base, max),
        slotsRefreshTimeout: connectTimeout,
        redisOptions: { ...perConnection, ...(auth ? { username: auth.username, password: auth.password } : {}), ...options.redisOptions },
        ...options.clusterOptions,
      });
    } else {
      const url = options.url ?? 'redis://127.0.0.1:6379';
      secrets.addUrlPassword(url);
      client = new Redis(url, {
        ...perConnection,
        enableAutoPipelining: false,
        enableOfflineQueue: false,
        retryStrategy: (times: number) => reconnectDelay(times, base, max),
        ...options.redisOptions,
      });
    }
    // Redis and Cluster share the command interface this store uses.
    const redis = client as unknown as ScriptedRedis;
    redis.defineCommand('pfmget', { lua: MGET_SCRIPT });
    redis.defineCommand('pftx', { lua: TX_SCRIPT });
    redis.on('ready', () => this.#transition('connected'));
    redis.on('close', () => this.#transition('down'));
    redis.on('error', (err: Error) => this.#transition('down', err));
    this.#redis = redis;
    this.client = client;
    this.#socketOf = client instanceof Redis ? () => client.stream : () => undefined;
    this.#sinkCommands = client instanceof Redis;
  }

  /** Whether `readBytesInto` may send sink commands (not on a Cluster). */
  readonly #sinkCommands: boolean;

  readonly #socketOf: () => Redis['stream'] | undefined;
  #corked = false;

  /** The client, with this turn's commands held back to leave in one write (see the file's comment). */
  get #send(): ScriptedRedis {
    if (!this.#corked) {
      const socket = this.#socketOf();
      if (socket) {
        this.#corked = true;
        socket.cork();
        setImmediate(() => {
          this.#corked = false;
          socket.uncork();
        });
      }
    }
    return this.#redis;
  }

  /** `connected` when commands can be sent; `connecting` before the first connection; `down` after a loss, while reconnecting. */
  status(): BackendStatus {
    return this.#status;
  }

  #transition(next: BackendStatus, err?: Error): void {
    if (this.#closed || next === this.#status) return;
    const prev = this.#status;
    this.#status = next;
    if (next === 'connected') this.#logger?.info({ backend: 'redis' }, 'redis connected');
    else this.#logger?.warn({ backend: 'redis', from: prev, reason: err ? redisError(err).message : 'connection closed' }, 'redis unavailable; reconnecting');
  }

  /** Resolves once connected; rejects with `unavailable` after `timeoutMs`. */
  async waitReady(timeoutMs = 5000): Promise<void> {
    if (this.#status === 'connected') return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#redis.off('ready', onReady);
        reject(new CacheError('unavailable', `redis not ready within ${timeoutMs} ms`));
      }, timeoutMs);
      const onReady = () => { clearTimeout(timer); resolve(); };
      this.#redis.once('ready', onReady);
    });
  }

  /**
   * Sends a command the caller built (the Upstash front's bytes-in, bytes-out
   * commands) in this turn's write, after what was sent before it; resolves
   * with its reply.
   */
  sendCommand(command: Command): Promise<unknown> {
    void this.#send.sendCommand(command);
    return command.promise;
  }

  #call<T>(promise: Promise<T>, options: OpOptions | undefined): Promise<T> {
    const signal = options?.signal;
    if (signal === undefined) return promise.catch(rejectAsCacheError);
    return abortable(promise.catch(rejectAsCacheError), signal);
  }

  get(ns: Namespace, key: string, options?: OpOptions): Promise<RawEntry | null> {
    try {
      validateNamespace(ns);
      validateKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    // GET and PTTL sent together: they leave in one write, so
    // this is one round trip. Measured cheaper than an EVALSHA script doing both
    // (see docs/kv.md); a key that expires between them reads as a miss.
    const stored = encodeKey(this.prefix, ns, key);
    const entry = withTtl(this.#send.get(stored), this.#send.pttl(stored), (json, ttlMs) => ({ json, ttlMs }));
    return this.#call(entry, options);
  }

  /**
   * `get` without transcoding: GETBUFFER hands back the reply's bytes, which
   * the sidecar writes to the socket as they are. Decoding 1 KB to a string
   * and encoding it back cost more CPU than the rest of its GET path.
   */
  getBytes(ns: Namespace, key: string, options?: OpOptions): Promise<RawBytesEntry | null> {
    try {
      validateNamespace(ns);
      validateKey(key);
    } catch (err) {
      return Promise.reject(err);
    }
    const entry = this.getBytesValidated(ns.tenantKey, ns.scope, key);
    return options?.signal ? abortable(entry, options.signal) : entry;
  }

  /**
   * `getBytes` for a tenant, scope and key the caller has already validated
   * (the sidecar's GET hit path): nothing is checked twice, the stored key is
   * built once, and the two replies are joined with no promise layer beyond
   * the two commands' own. Rejects with a CacheError.
   */
  getBytesValidated(tenantKey: string, scope: string, key: string, withTtl = true): Promise<RawBytesEntry | null> {
    return this.getBytesStored(`${this.prefix}:{${tenantKey}}:${scope}:${key}`, withTtl);
  }

  /**
   * `getBytesValidated` by the stored key itself, for a caller that built it already (the sidecar's near cache keys by it).
   * Without `withTtl` only GET is sent, and `ttlMs` is NaN: not known.
   */
  getBytesStored(stored: string, withTtl = true): Promise<RawBytesEntry | null> {
    if (!withTtl) return this.#send.getBuffer(stored).then(bytesWithoutTtl, rejectAsCacheError);
    // One connection answers in order, so GET's reaction runs before PTTL's:
    // it parks the value (or GET's error) where PTTL's reaction reads it.
    let got = false;
    let bytes: Buffer | null = null;
    let getError: unknown;
    const value = this.#send.getBuffer(stored);
    value.then((b) => { got = true; bytes = b; }, (err: unknown) => { got = true; getError = err; });
    return this.#send.pttl(stored).then(
      (ms) => {
        // Out of order (a cluster redirect resending one of the two): wait for GET.
        if (!got) return value.then((b) => bytesEntry(b, ms), rejectAsCacheError);
        if (getError !== undefined) throw redisError(getError);
        return bytesEntry(bytes, ms);
      },
      rejectAsCacheError,
    );
  }

  /**
   * `getBytesValidated` without promises: the answer (or a CacheError) goes to
   * `sink`, from the commands' own reply handling (sink-commands.ts). A
   * Cluster, or ioredis' command tracing when something subscribes to it,
   * takes the promise path instead, since both read the commands' promises.
   */
  readBytesInto(tenantKey: string, scope: string, key: string, withTtl: boolean, sink: BytesSink): void {
    const stored = `${this.prefix}:{${tenantKey}}:${scope}:${key}`;
    if (!this.#sinkCommands || commandTracing.hasSubscribers) {
      this.getBytesStored(stored, withTtl).then((entry) => sink.answer(entry), (err: unknown) => sink.fail(err));
      return;
    }
    const send = this.#send;
    const get = new GetIntoSink(stored, sink, withTtl);
    void send.sendCommand(asCommand(get));
    if (withTtl) void send.sendCommand(asCommand(new PttlIntoSink(stored, get)));
  }

  async set(ns: Namespace, key: string, json: string, ttlMs: number, options?: OpOptions): Promise<void> {
    validateNamespace(ns);
    validateKey(key);
    validateStoreTtl(ttlMs);
    await this.#call(this.#send.set(encodeKey(this.prefix, ns, key), json, 'PX', ttlMs), options);
  }

  async del(ns: Namespace, key: string, options?: OpOptions): Promise<number> {
    validateNamespace(ns);
    validateKey(key);
    return this.#call(this.#send.del(encodeKey(this.prefix, ns, key)), options);
  }

  async mget(ns: Namespace, keys: string[], options?: OpOptions): Promise<(RawEntry | null)[]> {
    validateNamespace(ns);
    validateBatch(keys.length);
    for (const key of keys) validateKey(key);
    if (keys.length === 0) return [];
    const encoded = keys.map((key) => encodeKey(this.prefix, ns, key));
    const reply = await this.#call(this.#send.pfmget(encoded.length, ...encoded), options);
    return keys.map((_, i) => entryOf(reply[i]));
  }

  async mset(ns: Namespace, items: RawItem[], options?: OpOptions): Promise<void> {
    validateMsetItems(ns, items);
    if (items.length === 0) return;
    // MULTI/EXEC: queued commands are checked before EXEC (EXECABORT applies none), and EXEC runs them with nothing in between.
    const multi = this.#send.multi();
    for (const item of items) multi.set(encodeKey(this.prefix, ns, item.key), item.json, 'PX', item.ttlMs);
    const replies = await this.#call(multi.exec().catch(unwrapExecAbort), options);
    if (replies === null) throw new CacheError('conflict', 'mset was discarded by Redis');
    const failed = replies.find(([err]) => err);
    if (failed) throw redisError(failed[0]);
  }

  async transaction(tenantKey: string, ops: TxOp[], options?: OpOptions): Promise<TxResult[]> {
    const { keys, args } = tenantTxScriptArgs(this.prefix, tenantKey, ops);
    try {
      const reply = await this.#call(this.#send.pftx(keys.length, ...keys, ...args), options);
      return txResultsOf(ops, reply);
    } catch (err) {
      const cause = (err as CacheError).cause as Error | undefined;
      throw (cause && txRefusal(String(cause.message), ops)) ?? err;
    }
  }

  async ping(options?: OpOptions): Promise<void> {
    await this.#call(this.#send.ping(), options);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#status = 'down';
    try {
      await this.#redis.quit();
    } catch {
      this.#redis.disconnect();
    }
  }
}

/** EXECABORT hides the reason (OOM, …) in `previousErrors`: surface the first one. */
function unwrapExecAbort(err: unknown): never {
  const previous = (err as { previousErrors?: unknown[] }).previousErrors;
  throw previous?.length ? previous[0] : err;
}

const ignore = (): void => {};

/** A GETBUFFER reply and its PTTL as an entry: null for a missing key or one that expired between the two; -1 for no expiry. */
function bytesEntry(bytes: Buffer | null, ms: number): RawBytesEntry | null {
  if (bytes === null || ms === -2) return null;
  return { bytes: ownBytes(bytes), ttlMs: ms < 0 ? -1 : ms };
}

function bytesWithoutTtl(bytes: Buffer | null): RawBytesEntry | null {
  return bytes === null ? null : { bytes: ownBytes(bytes), ttlMs: Number.NaN };
}

/**
 * Joins a GET and the PTTL sent with it (one auto-pipelined round trip): null
 * for a missing key, or one that expired between the two; -1 for no expiry.
 */
function withTtl<V, E>(value: Promise<V | null>, ttl: Promise<number>, entry: (value: V, ttlMs: number) => E): Promise<E | null> {
  return value.then(
    (v) => {
      if (v === null) {
        ttl.catch(ignore);
        return null;
      }
      return ttl.then((ms) => (ms === -2 ? null : entry(v, ms < 0 ? -1 : ms)));
    },
    (err: unknown) => {
      ttl.catch(ignore);
      throw err;
    },
  );
}

function parseNode(node: string): { host: string; port: number; username?: string; password?: string } {
  let parsed: URL;
  try {
    parsed = new URL(node.includes('://') ? node : `redis://${node}`);
  } catch {
    throw new CacheError('other', 'a cluster node must be host:port or redis://[:password@]host:port');
  }
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}

function rejectAsCacheError(err: unknown): never {
  throw redisError(err);
}

/** Settles with `promise`, or rejects as `unavailable` as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(new CacheError('unavailable', 'operation aborted'));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new CacheError('unavailable', 'operation aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
      (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
    );
  });
}
