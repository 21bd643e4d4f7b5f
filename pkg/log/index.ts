export { createLogger, type Logger, type LoggerOptions } from './logger.ts';
export { SecretMasker, secrets } from './secrets.ts';
export { captureLogs, type CapturedLogs } from './capture.ts';
