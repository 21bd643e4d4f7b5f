import pino, { type Logger, type DestinationStream } from 'pino';
import { secrets as processSecrets, type SecretMasker } from './secrets.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Component name, logged as `name` on every line. */
  name: string;
  /** Default `LOG_LEVEL` or `info`. */
  level?: string;
  /** Where lines go. Default: standard output. */
  destination?: DestinationStream;
  /** Default: the process-wide masker. */
  masker?: SecretMasker;
}

// Field names that always hold secrets: masked even before their value is known.
const REDACT_PATHS = [
  'password', 'token', 'apiKey', 'authorization', 'secret',
  '*.password', '*.token', '*.apiKey', '*.authorization', '*.secret',
  'headers.authorization', 'headers["x-api-key"]', 'req.headers.authorization', 'req.headers["x-api-key"]',
];

/**
 * A pino JSON logger whose every line, at every level, is scrubbed of the
 * registered secrets just before it is written (`hooks.streamWrite`), so a
 * secret inside an error message or a stack trace is masked as well.
 */
export function createLogger(options: LoggerOptions): Logger {
  const masker = options.masker ?? processSecrets;
  return pino(
    {
      name: options.name,
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid },
      hooks: { streamWrite: (line) => masker.mask(line) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    options.destination ?? pino.destination({ fd: 1, sync: false }),
  );
}
