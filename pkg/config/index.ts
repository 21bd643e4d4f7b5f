export { loadConfig, ConfigError, isProduction, type Specs } from './load.ts';
export { parseDuration } from './duration.ts';
export { duration, intInRange, commaList, flag } from './validators.ts';
export { str, num, port, url, host } from 'envalid';
