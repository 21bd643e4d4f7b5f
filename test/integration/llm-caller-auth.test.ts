import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { APICallError, generateText } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { startTestProxy, testSettings, type TestProxy } from '../fixtures/llm/proxy.ts';
import { sdkClients } from '../fixtures/llm/sdk-proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';

// LLM_PROXY_TOKEN: the proxy asks callers for a key, so a wrong one is the caller's own 401 —
// each client's AuthenticationError — while the provider's keys stay the proxy's.
const TOKEN = 'pf-proxy-token-0123456789';
const WRONG = 'pf-wrong-token-0123456789';
const GPT = 'gpt-4o-mini';
const CLAUDE = 'claude-sonnet-4-6';
const llm = useLlmSuite();
let proxy: TestProxy;

beforeAll(async () => {
  proxy = await startTestProxy(testSettings(llm.oai.origin, llm.ant.origin), { callerTokens: ['pf-old-token-0123456789', TOKEN] });
});
afterAll(async () => { await proxy?.close(); });

const openai = (key: string) => sdkClients(proxy.url, { apiKey: key }).openai;
const anthropic = (key: string) => sdkClients(proxy.url, { apiKey: key }).anthropic;

describe('caller authentication', () => {
  it('the right token serves, in both dialects and across them, and never reaches the provider', async () => {
    const a = await openai(TOKEN).chat.completions.create({ model: GPT, messages: [{ role: 'user', content: 'hi' }] });
    expect(a.choices[0].message.content).toBeTruthy();
    const b = await anthropic(TOKEN).messages.create({ model: CLAUDE, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] });
    expect(b.content[0].type).toBe('text');
    const c = await openai('pf-old-token-0123456789').chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] });
    expect(c.choices[0].message.content).toBeTruthy();
    for (const call of [...llm.oai.calls, ...llm.ant.calls]) expect(JSON.stringify(call.headers)).not.toContain('pf-');
    expect(proxy.logs.text()).not.toContain(TOKEN);
  });

  it('a wrong token is the openai SDK\'s AuthenticationError (401) on every endpoint, before any upstream call', async () => {
    const client = openai(WRONG);
    for (const call of [
      () => client.chat.completions.create({ model: GPT, messages: [{ role: 'user', content: 'hi' }] }),
      () => client.responses.create({ model: GPT, input: 'hi' }),
      () => client.embeddings.create({ model: 'text-embedding-3-small', input: 'hi' }),
      () => client.models.list(),
    ]) {
      const err = await call().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
      expect(JSON.stringify((err as { error: unknown }).error)).not.toContain(WRONG);
    }
    expect(llm.oai.calls).toHaveLength(0);
  });

  it('a wrong or missing token is the Anthropic SDK\'s AuthenticationError (401), in its error shape', async () => {
    const err = await anthropic(WRONG).messages.create({ model: CLAUDE, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as { status: number }).status).toBe(401);
    expect((err as { error: { type: string; error: { type: string } } }).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    const count = await anthropic(WRONG).messages.countTokens({ model: CLAUDE, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect(count).toBeInstanceOf(Anthropic.AuthenticationError);
    const none = await fetch(`${proxy.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: '{}' });
    expect(none.status).toBe(401);
    expect(llm.ant.calls).toHaveLength(0);
  });

  it('a wrong token reaches the AI SDK as APICallError 401 and LangChain as the openai SDK\'s AuthenticationError', async () => {
    const ai = await generateText({ model: createOpenAI({ baseURL: `${proxy.url}/v1`, apiKey: WRONG }).chat(GPT), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect(ai).toBeInstanceOf(APICallError);
    expect((ai as APICallError).statusCode).toBe(401);
    const aiAnt = await generateText({ model: createAnthropic({ baseURL: proxy.url, apiKey: WRONG })(CLAUDE), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect((aiAnt as APICallError).statusCode).toBe(401);
    const lc = await new ChatOpenAI({ model: GPT, apiKey: WRONG, configuration: { baseURL: `${proxy.url}/v1` }, maxRetries: 0 }).invoke('x').catch((e: unknown) => e);
    expect(lc).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((lc as { lc_error_code?: string }).lc_error_code).toBe('MODEL_AUTHENTICATION');
  });
});
