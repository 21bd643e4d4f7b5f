export { renderDocument, SANITIZE_OPTIONS, type RenderResult } from './render.ts';
export { validateRenderJob, DEFAULT_LIMITS, type RenderJob, type RenderLimits } from './validate.ts';
export { RenderError, type RenderErrorCode } from './errors.ts';
export { renderProcessor } from './processor.ts';
export { loadWorkerConfig, workerSpec, type WorkerConfig } from './config.ts';
export { startRenderWorker, type RenderWorkerService, type RenderWorkerDeps } from './service.ts';
export { sampleRenderJob } from './sample.ts';
