/**
 * Pure parsing of an Upstash REST request below `/upstash`: which endpoint,
 * the token, and the command(s), from a JSON body or the path form.
 */
export type Endpoint = 'command' | 'pipeline' | 'multi-exec';

export interface Target {
  endpoint: Endpoint;
  /** Path-form command arguments (decoded), `undefined` for the JSON-body form. */
  pathArgs?: string[];
  /** Query arguments of the path form, in order: `?EX=100` → `EX`, `100`. */
  queryArgs: string[];
  /** `?_token=`, used only when no Authorization header is sent. */
  queryToken?: string;
}

export const UPSTASH_MOUNT = '/upstash';

/** `POST /upstash` with no query: what `@upstash/redis` sends for every single command, parsed once. */
export const COMMAND_TARGET: Target = Object.freeze({ endpoint: 'command', queryArgs: Object.freeze([]) as unknown as string[] });

/** `undefined` when the path cannot be decoded. */
export function parseTarget(url: string): Target | undefined {
  const q = url.indexOf('?');
  const path = (q === -1 ? url : url.slice(0, q)).slice(UPSTASH_MOUNT.length);
  const queryArgs: string[] = [];
  let queryToken: string | undefined;
  if (q !== -1) {
    for (const [k, v] of new URLSearchParams(url.slice(q + 1))) {
      if (k === '_token') queryToken = v;
      else queryArgs.push(k, ...(v === '' ? [] : [v]));
    }
  }
  if (path === '' || path === '/') return { endpoint: 'command', queryArgs, queryToken };
  if (path === '/pipeline') return { endpoint: 'pipeline', queryArgs, queryToken };
  if (path === '/multi-exec') return { endpoint: 'multi-exec', queryArgs, queryToken };
  try {
    const pathArgs = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    return { endpoint: 'command', pathArgs, queryArgs, queryToken };
  } catch {
    return undefined;
  }
}

/**
 * The bearer token: the Authorization header when present (a malformed one is
 * not replaced by `_token`, so a bad header is always a 401), else `_token`.
 */
export function tokenOf(authorization: string | undefined, queryToken: string | undefined): string | undefined {
  if (authorization !== undefined) return authorization.startsWith('Bearer ') ? authorization.slice(7) : undefined;
  return queryToken;
}

/**
 * The path form's command: path segments, then the body (the value, for
 * `POST /set/foo?EX=100`), then the query arguments, so options follow the
 * value as Redis wants them.
 */
export function pathCommand(target: Target, body: Buffer): string[] {
  const args = [...(target.pathArgs ?? [])];
  if (body.length > 0) args.push(body.toString('utf8'));
  args.push(...target.queryArgs);
  return args;
}
