import type { ServerResponse } from 'node:http';
import type { BackendName } from '#pkg/kv/index.ts';

export type CacheLayer = 'near' | 'backend';

/** A hit with the near cache on: the usual hit answer plus `X-Cache-Layer`, saying which layer served it. */
export function sendLayeredHit(res: ServerResponse, backend: BackendName, bytes: Buffer, ttlMs: number | undefined, layer: CacheLayer): void {
  res.writeHead(200, ttlMs === undefined
    ? { 'content-type': 'application/json', 'content-length': bytes.length, 'x-cache': 'hit', 'x-cache-layer': layer, 'x-cache-backend': backend }
    : { 'content-type': 'application/json', 'content-length': bytes.length, 'x-cache': 'hit', 'x-cache-layer': layer, 'x-cache-ttl': ttlMs, 'x-cache-backend': backend });
  res.end(bytes);
}
