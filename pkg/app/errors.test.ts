import { describe, expect, it } from 'vitest';
import { PilotfishError } from '#pkg/errors/index.ts';
import { KnowledgeError, parseSearchParams } from '#pkg/knowledge/index.ts';
import { RenderError, validateRenderJob } from '#pkg/render/index.ts';
import { parseChatRequest } from '#pkg/orchestrator/index.ts';
import { errorAnswer } from './errors.ts';

const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
};

describe('errorAnswer', () => {
  it('answers the domain errors of knowledge and render with the status the app gives their code', () => {
    expect(errorAnswer(thrown(() => parseSearchParams({ q: 'x', limit: '0' })))).toEqual({
      status: 400, code: 'invalid_limit', message: 'limit must be an integer from 1 to 50',
    });
    expect(errorAnswer(new KnowledgeError('knowledge_dir_unreadable', 'knowledge folder /docs cannot be read: ENOENT'))).toMatchObject({
      status: 503, code: 'knowledge_dir_unreadable',
    });
    const render = thrown(() => validateRenderJob({ template: 7 }));
    expect(render).toBeInstanceOf(RenderError);
    expect(errorAnswer(render)).toEqual({ status: 400, code: 'invalid_template', message: 'template must be a string' });
  });

  it('answers the chat request check, an HttpError, with its own status', () => {
    expect(errorAnswer(thrown(() => parseChatRequest({})))).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  it('answers a domain error whose code it does not map as a 500 that reveals nothing', () => {
    expect(errorAnswer(new PilotfishError('invalid_key', 'key k is not valid'))).toEqual({ status: 500, code: 'internal', message: 'internal error' });
  });
});
