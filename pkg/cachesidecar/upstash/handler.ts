/**
 * The Upstash REST protocol under `/upstash` on the data port, so an app's
 * `@upstash/redis` (and `@upstash/ratelimit` on it) works with
 * `UPSTASH_REDIS_REST_URL=http://127.0.0.1:7700/upstash`. Each token is fenced
 * into its tenant (see rewrite.ts); the breaker and the op deadline apply as
 * for the native API, and a down backend is an Upstash-style error, at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { RedisStore, ruleFor, type CacheStore, type TtlPolicy } from '#pkg/kv/index.ts';
import { HttpError } from '#pkg/http/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { BackendGuard } from '../guard.ts';
import type { Deadline, DeadlineSweeper } from '../deadlines.ts';
import type { UpstashGrant, UpstashTokens } from './tokens.ts';
import { COMMAND_TARGET, parseTarget, pathCommand, UPSTASH_MOUNT, type Endpoint, type Target } from './request.ts';
import { planArgs, planCommand, shapeReply, spaceFor, type ReplyShape, type TenantSpace } from './rewrite.ts';
import { ScriptGate } from './scripts.ts';
import { resultJson, textOf } from './encoding.ts';
import { commandErrorText, isCommandError, redisExecutor, type CommandArgs, type Settled, type UpstashExecutor } from './executor.ts';
import { upstashForwarder } from './forward.ts';
import { parseSimpleCommand } from './command-json.ts';
import { collectBody } from './body.ts';
import { TenantDirectory, type Result, type TenantContext } from './tenant-directory.ts';

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

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT']);
const UNAVAILABLE_BODY = '{"error":"ERR cache backend unavailable; continue uncached"}';

/** A planned command ready to run; its arguments may hold bytes (the path form's body). */
type Runnable = { ok: true; args: CommandArgs; reply: ReplyShape };
type Planned = Runnable | { ok: false; error: string };
const runnable = (p: Planned): p is Runnable => p.ok;

export function createUpstashHandler(options: UpstashHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { store, tokens, guard, deadlines, logger } = options;
  const backend = store.backend;
  const prefix = store instanceof RedisStore ? store.prefix : (store as { prefix?: string }).prefix ?? 'pilotfish';
  const executor = options.executor
    ?? (store instanceof RedisStore ? redisExecutor(store) : undefined)
    ?? (backend === 'upstash' && options.forward ? upstashForwarder({ ...options.forward, timeoutMs: deadlines.timeoutMs }) : undefined);
  const scripts = new ScriptGate({ allowedBodies: options.allowedScripts, allowedShas: options.allowedScriptShas });
  const requests = options.metrics.counter({
    name: 'cache_upstash_requests_total',
    help: 'Requests to the Upstash REST endpoint of the cache sidecar, by tenant, endpoint (command, pipeline, multi-exec) and result (ok, error, refused, unauthorized, unavailable, timeout: the op deadline answered)',
    labelNames: ['tenant', 'endpoint', 'result'],
    otel: { name: 'cache.upstash.requests', unit: '{request}' },
  });
  const spaceOf = (grant: UpstashGrant): TenantSpace => {
    const rule = ruleFor(options.policy, grant.scope);
    return spaceFor(prefix, grant.tenant, grant.scope, grant.trusted, scripts, { rule, defaultTtl: grant.defaultTtl });
  };
  const directory = new TenantDirectory(tokens, requests, spaceOf);

  // Read-your-writes holds by construction (one sidecar, one ordered connection):
  // the sync token only has to exist and be fresh; any echoed one is accepted.
  const syncPrefix = `${randomBytes(6).toString('hex')}-`;
  let sequence = 0;

  /**
   * The answer in one write (Node sends the head and a string body together);
   * `text` is the JSON body. `ascii`: the caller knows it holds ASCII only (a
   * base64 answer), so it is written as latin1, with no UTF-8 scan or transcoding.
   */
  const send = (res: ServerResponse, status: number, text: string, retryAfter?: boolean, ascii?: boolean): void => {
    if (res.headersSent) return;
    const length = ascii ? text.length : Buffer.byteLength(text);
    res.writeHead(status, retryAfter ? {
      'content-type': 'application/json', 'content-length': length, 'upstash-sync-token': syncPrefix + ++sequence, 'x-cache-backend': backend, 'retry-after': '1',
    } : {
      'content-type': 'application/json', 'content-length': length, 'upstash-sync-token': syncPrefix + ++sequence, 'x-cache-backend': backend,
    });
    res.end(text, ascii ? 'latin1' : 'utf8');
  };
  const errorJson = (error: string): string => `{"error":${JSON.stringify(error)}}`;

  const unavailable = (res: ServerResponse, context: TenantContext, endpoint: Endpoint, result: Result = 'unavailable'): void => {
    context.count(endpoint, result);
    send(res, 503, UNAVAILABLE_BODY, true);
  };

  /** A backend call settled with an error: the command's own is a 400, anything else the backend's failure. */
  const failed = (res: ServerResponse, context: TenantContext, endpoint: Endpoint, deadline: Deadline, err: unknown): void => {
    if (!deadlines.settle(deadline)) return;
    if (isCommandError(err)) {
      guard.success();
      context.count(endpoint, 'error');
      return send(res, 400, errorJson(commandErrorText(err)));
    }
    guard.failure('unavailable');
    logger.debug({ backend, reason: (err as Error)?.name }, 'upstash endpoint: backend failed');
    unavailable(res, context, endpoint);
  };

  const startDeadline = (res: ServerResponse, context: TenantContext, endpoint: Endpoint): Deadline => deadlines.start(() => {
    guard.failure('timeout');
    unavailable(res, context, endpoint, 'timeout');
  });

  /** One command: one Redis round trip, its reply written as JSON text in one call. */
  const runOne = (res: ServerResponse, context: TenantContext, plan: Runnable, base64: boolean, run: UpstashExecutor): void => {
    if (!guard.closed) return unavailable(res, context, 'command');
    const deadline = startDeadline(res, context, 'command');
    run.one(plan.args).then((value) => {
      if (!deadlines.settle(deadline)) return;
      guard.success();
      context.count('command', 'ok');
      const reply = plan.reply === 'plain' ? value : shapeReply(textOf(value), plan.reply, context.space);
      // A value's base64, a number or null is ASCII (an error text nested in an array need not be).
      const ascii = base64 && (Buffer.isBuffer(reply) || reply === null || typeof reply === 'number');
      send(res, 200, `{"result":${resultJson(reply, base64)}}`, false, ascii);
    }, (err: unknown) => failed(res, context, 'command', deadline, err));
  };

  const settledJson = (s: Settled, plan: Runnable, space: TenantSpace, base64: boolean): string => (s.ok
    ? `{"result":${resultJson(plan.reply === 'plain' ? s.value : shapeReply(textOf(s.value), plan.reply, space), base64)}}`
    : errorJson(commandErrorText(s.error)));

  /** A pipeline or a transaction: one backend call, one answer per command, in order. */
  const runBatch = (res: ServerResponse, context: TenantContext, endpoint: 'pipeline' | 'multi-exec', plans: Planned[], base64: boolean, run: UpstashExecutor): void => {
    if (!guard.closed) return unavailable(res, context, endpoint);
    const ready = plans.filter(runnable);
    const deadline = startDeadline(res, context, endpoint);
    const call = endpoint === 'multi-exec' ? run.atomic(ready.map((p) => p.args)) : run.many(ready.map((p) => p.args));
    call.then((settled) => {
      if (!deadlines.settle(deadline)) return;
      guard.success();
      context.count(endpoint, 'ok');
      let next = 0;
      const parts = plans.map((p) => (p.ok ? settledJson(settled[next], ready[next++], context.space, base64) : errorJson(p.error)));
      send(res, 200, `[${parts.join(',')}]`);
    }, (err: unknown) => failed(res, context, endpoint, deadline, err));
  };

  const refuse = (res: ServerResponse, status: number, error: string, result: Result, endpoint: Endpoint | 'unknown', context?: TenantContext): void => {
    if (context && endpoint !== 'unknown') context.count(endpoint, result);
    else requests.inc({ tenant: context?.grant.tenant ?? '_none', endpoint, result });
    send(res, status, errorJson(error));
  };

  const onBody = (res: ServerResponse, context: TenantContext, target: Target, base64: boolean, run: UpstashExecutor, body: Buffer): void => {
    const { endpoint } = target;
    if (endpoint === 'command') {
      const plan = target.pathArgs ? planPathCommand(target, body, context.space) : planBodyCommand(body, context.space);
      if (!plan.ok) return refuse(res, 400, plan.error, 'refused', endpoint, context);
      return runOne(res, context, plan, base64, run);
    }
    const parsed = parseBody(body);
    if (parsed instanceof Error) return refuse(res, 400, parsed.message, 'refused', endpoint, context);
    if (!Array.isArray(parsed) || parsed.length === 0) return refuse(res, 400, 'ERR the body must be a non-empty JSON array of commands', 'refused', endpoint, context);
    const plans: Planned[] = parsed.map((c) => planCommand(c, context.space));
    if (endpoint === 'multi-exec') {
      const refused = plans.find((p) => !p.ok);
      // Atomic: one refused command discards the whole transaction, as EXECABORT would.
      if (refused && !refused.ok) return refuse(res, 400, `EXECABORT Transaction discarded because of: ${refused.error}`, 'refused', endpoint, context);
    }
    runBatch(res, context, endpoint, plans, base64, run);
  };

  return (req, res) => {
    const method = req.method ?? '';
    if (method !== 'POST' && !METHODS.has(method)) {
      req.resume();
      return refuse(res, 405, 'ERR method not allowed: use POST (or GET, HEAD, PUT)', 'refused', 'unknown');
    }
    const url = req.url ?? UPSTASH_MOUNT;
    const target = url === UPSTASH_MOUNT ? COMMAND_TARGET : parseTarget(url);
    if (!target) {
      req.resume();
      return refuse(res, 400, 'ERR the path is not valid percent-encoded UTF-8', 'refused', 'unknown');
    }
    // From rawHeaders: building req.headers (every header, lower-cased) costs more than these two scans.
    const context = directory.lookup(rawHeader(req.rawHeaders, 'authorization'), target.queryToken);
    if (!context) {
      req.resume();
      return refuse(res, 401, 'Unauthorized', 'unauthorized', target.endpoint);
    }
    if (!executor) {
      req.resume();
      return refuse(res, 501, `ERR the Upstash protocol needs a Redis-compatible backend (CACHE_BACKEND=redis or upstash); this sidecar's backend is ${backend}`, 'refused', target.endpoint, context);
    }
    const encoding = rawHeader(req.rawHeaders, 'upstash-encoding');
    const base64 = encoding === 'base64' || (encoding !== undefined && encoding.toLowerCase() === 'base64');
    collectBody(req, options.maxBodyBytes, (err, body) => {
      if (err === undefined) return onBody(res, context, target, base64, executor, body!);
      if (err instanceof HttpError) return refuse(res, err.status, `ERR ${err.message}`, 'refused', target.endpoint, context);
      logger.error({ err }, 'upstash endpoint failed');
      refuse(res, 500, 'ERR internal error', 'error', target.endpoint, context);
    });
  };
}

/** The first value of a header (`lowerName` in lower case), as `req.headers` keeps it for authorization. */
function rawHeader(raw: string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i];
    if (name.length === lowerName.length && (name === lowerName || name.toLowerCase() === lowerName)) return raw[i + 1];
  }
  return undefined;
}

/** The JSON-body command: the fast read of the usual shape, JSON.parse for the rest. */
function planBodyCommand(body: Buffer, space: TenantSpace): Planned {
  const simple = parseSimpleCommand(body);
  if (simple) return planArgs(simple, space);
  const parsed = parseBody(body);
  if (parsed instanceof Error) return { ok: false, error: parsed.message };
  return planCommand(parsed, space);
}

/**
 * The path-form command. Its body is a value and may be any bytes: it is
 * planned as text, then sent as the bytes it was when it is not UTF-8 (a key
 * or an option must be text, so bytes anywhere else are refused).
 */
function planPathCommand(target: Target, body: Buffer, space: TenantSpace): Planned {
  const args = pathCommand(target, body);
  const plan = planCommand(args, space);
  if (!plan.ok || body.length === 0 || isUtf8(body)) return plan;
  const at = target.pathArgs!.length;
  if (plan.args[at] !== args[at]) return { ok: false, error: 'ERR a body that is not UTF-8 can only be a value, not a key or an option' };
  const bytes: (string | Buffer)[] = [...plan.args];
  bytes[at] = body;
  return { ok: true, args: bytes, reply: plan.reply };
}

function parseBody(body: Buffer): unknown {
  if (body.length === 0) return new Error('ERR the body must be a JSON command array');
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return new Error('ERR the body is not valid JSON');
  }
}
