import type { Worker } from 'bullmq';

/**
 * Graceful drain: stop taking jobs at once (`pause`), let active ones finish
 * within `timeoutMs`, then close. Jobs still running at the deadline are
 * abandoned with a forced close: their locks expire and another worker
 * recovers them as stalled (counted there). `Worker.close()` alone cannot be
 * bounded: a later `close(true)` returns the first, unforced close.
 * Resolves `true` when every active job finished in time.
 */
export async function closeWorkerGracefully(worker: Worker, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const drained = worker.pause().then(() => true, () => false);
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const inTime = await Promise.race([drained, timeout]);
  clearTimeout(timer);
  await worker.close(true);
  return inTime;
}
