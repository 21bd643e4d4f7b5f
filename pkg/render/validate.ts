import { RenderError } from './errors.ts';

/** A render job's data: a Markdown template with `{{mustache}}` tags, and the data it reads. */
export interface RenderJob {
  template: string;
  data: Record<string, unknown>;
}

export interface RenderLimits {
  /** Longest template, in characters. Default 200 000. */
  maxTemplateChars?: number;
  /** Largest data, as JSON characters. Default 1 000 000. */
  maxDataChars?: number;
  /** Longest Markdown after the template is filled. Default 2 000 000. */
  maxMarkdownChars?: number;
}

export const DEFAULT_LIMITS: Required<RenderLimits> = { maxTemplateChars: 200_000, maxDataChars: 1_000_000, maxMarkdownChars: 2_000_000 };

/** Checks job data; throws `RenderError` naming what is wrong (never echoing the data). */
export function validateRenderJob(input: unknown, limits: RenderLimits = {}): RenderJob {
  const l = { ...DEFAULT_LIMITS, ...limits };
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new RenderError('invalid_job', 'job data must be an object { template, data? }');
  const { template, data } = input as { template?: unknown; data?: unknown };
  if (typeof template !== 'string') throw new RenderError('invalid_template', 'template must be a string');
  if (template.length > l.maxTemplateChars) throw new RenderError('template_too_large', `template exceeds ${l.maxTemplateChars} characters`);
  if (data !== undefined && (data === null || typeof data !== 'object' || Array.isArray(data))) throw new RenderError('invalid_data', 'data must be an object when given');
  if (data !== undefined) {
    let json: string;
    try {
      json = JSON.stringify(data);
    } catch {
      throw new RenderError('invalid_data', 'data must be JSON');
    }
    if (json.length > l.maxDataChars) throw new RenderError('data_too_large', `data exceeds ${l.maxDataChars} JSON characters`);
  }
  return { template, data: (data as Record<string, unknown> | undefined) ?? {} };
}
