/**
 * Per-principal rate limits (express-rate-limit), shared across pods through
 * Redis (rate-limit-redis) when a connection is given, in memory otherwise.
 * Each route counts against the budget of the role it requires: a key with
 * `knowledge:read` and `chat:use` has its search budget and, apart, its (much
 * smaller) chat budget. Store errors let the request through (a rate limiter
 * must not take the API down with Redis).
 */
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { Redis } from 'ioredis';
import type { Logger } from '#pkg/log/index.ts';
import { HttpError } from '#pkg/http/index.ts';
import type { Principal, Role } from './principal.ts';
import { principalOf } from './rbac.ts';

export interface RateLimitOptions {
  windowMs: number;
  limits: Record<Role, number>;
  /** Shared store; absent: in memory, per process. */
  redis?: Redis | null;
  /** Key prefix in Redis. Default `pf:rl:`. */
  prefix?: string;
  logger: Logger;
}

/** The budget key of a principal on a route that requires `role` (pure). */
function budgetKey(principal: Pick<Principal, 'id'>, role: Role): string {
  return `${role}:${principal.id}`;
}

/** A limiter for the routes that require `role`: `limits[role]` requests per window per principal. */
export function rateLimitByPrincipal(options: RateLimitOptions, role: Role): RequestHandler {
  const { redis, logger } = options;
  return rateLimit({
    windowMs: options.windowMs,
    limit: options.limits[role],
    keyGenerator: (_req, res) => budgetKey(principalOf(res), role),
    standardHeaders: 'draft-6',
    legacyHeaders: false,
    passOnStoreError: true,
    // The key is a principal id, never an IP: the IP validations do not apply.
    validate: { ip: false, keyGeneratorIpFallback: false },
    logger: { error: (err: unknown) => logger.warn({ err: errorText(err) }, 'rate-limit store unavailable: request allowed'), warn: () => {} },
    store: redis ? new RedisStore({ prefix: options.prefix ?? 'pf:rl:', sendCommand: sendCommandVia(redis) }) : undefined,
    handler: (_req, _res, next, opts) => next(new HttpError(429, 'rate_limited', `rate limit exceeded: ${Math.ceil(opts.windowMs / 1000)} s window`)),
  });
}

/**
 * rate-limit-redis loads its scripts once at start and keeps the failed
 * promise if Redis was down then, which would disable limiting for good. A
 * failed SCRIPT LOAD answers the script's SHA1 computed here (what Redis
 * would answer), so once Redis is back the first EVALSHA gets NOSCRIPT and the
 * store reloads the script through its own retry path.
 */
function sendCommandVia(redis: Redis) {
  return async (command: string, ...args: string[]): Promise<any> => {
    try {
      return await redis.call(command, ...args);
    } catch (err) {
      if (command.toUpperCase() === 'SCRIPT' && args[0]?.toUpperCase() === 'LOAD' && args[1] !== undefined) {
        return createHash('sha1').update(args[1]).digest('hex');
      }
      throw err;
    }
  };
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
