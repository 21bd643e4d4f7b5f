import Mustache from 'mustache';
import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import { RenderError } from './errors.ts';
import { DEFAULT_LIMITS, validateRenderJob, type RenderLimits } from './validate.ts';

/** Tags and attributes kept in the output; everything else (scripts, styles, handlers, iframes) is removed. */
const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'del', 'input'],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    code: ['class'],
    th: ['align'],
    td: ['align'],
    ol: ['start'],
    input: ['type', 'checked', 'disabled'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }) },
  allowedClasses: { code: [/^language-[\w-]+$/] },
};

const marked = new Marked({ gfm: true, async: false });

/** Escapes only what could open HTML; Markdown punctuation in data stays as written. */
function escapeHtml(value: unknown): string {
  // Mustache passes values as they are in the data: numbers and booleans too.
  return String(value).replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

export interface RenderResult {
  html: string;
  /** The filled-in Markdown's length, in characters. */
  markdownChars: number;
}

/**
 * Renders a job: the Mustache template is filled with data (logic-less, values
 * HTML-escaped, a fresh parser per call so templates are not cached without
 * bound), the Markdown becomes HTML with marked (GFM), and sanitize-html keeps
 * only a safe subset. Bad input throws `RenderError`.
 */
export function renderDocument(input: unknown, limits: RenderLimits = {}): RenderResult {
  const job = validateRenderJob(input, limits);
  const maxMarkdown = limits.maxMarkdownChars ?? DEFAULT_LIMITS.maxMarkdownChars;
  let markdown: string;
  try {
    markdown = new Mustache.Writer().render(job.template, job.data, {}, { escape: escapeHtml });
  } catch (err) {
    throw new RenderError('invalid_template', `template does not parse: ${err instanceof Error ? err.message.slice(0, 200) : 'error'}`);
  }
  if (markdown.length > maxMarkdown) throw new RenderError('output_too_large', `filled template exceeds ${maxMarkdown} characters`);
  const raw = marked.parse(markdown) as string;
  return { html: sanitizeHtml(raw, SANITIZE_OPTIONS), markdownChars: markdown.length };
}
