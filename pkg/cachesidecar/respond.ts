import type { ServerResponse } from 'node:http';
import type { BackendName } from '#pkg/kv/index.ts';

/**
 * Response writers for the data API. Every answer carries X-Cache-Backend;
 * GET-type answers carry X-Cache. Bodies are built by string concatenation
 * around stored JSON text, which is never parsed on the way out.
 */
/** A GET hit; `ttlMs` undefined leaves out `X-Cache-TTL` (`CACHE_TTL_HEADER=off`). */
export function sendHit(res: ServerResponse, backend: BackendName, json: string | Buffer, ttlMs: number | undefined): void {
  const length = typeof json === 'string' ? Buffer.byteLength(json) : json.length;
  res.writeHead(200, ttlMs === undefined
    ? { 'content-type': 'application/json', 'content-length': length, 'x-cache': 'hit', 'x-cache-backend': backend }
    : { 'content-type': 'application/json', 'content-length': length, 'x-cache': 'hit', 'x-cache-ttl': ttlMs, 'x-cache-backend': backend });
  res.end(json);
}

const MISS_BODY = '{"error":{"code":"not_found","message":"key not in cache"}}';
const UNAVAILABLE_BODY = '{"error":{"code":"backend_unavailable","message":"cache backend unavailable; continue uncached"}}';

export function sendMiss(res: ServerResponse, backend: BackendName): void {
  res.writeHead(404, { 'content-type': 'application/json', 'content-length': MISS_BODY.length, 'x-cache': 'miss', 'x-cache-backend': backend });
  res.end(MISS_BODY);
}

export function sendUnavailable(res: ServerResponse, backend: BackendName): void {
  if (res.headersSent) return;
  res.writeHead(503, {
    'content-type': 'application/json',
    'content-length': UNAVAILABLE_BODY.length,
    'x-cache': 'unavailable',
    'x-cache-backend': backend,
    'retry-after': '1',
  });
  res.end(UNAVAILABLE_BODY);
}

export function sendNoContent(res: ServerResponse, backend: BackendName, ttlMs?: number): void {
  res.writeHead(204, ttlMs === undefined ? { 'x-cache-backend': backend } : { 'x-cache-backend': backend, 'x-cache-ttl': ttlMs });
  res.end();
}

export function sendJsonText(res: ServerResponse, backend: BackendName, body: string, extra?: Record<string, string | number>): void {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'x-cache-backend': backend, ...extra });
  res.end(body);
}
