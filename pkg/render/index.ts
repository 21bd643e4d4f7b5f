export type { RenderResult } from './render.ts';
export { validateRenderJob, type RenderJob, type RenderLimits } from './validate.ts';
export { RenderError, type RenderErrorCode } from './errors.ts';
export { loadWorkerConfig, workerSpec, type WorkerConfig } from './config.ts';
export { startRenderWorker, type RenderWorkerService, type RenderWorkerDeps } from './service.ts';
export { sampleRenderJob } from './sample.ts';
