import { UnrecoverableError, type Job } from 'bullmq';
import { RenderError } from './errors.ts';
import { renderDocument, type RenderResult } from './render.ts';
import type { RenderLimits } from './validate.ts';

/**
 * The render queue's processor: bad job data fails the job for good as a
 * validation error (an `UnrecoverableError` tagged `validation`, so BullMQ does
 * not retry it and the taxonomy counts it as `validation`); it never crashes
 * the worker.
 */
export function renderProcessor(limits: RenderLimits = {}): (job: Job) => Promise<RenderResult> {
  return async (job: Job) => {
    try {
      return renderDocument(job.data, limits);
    } catch (err) {
      if (err instanceof RenderError) {
        throw Object.assign(new UnrecoverableError(`${err.code}: ${err.message}`), { tags: ['validation'], code: err.code });
      }
      throw err;
    }
  };
}
