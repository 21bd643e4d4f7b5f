/**
 * The Upstash REST protocol under `/upstash` on the data port, so an app's
 * `@upstash/redis` (and `@upstash/ratelimit` on it) works with
 * `UPSTASH_REDIS_REST_URL=http://127.0.0.1:7700/upstash`. Each token is fenced
 * into its tenant (see rewrite.ts); the breaker and the op deadline apply as
 * for the native API, and a down backend is an Upstash-style error, at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { RedisStore, ruleFor, type CacheStore, type TtlPolicy } from '#pkg/kv/index.ts';
import { HttpError, readBody } from '#pkg/http/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { BackendGuard } from '../guard.ts';
import type { DeadlineSweeper } from '../deadlines.ts';
import type { UpstashGrant, UpstashTokens } from './tokens.ts';
import { parseTarget, pathCommand, tokenOf, UPSTASH_MOUNT, type Endpoint } from './request.ts';
import { planCommand, shapeReply, spaceFor, type Plan, type TenantSpace } from './rewrite.ts';
import { ScriptGate } from './scripts.ts';
import { encodeResult } from './encoding.ts';
import { commandErrorText, isCommandError, redisExecutor, type Settled, type UpstashExecutor } from './executor.ts';
import { upstashForwarder } from './forward.ts';

export interface UpstashHandlerOptions {
  store: CacheStore;
  tokens: UpstashTokens;
  guard: BackendGuard;
  deadlines: DeadlineSweeper;
  metrics: Metrics;
  logger: Logger;
  policy: TtlPolicy;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Script bodies allowed besides the built-in allowlist (@upstash/ratelimit's). */
  allowedScripts?: readonly string[];
  /** Script SHA-1s allowed besides the built-in allowlist. */
  allowedScriptShas?: readonly string[];
  /** The real Upstash behind an `upstash` backend: commands are forwarded there, rewritten. */
  forward?: { url: string; token: string };
  /** Runs the commands; default: the store's Redis connection, or `forward`'s Upstash (none for memory). */
  executor?: UpstashExecutor;
}

/** True for `/upstash` and every path below it: the Upstash REST protocol's mount point. */
export function isUpstashPath(url: string): boolean {
  return url.startsWith(UPSTASH_MOUNT) && (url.length === UPSTASH_MOUNT.length || url[UPSTASH_MOUNT.length] === '/' || url[UPSTASH_MOUNT.length] === '?');
}

type Result = 'ok' | 'error' | 'refused' | 'unauthorized' | 'unavailable' | 'timeout';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT']);

export function createUpstashHandler(options: UpstashHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, tokens, guard, deadlines, logger } = options;
  const backend = store.backend;
  const prefix = store instanceof RedisStore ? store.prefix : (store as { prefix?: string }).prefix ?? 'pilotfish';
  const executor = options.executor
    ?? (store instanceof RedisStore ? redisExecutor(store.client) : undefined)
    ?? (backend === 'upstash' && options.forward ? upstashForwarder({ ...options.forward, timeoutMs: deadlines.timeoutMs }) : undefined);
  const scripts = new ScriptGate({ allowedBodies: options.allowedScripts, allowedShas: options.allowedScriptShas });
  const spaces = new Map<string, TenantSpace>();
  const requests = options.metrics.counter({
    name: 'cache_upstash_requests_total',
    help: 'Requests to the Upstash REST endpoint of the cache sidecar, by tenant, endpoint (command, pipeline, multi-exec) and result (ok, error, refused, unauthorized, unavailable, timeout: the op deadline answered)',
    labelNames: ['tenant', 'endpoint', 'result'],
    otel: { name: 'cache.upstash.requests', unit: '{request}' },
  });

  // Read-your-writes holds by construction (one sidecar, one ordered connection):
  // the sync token only has to exist and be fresh; any echoed one is accepted.
  const boot = randomBytes(6).toString('hex');
  let sequence = 0;

  const send = (res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>): void => {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'upstash-sync-token': `${boot}-${++sequence}`,
      'x-cache-backend': backend,
      ...extra,
    });
    res.end(text);
  };

  const spaceOf = (grant: UpstashGrant): TenantSpace => {
    const id = `${grant.tenant}\n${grant.scope}\n${grant.trusted}\n${grant.defaultTtl}`;
    let space = spaces.get(id);
    if (!space) {
      const ttlMs = grant.defaultTtl ? ruleFor(options.policy, grant.scope).ttlMs : undefined;
      spaces.set(id, (space = spaceFor(prefix, grant.tenant, grant.scope, grant.trusted, scripts, ttlMs)));
    }
    return space;
  };

  /** Runs `call` under the breaker and the op deadline; `answer` or a 503 is sent, exactly once. */
  const run = <T>(res: ServerResponse, count: (r: Result) => void, call: () => Promise<T>, answer: (value: T) => void): void => {
    const unavailable = (result: Result = 'unavailable') => {
      count(result);
      send(res, 503, { error: 'ERR cache backend unavailable; continue uncached' }, { 'retry-after': '1' });
    };
    if (!guard.closed) return unavailable();
    const deadline = deadlines.start(() => {
      guard.failure('timeout');
      unavailable('timeout');
    });
    call().then(
      (value) => {
        if (!deadlines.settle(deadline)) return;
        guard.success();
        answer(value);
      },
      (err: unknown) => {
        if (!deadlines.settle(deadline)) return;
        if (isCommandError(err)) {
          guard.success();
          count('error');
          return send(res, 400, { error: commandErrorText(err) });
        }
        guard.failure('unavailable');
        logger.debug({ backend, reason: (err as Error)?.name }, 'upstash endpoint: backend failed');
        unavailable();
      },
    );
  };

  const settledJson = (s: Settled, plan: Plan & { ok: true }, space: TenantSpace, base64: boolean) =>
    s.ok ? { result: encodeResult(shapeReply(s.value, plan.reply, space), base64) } : { error: commandErrorText(s.error) };

  return (req, res) => {
    const fail = (status: number, error: string, result: Result, endpoint: Endpoint | 'unknown', tenant = '_none') => {
      req.resume();
      requests.inc({ tenant, endpoint, result });
      send(res, status, { error });
    };
    if (!METHODS.has(req.method ?? '')) return fail(405, 'ERR method not allowed: use POST (or GET, HEAD, PUT)', 'refused', 'unknown');
    const target = parseTarget(req.url ?? UPSTASH_MOUNT);
    if (!target) return fail(400, 'ERR the path is not valid percent-encoded UTF-8', 'refused', 'unknown');
    const grant = tokens.lookup(tokenOf(req.headers.authorization, target.queryToken));
    if (!grant) return fail(401, 'Unauthorized', 'unauthorized', target.endpoint);
    const { endpoint } = target;
    const count = (result: Result) => requests.inc({ tenant: grant.tenant, endpoint, result });
    if (!executor) {
      return fail(501, `ERR the Upstash protocol needs a Redis-compatible backend (CACHE_BACKEND=redis or upstash); this sidecar's backend is ${backend}`, 'refused', endpoint, grant.tenant);
    }
    const space = spaceOf(grant);
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';

    readBody(req, options.maxBodyBytes).then((body) => {
      if (endpoint === 'command') {
        let raw: unknown;
        if (target.pathArgs) raw = pathCommand(target, body);
        else {
          const parsed = parseBody(body);
          if (parsed instanceof Error) return fail(400, parsed.message, 'refused', endpoint, grant.tenant);
          raw = parsed;
        }
        const plan = planCommand(raw, space);
        if (!plan.ok) return fail(400, plan.error, 'refused', endpoint, grant.tenant);
        return run(res, count, () => executor.one(plan.args), (value) => {
          count('ok');
          send(res, 200, { result: encodeResult(shapeReply(value, plan.reply, space), base64) });
        });
      }
      const parsed = parseBody(body);
      if (parsed instanceof Error) return fail(400, parsed.message, 'refused', endpoint, grant.tenant);
      if (!Array.isArray(parsed) || parsed.length === 0) return fail(400, 'ERR the body must be a non-empty JSON array of commands', 'refused', endpoint, grant.tenant);
      const plans = parsed.map((c) => planCommand(c, space));
      if (endpoint === 'multi-exec') {
        const refused = plans.find((p) => !p.ok);
        // Atomic: one refused command discards the whole transaction, as EXECABORT would.
        if (refused && !refused.ok) return fail(400, `EXECABORT Transaction discarded because of: ${refused.error}`, 'refused', endpoint, grant.tenant);
        const ok = plans as (Plan & { ok: true })[];
        return run(res, count, () => executor.atomic(ok.map((p) => p.args)), (settled) => {
          count('ok');
          send(res, 200, settled.map((s, i) => settledJson(s, ok[i], space, base64)));
        });
      }
      const runnable = plans.filter((p): p is Plan & { ok: true } => p.ok);
      return run(res, count, () => executor.many(runnable.map((p) => p.args)), (settled) => {
        count('ok');
        let next = 0;
        send(res, 200, plans.map((p) => (p.ok ? settledJson(settled[next++], p, space, base64) : { error: p.error })));
      });
    }).catch((err: unknown) => {
      if (err instanceof HttpError) return fail(err.status, `ERR ${err.message}`, 'refused', endpoint, grant.tenant);
      logger.error({ err }, 'upstash endpoint failed');
      fail(500, 'ERR internal error', 'error', endpoint, grant.tenant);
    });
  };
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return new Error('ERR the body must be a JSON command array');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return new Error('ERR the body is not valid JSON');
  }
}
