import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import {
  CacheError, backendFailure, isValidName, validateKey, effectiveTtl, parseRequestedTtl, txResultJson,
  type CacheErrorKind, type CacheMetrics, type CacheOp, type CacheStore, type TtlPolicy,
} from '#pkg/kv/index.ts';
import { HttpError, readBody, parseJson, sendError, methodNotAllowed, unauthorized } from '#pkg/http/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import { parseRoute, ttlParam } from './route.ts';
import { parseMget, parseMset, parseTx } from './input.ts';
import { sendHit, sendMiss, sendUnavailable, sendNoContent, sendJsonText } from './respond.ts';
import type { BackendGuard } from './guard.ts';
import type { DeadlineSweeper } from './deadlines.ts';
import { PendingGet, type PendingGetOutcomes } from './pending-get.ts';
import { isUpstashPath } from './upstash/index.ts';
import type { NearLayer } from './near-cache/index.ts';
import { sendLayeredHit } from './near-cache/respond.ts';
import { AnswerBatch } from './near-cache/answer-batch.ts';

/**
 * This edge's status for each kind of CacheError it answers as an error.
 * `unavailable`, `timeout` and `other` never get here as errors (they answer
 * 503 `X-Cache: unavailable`, see `fail`); their 503 is what a caller reading
 * the status alone should take them for.
 */
export const STATUS_BY_KIND: Readonly<Record<CacheErrorKind, number>> = Object.freeze({
  unavailable: 503,
  timeout: 503,
  invalid_key: 400,
  invalid_namespace: 400,
  invalid_ttl: 400,
  invalid_value: 400,
  too_large: 413,
  wrong_type: 409,
  conflict: 409,
  other: 503,
});

export interface DataHandlerOptions {
  store: CacheStore;
  policy: TtlPolicy;
  guard: BackendGuard;
  deadlines: DeadlineSweeper;
  metrics: CacheMetrics;
  logger: Logger;
  /** When set, the data API demands `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest stored value, in bytes of JSON. */
  maxValueBytes: number;
  /** Largest batch or transaction body, in bytes. */
  maxBatchBodyBytes: number;
  /** Serves `/upstash` and below (the Upstash REST protocol, its own token auth) when set. */
  upstash?: (req: IncomingMessage, res: ServerResponse) => void;
  /** The near cache in front of the backend. Default: none (every GET goes to the backend). */
  near?: NearLayer;
  /**
   * GET hits answer `X-Cache-TTL`. Default true. False leaves it out and, on the
   * redis backend without the near cache, sends GET alone instead of GET and PTTL.
   */
  ttlHeader?: boolean;
}

/**
 * The data API over one CacheStore. Bad input is answered before the backend
 * is touched; backend failures and timeouts become 503 `X-Cache: unavailable`
 * within the op timeout; while the guard is open the backend is skipped.
 */
export function createDataHandler(options: DataHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, policy, guard, deadlines, metrics, logger } = options;
  const backend = store.backend;
  const getBytes = store.getBytes?.bind(store);
  const getValidated = store.getBytesValidated?.bind(store);
  const readInto: CacheStore['readBytesInto'] = store.readBytesInto?.bind(store)
    ?? (getValidated && ((tenant, scope, key, withTtl, sink) => {
      getValidated(tenant, scope, key, withTtl).then((entry) => sink.answer(entry), (err: unknown) => sink.fail(err));
    }));
  const expectedAuth = options.token ? Buffer.from(`Bearer ${options.token}`) : undefined;
  const ttlHeader = options.ttlHeader ?? true;
  const hitTtl = (ttlMs: number): number | undefined => (ttlHeader ? ttlMs : undefined);

  const authorized = (req: IncomingMessage): boolean => {
    if (!expectedAuth) return true;
    const given = req.headers.authorization;
    if (typeof given !== 'string') return false;
    // Node decodes header bytes as latin1: encoding back the same way gets the bytes sent, so a
    // non-ASCII header cannot differ in length from its string and throw in timingSafeEqual.
    const givenBytes = Buffer.from(given, 'latin1');
    return givenBytes.length === expectedAuth.length && timingSafeEqual(givenBytes, expectedAuth);
  };

  const fail = (res: ServerResponse, op: CacheOp, scope: string, err: unknown): void => {
    if (err instanceof CacheError) {
      if (err.degraded) {
        metrics.bound(op, backend, scope).unavailable.inc();
        metrics.error(op, err.kind, backend);
        return sendUnavailable(res, backend);
      }
      if (err.uncached) {
        // An unexpected backend failure: the app goes on uncached, as it does in process (StoreCache).
        metrics.bound(op, backend, scope).error.inc();
        metrics.error(op, err.kind, backend);
        logger.error({ err, op }, 'cache backend failed unexpectedly');
        return sendUnavailable(res, backend);
      }
      metrics.bound(op, backend, scope).error.inc();
      metrics.error(op, err.kind, backend);
      return sendError(res, new HttpError(STATUS_BY_KIND[err.kind], err.code, err.message), { 'x-cache-backend': backend });
    }
    if (err instanceof HttpError) return sendError(res, err, { 'x-cache-backend': backend });
    metrics.bound(op, backend, scope).error.inc();
    metrics.error(op, 'other', backend);
    logger.error({ err, op }, 'cache op failed');
    sendError(res, err, { 'x-cache-backend': backend });
  };

  /**
   * Runs one backend call under the guard and the op deadline. Exactly one of
   * `answer(value)` or an unavailable/error answer is sent.
   */
  function run<T>(res: ServerResponse, op: CacheOp, scope: string, call: () => Promise<T>, answer: (value: T) => void): void {
    if (!guard.closed) {
      metrics.bound(op, backend, scope).unavailable.inc();
      return sendUnavailable(res, backend);
    }
    const t0 = performance.now();
    const deadline = deadlines.start(() => {
      guard.failure('timeout');
      metrics.bound(op, backend, scope).unavailable.inc();
      metrics.error(op, 'timeout', backend);
      sendUnavailable(res, backend);
    });
    call().then(
      (value) => {
        if (!deadlines.settle(deadline)) return;
        guard.success();
        metrics.durationOf(op, backend).observe((performance.now() - t0) / 1000);
        answer(value);
      },
      (err) => {
        if (!deadlines.settle(deadline)) return;
        const failure = backendFailure(err);
        if (failure.degraded) guard.failure(failure.kind);
        fail(res, op, scope, failure);
      },
    );
  }

  const badNamespace = (res: ServerResponse, op: CacheOp, tenant: string, scope: string | undefined): boolean => {
    if (isValidName(tenant) && (scope === undefined || isValidName(scope))) return false;
    fail(res, op, '_invalid', new CacheError('invalid_namespace', 'tenant and scope must match [A-Za-z0-9._-]{1,64}'));
    return true;
  };

  /** A GET's checks before any read: namespace, key, open breaker. Its metrics when it may go on; undefined once answered. */
  const admitGet = (res: ServerResponse, tenant: string, scope: string, key: string) => {
    if (badNamespace(res, 'get', tenant, scope)) return undefined;
    try {
      validateKey(key);
    } catch (err) {
      fail(res, 'get', '_invalid', err);
      return undefined;
    }
    const m = metrics.gets(backend, scope);
    if (!guard.closed) {
      m.unavailable.inc();
      sendUnavailable(res, backend);
      return undefined;
    }
    return m;
  };
  type GetMetrics = NonNullable<ReturnType<typeof admitGet>>;

  /** A GET's op deadline fired first: the breaker hears a timeout and the caller gets `unavailable`. */
  const getTimedOut = (res: ServerResponse, m: GetMetrics): void => {
    guard.failure('timeout');
    m.unavailable.inc();
    metrics.error('get', 'timeout', backend);
    sendUnavailable(res, backend);
  };

  /** A GET the backend answered in time: hit (with `X-Cache-Layer: backend` when the near cache is on) or miss. */
  const getAnswered = (res: ServerResponse, m: GetMetrics, t0: number, entry: { bytes: Buffer; ttlMs: number } | null, layered: boolean): void => {
    guard.success();
    m.duration.observe((deadlines.now() - t0) / 1000);
    if (entry === null) {
      m.miss.inc();
      return sendMiss(res, backend);
    }
    m.hit.inc();
    if (layered) sendLayeredHit(res, backend, entry.bytes, hitTtl(entry.ttlMs), 'backend');
    else sendHit(res, backend, entry.bytes, hitTtl(entry.ttlMs));
  };

  const getFailed = (res: ServerResponse, scope: string, err: unknown): void => {
    const failure = backendFailure(err);
    if (failure.degraded) guard.failure(failure.kind);
    fail(res, 'get', scope, failure);
  };

  const getOutcomes: PendingGetOutcomes<GetMetrics> = {
    timedOut: getTimedOut,
    answered: (res, m, t0, entry) => getAnswered(res, m, t0, entry, false),
    failed: getFailed,
  };

  /**
   * The GET hit path, each thing once: the namespace and key validated here
   * (the store does not check again), one map lookup for the metrics, one
   * record that is both the deadline and where the store's answer goes (no
   * promise with the redis backend), the answer in one write.
   */
  const fastGet = (res: ServerResponse, tenant: string, scope: string, key: string, read: NonNullable<typeof readInto>): void => {
    const m = admitGet(res, tenant, scope, key);
    if (!m) return;
    const t0 = deadlines.now();
    const pending = new PendingGet(deadlines.deadlineFrom(t0), t0, scope, res, m, getOutcomes);
    deadlines.track(pending);
    read(tenant, scope, key, ttlHeader, pending);
  };

  const near = options.near;
  const nearAnswers = near ? new AnswerBatch(backend) : undefined;
  /**
   * GET with the near cache on: a copy in memory answers with no deadline
   * or promise (the turn's first hit at once, the others together at the
   * turn's end: AnswerBatch); otherwise the backend read takes a fill ticket
   * first, so an invalidation that overtakes its reply keeps it from being stored.
   */
  const nearGet = (res: ServerResponse, tenant: string, scope: string, key: string, layer: NearLayer): void => {
    const m = admitGet(res, tenant, scope, key);
    if (!m) return;
    const stored = layer.storedKey(tenant, scope, key);
    const allowed = layer.allows(scope);
    if (allowed) {
      const copy = layer.cache.get(stored);
      if (copy !== undefined) {
        m.hit.inc();
        layer.metrics.hitsOf(scope).inc();
        return nearAnswers!.add(res, copy.bytes, hitTtl(layer.cache.ttlOf(copy)));
      }
    }
    const ticket = allowed ? layer.cache.beginFill(stored) : undefined;
    const t0 = deadlines.now();
    const pending = new PendingGet(deadlines.deadlineFrom(t0), t0, scope, res, m, getOutcomes);
    deadlines.track(pending);
    layer.read(tenant, scope, key, stored).then(
      (entry) => {
        if (entry === null) layer.cache.abandonFill(ticket);
        else layer.cache.completeFill(ticket, entry.bytes, entry.ttlMs);
        if (pending.settle()) getAnswered(res, m, t0, entry, true);
      },
      (err: unknown) => {
        layer.cache.abandonFill(ticket);
        if (pending.settle()) getFailed(res, scope, err);
      },
    );
  };

  /** Runs a write with this sidecar's own copies of its keys dropped before it is sent and again once it settled (either way). */
  const dropping = <T>(keys: () => string[], call: () => Promise<T>): (() => Promise<T>) => {
    if (!near) return call;
    return () => {
      const stored = keys();
      near.cache.invalidateMany(stored, 'write');
      return call().finally(() => near.cache.invalidateMany(stored, 'write'));
    };
  };

  const item = (req: IncomingMessage, res: ServerResponse, tenant: string, scope: string, key: string, query: string): void => {
    const method = req.method;
    if (method === 'GET' && near) return nearGet(res, tenant, scope, key, near);
    if (method === 'GET' && readInto) return fastGet(res, tenant, scope, key, readInto);
    const op: CacheOp = method === 'GET' ? 'get' : method === 'PUT' ? 'set' : 'del';
    if (method !== 'GET' && method !== 'PUT' && method !== 'DELETE') {
      req.resume();
      return sendError(res, methodNotAllowed(['GET', 'PUT', 'DELETE']), { 'x-cache-backend': backend });
    }
    if (badNamespace(res, op, tenant, scope)) return;
    try {
      validateKey(key);
    } catch (err) {
      return fail(res, op, '_invalid', err);
    }
    const ns = { tenantKey: tenant, scope };
    if (op === 'get') {
      const counters = metrics.bound('get', backend, scope);
      if (getBytes) {
        return run(res, 'get', scope, () => getBytes(ns, key), (entry) => {
          if (entry === null) { counters.miss.inc(); return sendMiss(res, backend); }
          counters.hit.inc();
          sendHit(res, backend, entry.bytes, hitTtl(entry.ttlMs));
        });
      }
      return run(res, 'get', scope, () => store.get(ns, key), (entry) => {
        if (entry === null) { counters.miss.inc(); return sendMiss(res, backend); }
        counters.hit.inc();
        sendHit(res, backend, entry.json, hitTtl(entry.ttlMs));
      });
    }
    if (op === 'del') {
      return run(res, 'del', scope, dropping(() => [near!.storedKey(tenant, scope, key)], () => store.del(ns, key)), () => {
        metrics.bound('del', backend, scope).ok.inc();
        sendNoContent(res, backend);
      });
    }
    let ttlMs: number;
    try {
      ttlMs = effectiveTtl(policy, scope, parseRequestedTtl(ttlParam(query)));
    } catch (err) {
      req.resume();
      return fail(res, 'set', scope, err);
    }
    readBody(req, options.maxValueBytes).then((body) => {
      if (body.length === 0) throw new HttpError(400, 'invalid_json', 'request body must be a JSON value');
      parseJson(body); // validates; the bytes themselves are stored
      const json = body.toString('utf8');
      run(res, 'set', scope, dropping(() => [near!.storedKey(tenant, scope, key)], () => store.set(ns, key, json, ttlMs)), () => {
        metrics.bound('set', backend, scope).ok.inc();
        metrics.observeTtl(scope, ttlMs);
        sendNoContent(res, backend, ttlMs);
      });
    }).catch((err) => fail(res, 'set', scope, err));
  };

  const withJsonBody = (req: IncomingMessage, res: ServerResponse, op: CacheOp, scope: string, then: (body: unknown) => void): void => {
    if (req.method !== 'POST') {
      req.resume();
      return sendError(res, methodNotAllowed(['POST']), { 'x-cache-backend': backend });
    }
    readBody(req, options.maxBatchBodyBytes).then((raw) => then(parseJson(raw))).catch((err) => fail(res, op, scope, err));
  };

  const mget = (req: IncomingMessage, res: ServerResponse, tenant: string, scope: string): void =>
    withJsonBody(req, res, 'mget', scope, (body) => {
      const keys = parseMget(body);
      run(res, 'mget', scope, () => store.mget({ tenantKey: tenant, scope }, keys), (entries) => {
        let hits = 0;
        const parts = entries.map((e, i) => {
          const k = JSON.stringify(keys[i]);
          if (e === null) return `{"key":${k},"hit":false}`;
          hits++;
          return `{"key":${k},"hit":true,"value":${e.json},"ttlMs":${e.ttlMs}}`;
        });
        const counters = metrics.bound('mget', backend, scope);
        if (hits) counters.hit.inc(hits);
        if (keys.length - hits) counters.miss.inc(keys.length - hits);
        sendJsonText(res, backend, `{"items":[${parts.join(',')}]}`, {
          'x-cache': hits === keys.length ? 'hit' : 'miss',
          'x-cache-hits': `${hits}/${keys.length}`,
        });
      });
    });

  const mset = (req: IncomingMessage, res: ServerResponse, tenant: string, scope: string): void =>
    withJsonBody(req, res, 'mset', scope, (body) => {
      const items = parseMset(body, policy, scope, options.maxValueBytes);
      const keys = () => items.map((it) => near!.storedKey(tenant, scope, it.key));
      run(res, 'mset', scope, dropping(keys, () => store.mset({ tenantKey: tenant, scope }, items)), () => {
        metrics.bound('mset', backend, scope).ok.inc();
        for (const it of items) metrics.observeTtl(scope, it.ttlMs);
        sendNoContent(res, backend);
      });
    });

  const tx = (req: IncomingMessage, res: ServerResponse, tenant: string): void =>
    withJsonBody(req, res, 'tx', '_tx', (body) => {
      const ops = parseTx(body, policy, options.maxValueBytes);
      const keys = () => ops.filter((op) => op.op !== 'get').map((op) => near!.storedKey(tenant, op.scope, op.key));
      run(res, 'tx', '_tx', dropping(keys, () => store.transaction(tenant, ops)), (results) => {
        metrics.bound('tx', backend, '_tx').ok.inc();
        const parts = results.map((r, i) => txResultJson(ops[i], r));
        sendJsonText(res, backend, `{"results":[${parts.join(',')}]}`);
      });
    });

  return (req, res) => {
    if (options.upstash && isUpstashPath(req.url ?? '/')) return options.upstash(req, res);
    const route = parseRoute(req.url ?? '/');
    if (route.kind === 'unknown') {
      req.resume();
      return sendError(res, new HttpError(404, 'not_found', 'no such route; see /v1/cache/{tenant}/{scope}/{key}'), { 'x-cache-backend': backend });
    }
    if (!authorized(req)) {
      req.resume();
      return sendError(res, unauthorized(), { 'x-cache-backend': backend });
    }
    switch (route.kind) {
      case 'item': return item(req, res, route.tenant, route.scope, route.key, route.query);
      case 'bad_key': req.resume(); return fail(res, 'get', '_invalid', new CacheError('invalid_key', 'key is not valid percent-encoded UTF-8'));
      case 'mget': if (badNamespace(res, 'mget', route.tenant, route.scope)) { req.resume(); return; } return mget(req, res, route.tenant, route.scope);
      case 'mset': if (badNamespace(res, 'mset', route.tenant, route.scope)) { req.resume(); return; } return mset(req, res, route.tenant, route.scope);
      case 'tx': if (badNamespace(res, 'tx', route.tenant, undefined)) { req.resume(); return; } return tx(req, res, route.tenant);
    }
  };
}
