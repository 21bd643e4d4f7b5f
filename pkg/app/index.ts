export { loadAppConfig, type AppConfig } from './config.ts';
export { startApp, type AppService, type AppServiceDeps } from './service.ts';
export { AppMetrics } from './metrics.ts';
