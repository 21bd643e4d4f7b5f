/**
 * Credentials → principal. Three sources, in order: `Authorization: Bearer`
 * (an API key, or a JWT when one is configured and the token has a JWT's
 * shape), `x-api-key`, then the admin page's signed session cookie. API keys
 * are compared in constant time on their SHA-256 digests and never logged.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { importSPKI, jwtVerify, errors as joseErrors, type CryptoKey, type KeyObject } from 'jose';
import { HttpError } from '#pkg/http/index.ts';
import { principalClaims, type ApiKeyEntry, type Principal } from './principal.ts';

export const SESSION_COOKIE = 'pf_session';

export interface JwtOptions {
  secret?: string;
  publicKey?: string;
  issuer?: string;
  audience?: string;
  tenantClaim: string;
  rolesClaim: string;
}

export interface AuthenticatorOptions {
  apiKeys: Map<string, ApiKeyEntry>;
  jwt?: JwtOptions | null;
  sessionTtlMs?: number;
  /** Secure cookies (production: the admin page is served over TLS by the ingress). */
  secureCookies?: boolean;
  now?: () => number;
}

interface KeyRecord { digest: Buffer; entry: ApiKeyEntry }
interface SessionValue { f: string; e: number }

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const unauthenticated = (message: string, code = 'unauthorized') => new HttpError(401, code, message, { headers: { 'www-authenticate': 'Bearer' } });

export class Authenticator {
  readonly #keys: KeyRecord[];
  readonly #byFingerprint = new Map<string, ApiKeyEntry>();
  readonly #jwt: JwtOptions | null;
  #jwtKey: Promise<Uint8Array | CryptoKey | KeyObject> | null = null;
  readonly #sessionTtlMs: number;
  readonly #secure: boolean;
  readonly #now: () => number;

  constructor(options: AuthenticatorOptions) {
    this.#keys = [...options.apiKeys].map(([key, entry]) => ({ digest: digestOf(key), entry }));
    for (const { entry } of this.#keys) this.#byFingerprint.set(entry.fingerprint, entry);
    this.#jwt = options.jwt ?? null;
    this.#sessionTtlMs = options.sessionTtlMs ?? 8 * 3_600_000;
    this.#secure = options.secureCookies ?? false;
    this.#now = options.now ?? Date.now;
  }

  /** The caller, `null` when no credential was sent; a credential that is sent and wrong throws 401. */
  async authenticate(req: Request): Promise<Principal | null> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw unauthenticated('Authorization must be "Bearer <key or token>"');
      const token = match[1];
      if (this.#jwt && JWT_SHAPE.test(token)) return this.#verifyJwt(token);
      return this.#principalForKey(token) ?? fail('unknown API key');
    }
    const apiKey = req.headers['x-api-key'];
    if (typeof apiKey === 'string') return this.#principalForKey(apiKey) ?? fail('unknown API key');
    const session = (req as Request & { signedCookies?: Record<string, unknown> }).signedCookies?.[SESSION_COOKIE];
    if (session !== undefined) return this.#principalForSession(session);
    return null;
  }

  /** The admin form's check: the key's principal, or null. Constant time over the configured keys. */
  signIn(apiKey: string): Principal | null {
    return this.#principalForKey(apiKey);
  }

  /** Sets the signed session cookie: it stores the key's fingerprint, so removing the key ends its sessions. */
  issueSession(res: Response, principal: Principal): void {
    const fingerprint = principal.id.startsWith('key:') ? principal.id.slice(4) : null;
    if (!fingerprint || !this.#byFingerprint.has(fingerprint)) throw new HttpError(400, 'session_unsupported', 'sessions are issued for API keys only');
    const value: SessionValue = { f: fingerprint, e: this.#now() + this.#sessionTtlMs };
    res.cookie(SESSION_COOKIE, value, { signed: true, httpOnly: true, sameSite: 'strict', secure: this.#secure, path: '/', maxAge: this.#sessionTtlMs });
  }

  clearSession(res: Response): void {
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', secure: this.#secure, path: '/' });
  }

  #principalForKey(key: string): Principal | null {
    const digest = digestOf(key);
    let found: ApiKeyEntry | null = null;
    // Every configured key is compared, so the time taken says nothing of which one matched.
    for (const record of this.#keys) {
      if (timingSafeEqual(record.digest, digest)) found = record.entry;
    }
    return found ? { id: `key:${found.fingerprint}`, tenant: found.tenant, roles: found.roles, via: 'api-key' } : null;
  }

  #principalForSession(raw: unknown): Principal {
    // cookie-parser gives `false` for a cookie whose signature does not verify.
    const value = raw as SessionValue | false;
    if (!value || typeof value !== 'object' || typeof value.f !== 'string' || typeof value.e !== 'number') throw unauthenticated('invalid session', 'invalid_session');
    if (value.e <= this.#now()) throw unauthenticated('session expired', 'session_expired');
    const entry = this.#byFingerprint.get(value.f);
    if (!entry) throw unauthenticated('the key of this session was revoked', 'invalid_session');
    return { id: `key:${entry.fingerprint}`, tenant: entry.tenant, roles: entry.roles, via: 'session' };
  }

  async #verifyJwt(token: string): Promise<Principal> {
    const jwt = this.#jwt!;
    this.#jwtKey ??= jwt.secret ? Promise.resolve(new TextEncoder().encode(jwt.secret)) : importSPKI(jwt.publicKey!, 'RS256');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, await this.#jwtKey, {
        algorithms: [jwt.secret ? 'HS256' : 'RS256'],
        issuer: jwt.issuer,
        audience: jwt.audience,
        clockTolerance: 5,
        currentDate: new Date(this.#now()),
      }));
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw unauthenticated('token expired', 'token_expired');
      if (err instanceof joseErrors.JWTClaimValidationFailed) throw unauthenticated(`token claim "${err.claim}" is not accepted`, 'invalid_token');
      throw unauthenticated('token signature or format is invalid', 'invalid_token');
    }
    const claims = principalClaims(payload, jwt.tenantClaim, jwt.rolesClaim);
    if (!claims.ok) throw unauthenticated(claims.reason, 'invalid_token');
    const sub = typeof payload.sub === 'string' ? payload.sub : 'anonymous';
    return { id: `jwt:${typeof payload.iss === 'string' ? payload.iss : ''}/${sub}`, tenant: claims.tenant, roles: claims.roles, via: 'jwt' };
  }
}

function fail(message: string): never {
  throw unauthenticated(message);
}

function digestOf(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

/** A per-process secret for session cookies when none is configured (sessions then end with the process). */
export function randomSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

