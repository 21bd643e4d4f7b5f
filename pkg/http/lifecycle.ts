import type { Logger } from '#pkg/log/index.ts';
import { ConfigError } from '#pkg/config/index.ts';
import { secrets } from '#pkg/log/index.ts';

export type Closer = () => Promise<void> | void;

/**
 * Runs closers in order on SIGTERM/SIGINT (listeners first, then clients),
 * bounded by `timeoutMs`, then exits. A second signal exits at once.
 */
export function onShutdown(closers: Closer[], logger: Logger, timeoutMs = 10_000): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info('shutting down');
      const deadline = setTimeout(() => { logger.warn('shutdown timed out'); process.exit(1); }, timeoutMs);
      deadline.unref();
      for (const close of closers) {
        try { await close(); } catch (err) { logger.warn({ err }, 'error during shutdown'); }
      }
      clearTimeout(deadline);
      logger.info('stopped');
      logger.flush?.();
    })();
    return stopping;
  };
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    logger.info({ signal }, 'signal received');
    void stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', handle);
  process.once('SIGINT', handle);
  return stop;
}

/**
 * The body of every cmd/<binary>/main.ts: a config error prints which
 * variables are wrong (never their values) and exits 1.
 */
export async function runMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'invalid configuration', error: err.message })}\n`);
    } else {
      const message = secrets.mask(err instanceof Error ? err.message : String(err));
      process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'start-up failed', error: message })}\n`);
    }
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  }
}
