/**
 * Pure parsing of the data API's paths:
 *   /v1/cache/{tenant}/{scope}/{key}      item (GET, PUT, DELETE)
 *   /v1/cache/{tenant}/{scope}/_mget      batch read (POST)
 *   /v1/cache/{tenant}/{scope}/_mset      batch write (POST)
 *   /v1/cache/{tenant}/_tx                transaction (POST)
 * The key is the rest of the path, percent-decoded, so it may contain `/`.
 * A key that starts with `_` must be percent-encoded (`%5F…`) to be told
 * apart from the batch routes.
 */
export type Route =
  | { kind: 'item'; tenant: string; scope: string; key: string; query: string }
  | { kind: 'mget' | 'mset'; tenant: string; scope: string }
  | { kind: 'tx'; tenant: string }
  | { kind: 'bad_key' }
  | { kind: 'unknown' };

const PREFIX = '/v1/cache/';

export function parseRoute(url: string): Route {
  if (!url.startsWith(PREFIX)) return { kind: 'unknown' };
  const q = url.indexOf('?');
  const path = q === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const s1 = path.indexOf('/');
  if (s1 <= 0) return { kind: 'unknown' };
  const tenant = path.slice(0, s1);
  const s2 = path.indexOf('/', s1 + 1);
  if (s2 === -1) {
    const rest = path.slice(s1 + 1);
    return rest === '_tx' ? { kind: 'tx', tenant } : { kind: 'unknown' };
  }
  const scope = path.slice(s1 + 1, s2);
  const rawKey = path.slice(s2 + 1);
  if (scope.length === 0 || rawKey.length === 0) return { kind: 'unknown' };
  if (rawKey === '_mget') return { kind: 'mget', tenant, scope };
  if (rawKey === '_mset') return { kind: 'mset', tenant, scope };
  let key = rawKey;
  if (rawKey.includes('%')) {
    try {
      key = decodeURIComponent(rawKey);
    } catch {
      return { kind: 'bad_key' };
    }
  }
  return { kind: 'item', tenant, scope, key, query };
}

/**
 * The `ttl` query parameter, undecoded: a duration (`1500`, `15s`) has no
 * character that needs encoding, so a `%` in it is simply an invalid TTL (a 400)
 * rather than a decoding error.
 */
export function ttlParam(query: string): string | undefined {
  if (!query) return undefined;
  for (const part of query.split('&')) {
    if (part.startsWith('ttl=')) return part.slice(4);
  }
  return undefined;
}
