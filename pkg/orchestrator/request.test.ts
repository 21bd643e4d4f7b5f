import { describe, expect, it } from 'vitest';
import { HttpError } from '#pkg/http/index.ts';
import { OrchestratorError } from './errors.ts';
import { MAX_CONTENT_CHARS, MAX_MESSAGES, MAX_MODEL_CHARS, parseChatRequest } from './request.ts';

const user = (content: string) => ({ role: 'user', content });

function refusal(body: unknown): OrchestratorError {
  try {
    parseChatRequest(body);
  } catch (err) {
    if (err instanceof OrchestratorError) return err;
    throw err;
  }
  throw new Error('expected parseChatRequest to refuse the body');
}

describe('parseChatRequest', () => {
  it('keeps messages and model, and nothing else', () => {
    const body = { messages: [{ role: 'system', content: 'be brief' }, user('hi'), { role: 'assistant', content: 'hello', extra: 1 }], model: 'openai/gpt-4o-mini', temperature: 2 };
    expect(parseChatRequest(body)).toEqual({
      messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }],
      model: 'openai/gpt-4o-mini',
    });
  });

  it('leaves model out when none is given', () => {
    expect(parseChatRequest({ messages: [user('hi')] })).toEqual({ messages: [{ role: 'user', content: 'hi' }] });
  });

  it('accepts the limits themselves', () => {
    const messages = Array.from({ length: MAX_MESSAGES }, () => user('x'));
    messages[0] = user('y'.repeat(MAX_CONTENT_CHARS));
    const model = `a${'b'.repeat(MAX_MODEL_CHARS - 1)}`;
    expect(parseChatRequest({ messages, model }).messages).toHaveLength(MAX_MESSAGES);
    expect(parseChatRequest({ messages: [user('')], model: 'ft:gpt-4o:acme@v1.2_x-y' }).model).toBe('ft:gpt-4o:acme@v1.2_x-y');
  });

  it.each([
    ['a body that is not an object', [user('hi')], /body must be a JSON object/],
    ['null', null, /body must be a JSON object/],
    ['no messages', {}, /^messages must be a non-empty array/],
    ['empty messages', { messages: [] }, /^messages must be a non-empty array/],
    ['messages not an array', { messages: 'hi' }, /^messages must be a non-empty array/],
    ['too many messages', { messages: Array.from({ length: MAX_MESSAGES + 1 }, () => user('x')) }, /messages has 51 entries; at most 50/],
    ['a message not an object', { messages: [user('a'), 'b'] }, /^messages\[1\] must be an object/],
    ['a tool role', { messages: [{ role: 'tool', content: 'x' }] }, /^messages\[0\]\.role must be/],
    ['a missing role', { messages: [{ content: 'x' }] }, /^messages\[0\]\.role must be/],
    ['content that is not a string', { messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }, /^messages\[0\]\.content must be a string/],
    ['content too long', { messages: [user('a'), user('z'.repeat(MAX_CONTENT_CHARS + 1))] }, /^messages\[1\]\.content is longer than 32000/],
    ['model not a string', { messages: [user('a')], model: 4 }, /^model must be a non-empty string/],
    ['model empty', { messages: [user('a')], model: '' }, /^model must be a non-empty string/],
    ['model too long', { messages: [user('a')], model: 'm'.repeat(MAX_MODEL_CHARS + 1) }, /^model is longer than 200/],
    ['model with a space', { messages: [user('a')], model: 'gpt 4o' }, /^model may contain only/],
    ['model with a newline', { messages: [user('a')], model: 'gpt-4o\nx-llm-provider: mock' }, /^model may contain only/],
  ])('refuses %s with a 400 naming the field', (_name, body, message) => {
    const err = refusal(body);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(400);
    expect(err.code).toBe('invalid_request');
    expect(err.message).toMatch(message);
    expect(err.toJSON()).toEqual({ error: { code: 'invalid_request', message: err.message } });
  });

  it('never repeats the caller\'s text in its message', () => {
    const secret = 'sk-live-do-not-echo';
    expect(refusal({ messages: [{ role: secret, content: secret }] }).message).not.toContain(secret);
    expect(refusal({ messages: [user('a')], model: `${secret} ` }).message).not.toContain(secret);
  });
});
