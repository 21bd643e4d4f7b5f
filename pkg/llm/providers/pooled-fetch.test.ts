import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockAnthropic } from '#test/fixtures/mock-anthropic.ts';
import { startMockOpenAI, type MockLlmServer } from '#test/fixtures/mock-openai.ts';
import { createPooledFetch } from './pooled-fetch.ts';

/**
 * Contract test of a library internal (docs/development.md, "Reliance on
 * library internals"): the pooled fetch hands the official SDKs
 * PooledResponse, a stand-in for the WHATWG `Response` that has only what
 * openai and @anthropic-ai/sdk (pinned exactly in package.json) read. An
 * upgrade that reads anything else fails here by name, and every answer must
 * equal what the same SDK makes of undici's own `fetch` (standInResponse: false).
 */
const standIn = createPooledFetch({ standInResponse: true });
const publicFetch = createPooledFetch({ standInResponse: false });
let openaiUpstream: MockLlmServer;
let anthropicUpstream: MockLlmServer;
const missing = new Set<string>();

/** The stand-in fetch, its answers watched for reads of anything PooledResponse lacks. */
const watched = (async (input: string | URL | Request, init?: RequestInit) => {
  const res = await standIn.fetch(input, init);
  return new Proxy(res, {
    get(target, prop, receiver) {
      // `then` is every awaited value's thenable probe, which a real Response fails as well.
      if (typeof prop === 'string' && prop !== 'then' && !(prop in target)) missing.add(prop);
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}) as typeof fetch;

beforeAll(async () => {
  openaiUpstream = await startMockOpenAI();
  anthropicUpstream = await startMockAnthropic();
});

afterAll(async () => {
  await Promise.all([standIn.close(), publicFetch.close(), openaiUpstream.close(), anthropicUpstream.close()]);
});

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'hello' }] };
const message = { model: 'claude-3-5-haiku-latest', max_tokens: 16, messages: [{ role: 'user' as const, content: 'hello' }] };
const withoutIds = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x: unknown) => (k === 'id' || k === 'created' ? undefined : x))) as unknown;

function openai(fetchFn: typeof fetch): OpenAI {
  return new OpenAI({ apiKey: 'sk-contract', baseURL: `${openaiUpstream.origin}/v1`, maxRetries: 0, logLevel: 'off', fetch: fetchFn });
}
function anthropic(fetchFn: typeof fetch): Anthropic {
  return new Anthropic({ apiKey: 'sk-ant-contract', baseURL: anthropicUpstream.origin, maxRetries: 0, logLevel: 'off', timeout: 600_000, fetch: fetchFn });
}

async function both<T>(call: (f: typeof fetch) => Promise<T>): Promise<{ got: T; want: T }> {
  missing.clear();
  const got = await call(watched);
  const want = await call(publicFetch.fetch);
  expect([...missing], `the SDK read Response properties that PooledResponse (pkg/llm/providers/pooled-fetch.ts) lacks: ${[...missing].join(', ')}`).toEqual([]);
  return { got, want };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of stream) out.push(x);
  return out;
}

describe('PooledResponse, the stand-in for Response the SDKs read (contract)', () => {
  it('serves the openai SDK a completion, a stream and an error as undici\'s own fetch does', async () => {
    const done = await both((f) => openai(f).chat.completions.create(chat));
    expect(withoutIds(done.got)).toEqual(withoutIds(done.want));
    const streamed = await both(async (f) => collect(await openai(f).chat.completions.create({ ...chat, stream: true })));
    expect(streamed.got.length).toBeGreaterThan(1);
    expect(withoutIds(streamed.got)).toEqual(withoutIds(streamed.want));
    const failed = await both(async (f) => {
      openaiUpstream.script({ status: 429, headers: { 'retry-after': '7' } });
      return openai(f).chat.completions.create(chat).then(() => undefined, (err: unknown) => err as InstanceType<typeof OpenAI.APIError>);
    });
    expect(failed.got).toBeInstanceOf(OpenAI.RateLimitError);
    expect([failed.got?.status, failed.got?.headers?.get('retry-after'), failed.got?.message]).toEqual([failed.want?.status, failed.want?.headers?.get('retry-after'), failed.want?.message]);
  });

  it('serves the Anthropic SDK a message, a stream and an error as undici\'s own fetch does', async () => {
    const done = await both((f) => anthropic(f).messages.create(message));
    expect(withoutIds(done.got)).toEqual(withoutIds(done.want));
    const streamed = await both(async (f) => collect(await anthropic(f).messages.create({ ...message, stream: true })));
    expect(streamed.got.length).toBeGreaterThan(1);
    expect(withoutIds(streamed.got)).toEqual(withoutIds(streamed.want));
    const failed = await both(async (f) => {
      anthropicUpstream.script({ status: 529 });
      return anthropic(f).messages.create(message).then(() => undefined, (err: unknown) => err as InstanceType<typeof Anthropic.APIError>);
    });
    expect(failed.got).toBeInstanceOf(Anthropic.APIError);
    expect([failed.got?.status, failed.got?.message]).toEqual([failed.want?.status, failed.want?.message]);
  });
});
