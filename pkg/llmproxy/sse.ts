import type { ServerResponse } from 'node:http';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const;

/** Writes one SSE frame (or relayed SSE bytes); resolves at once unless the socket buffer is full, then on drain (or close). */
export function writeFrame(res: ServerResponse, frame: string | Buffer): Promise<void> | undefined {
  if (!frame.length || res.destroyed) return undefined;
  if (res.write(frame)) return undefined;
  return new Promise((resolve) => {
    const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
    res.on('drain', done);
    res.on('close', done);
  });
}
