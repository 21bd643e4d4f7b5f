import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CacheStore, TtlPolicy } from '#pkg/kv/index.ts';
import type { Metrics } from '#pkg/metrics/index.ts';
import type { Logger } from '#pkg/log/index.ts';
import type { BackendGuard } from '../guard.ts';
import type { DeadlineSweeper } from '../deadlines.ts';
import type { UpstashTokens } from './tokens.ts';

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
}

/** True for `/upstash` and every path below it: the Upstash REST protocol's mount point. */
export function isUpstashPath(url: string): boolean {
  return url.startsWith('/upstash') && (url.length === 8 || url[8] === '/' || url[8] === '?');
}

export function createUpstashHandler(options: UpstashHandlerOptions): (req: IncomingMessage, res: ServerResponse) => void {
  void options;
  return (req, res) => {
    req.resume();
    res.writeHead(501, { 'content-type': 'application/json' });
    res.end('{"error":"ERR not implemented yet"}');
  };
}
