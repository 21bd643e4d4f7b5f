import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { APICallError, generateObject, generateText, stepCountIs, streamObject, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { createAnthropic } from '@ai-sdk/anthropic';
import { ChatOpenAI } from '@langchain/openai';
import { startMockOpenAI } from '../fixtures/mock-openai.ts';
import { startMockAnthropic } from '../fixtures/mock-anthropic.ts';
import type { MockLlmServer } from '../fixtures/llm/mock-server.ts';
import { startTestProxy, testSettings, type TestProxy } from '../fixtures/llm/proxy.ts';

// The clients people use, pointed at the proxy in front of the fake upstreams: the openai SDK, the Anthropic SDK, the
// Vercel AI SDK (@ai-sdk/openai's chat model and @ai-sdk/anthropic) and LangChain's ChatOpenAI, each in its own
// dialect and across dialects (an OpenAI client on a Claude model, an Anthropic client on a GPT model), where
// structured output, thinking and documents translate, and where what does not translate is a 400 naming it.
let oai: MockLlmServer;
let ant: MockLlmServer;
let proxy: TestProxy;
let openai: OpenAI;
let anthropic: Anthropic;
let aiOpenAI: ReturnType<typeof createOpenAI>;
let aiAnthropic: ReturnType<typeof createAnthropic>;
const CLAUDE = 'claude-sonnet-4-6';
const GPT = 'gpt-4o-mini';

beforeAll(async () => {
  oai = await startMockOpenAI();
  ant = await startMockAnthropic();
  proxy = await startTestProxy(testSettings(oai.origin, ant.origin));
  openai = new OpenAI({ apiKey: 'unused-by-proxy', baseURL: `${proxy.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'unused-by-proxy', baseURL: proxy.url, maxRetries: 0 });
  aiOpenAI = createOpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'unused-by-proxy' });
  // @ai-sdk/anthropic posts to `${baseURL}/messages`: the proxy answers there without /v1.
  aiAnthropic = createAnthropic({ baseURL: proxy.url, apiKey: 'unused-by-proxy' });
  (globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;
});
afterAll(async () => {
  await proxy?.close();
  await oai?.close();
  await ant?.close();
});
beforeEach(() => { oai.reset(); ant.reset(); });

const langchain = (model: string) => new ChatOpenAI({ model, apiKey: 'unused-by-proxy', configuration: { baseURL: `${proxy.url}/v1` }, maxRetries: 0 });
/** The fake tools answer `{"city":"Paris","query":<last user text>}`: a schema they satisfy. */
const Weather = z.object({ city: z.string(), query: z.string() });
const openaiJson = (content: string, extra: object = {}) => ({
  reply: { json: { id: 'chatcmpl-s', object: 'chat.completion', created: 1, model: GPT, choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 }, ...extra } },
});
const anthropicMessage = (content: object[], stop = 'end_turn', usage: object = { input_tokens: 8, output_tokens: 20 }) => ({
  reply: { json: { id: 'msg_s', type: 'message', role: 'assistant', model: CLAUDE, content, stop_reason: stop, stop_sequence: null, usage } },
});
const anFrame = (type: string, o: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...o })}\n\n`;

describe('structured output', () => {
  it('openai parse() with zodResponseFormat on a Claude model: a forced json_output tool, parsed back from the content', async () => {
    const r = await openai.chat.completions.parse({ model: CLAUDE, messages: [{ role: 'user', content: 'weather?' }], response_format: zodResponseFormat(Weather, 'weather') });
    expect(r.choices[0].message.parsed).toEqual({ city: 'Paris', query: 'weather?' });
    expect(r.choices[0].finish_reason).toBe('stop');
    expect(ant.calls[0].body.tool_choice).toEqual({ type: 'tool', name: 'json_output' });
    expect(ant.calls[0].body.tools[0].input_schema.properties).toEqual({ city: { type: 'string' }, query: { type: 'string' } });
  });

  it('openai stream() with a response_format on a Claude model streams the JSON as content', async () => {
    const stream = openai.chat.completions.stream({ model: CLAUDE, messages: [{ role: 'user', content: 'stream it' }], response_format: zodResponseFormat(Weather, 'weather') });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0].message.parsed).toEqual({ city: 'Paris', query: 'stream it' });
    expect(final.choices[0].finish_reason).toBe('stop');
    expect(final.choices[0].message.tool_calls ?? []).toEqual([]);
  });

  it('AI SDK generateObject through createOpenAI().chat() on a Claude model and on a GPT model', async () => {
    const cross = await generateObject({ model: aiOpenAI.chat(CLAUDE), schema: Weather, prompt: 'cross', maxRetries: 0 });
    expect(cross.object).toEqual({ city: 'Paris', query: 'cross' });
    expect(cross.finishReason).toBe('stop');
    oai.script(openaiJson('{"city":"Rome","query":"same"}'));
    const same = await generateObject({ model: aiOpenAI.chat(GPT), schema: Weather, prompt: 'same', maxRetries: 0 });
    expect(same.object).toEqual({ city: 'Rome', query: 'same' });
    expect(oai.calls[0].body.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('AI SDK streamObject through createOpenAI().chat() on a Claude model: partial objects, then the whole', async () => {
    const s = streamObject({ model: aiOpenAI.chat(CLAUDE), schema: Weather, prompt: 'streamed', maxRetries: 0 });
    const partials: unknown[] = [];
    for await (const p of s.partialObjectStream) partials.push(p);
    expect(await s.object).toEqual({ city: 'Paris', query: 'streamed' });
    expect(partials.length).toBeGreaterThan(1);
    expect(ant.calls[0].body).toMatchObject({ stream: true, tool_choice: { type: 'tool', name: 'json_output' } });
  });

  it('AI SDK generateObject through createAnthropic() on a GPT model and on a Claude model', async () => {
    const cross = await generateObject({ model: aiAnthropic(GPT), schema: Weather, prompt: 'cross', maxRetries: 0, maxOutputTokens: 100 });
    expect(cross.object).toEqual({ city: 'Paris', query: 'cross' });
    // For a Claude model @ai-sdk/anthropic asks for Anthropic's own structured output, which goes through as sent.
    ant.script(anthropicMessage([{ type: 'text', text: '{"city":"Oslo","query":"same"}' }]));
    const same = await generateObject({ model: aiAnthropic(CLAUDE), schema: Weather, prompt: 'same', maxRetries: 0, maxOutputTokens: 100 });
    expect(same.object).toEqual({ city: 'Oslo', query: 'same' });
    expect(ant.calls[0].body.output_config.format).toMatchObject({ type: 'json_schema', schema: { required: ['city', 'query'] } });
    expect(ant.calls[0].body.tools).toBeUndefined();
  });

  it('LangChain withStructuredOutput on a Claude model and on a GPT model', async () => {
    const cross = await langchain(CLAUDE).withStructuredOutput(Weather).invoke('cross');
    expect(cross).toEqual({ city: 'Paris', query: 'cross' });
    oai.script(openaiJson('{"city":"Oslo","query":"same"}'));
    const same = await langchain(GPT).withStructuredOutput(Weather).invoke('same');
    expect(same).toEqual({ city: 'Oslo', query: 'same' });
  });

  it('the Anthropic SDK\'s output_config.format on a GPT model becomes response_format json_schema', async () => {
    oai.script(openaiJson('{"city":"Rome","query":"q"}'));
    const schema = { type: 'object', properties: { city: { type: 'string' }, query: { type: 'string' } }, required: ['city', 'query'], additionalProperties: false };
    const msg = await anthropic.messages.create({ model: GPT, max_tokens: 200, messages: [{ role: 'user', content: 'q' }], output_config: { format: { type: 'json_schema', schema } } });
    expect(oai.calls[0].body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema, strict: true } });
    expect(msg.content).toEqual([{ type: 'text', text: '{"city":"Rome","query":"q"}' }]);
  });

  it('response_format with a forced tool of the caller\'s own is a 400 naming tool_choice and the model, before any upstream call', async () => {
    const err = await openai.chat.completions.create({
      model: CLAUDE, messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_object' },
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }], tool_choice: { type: 'function', function: { name: 'lookup' } },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'tool_choice' });
    expect((err as Error).message).toContain(CLAUDE);
    expect(ant.calls).toHaveLength(0);
  });
});

describe('thinking', () => {
  const thought = { type: 'thinking', thinking: 'The user wants the weather.', signature: 'sig-abc' };
  const toolUse = { type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Paris' } };
  const getWeather: OpenAI.ChatCompletionTool = { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

  it('reasoning_effort on a Claude model thinks; the thinking comes back signed, and sent back it continues the tool round', async () => {
    ant.script(anthropicMessage([thought, toolUse], 'tool_use', { input_tokens: 8, output_tokens: 40, output_tokens_details: { thinking_tokens: 25 } }));
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'weather in Paris?' }];
    const first = await openai.chat.completions.create({ model: CLAUDE, reasoning_effort: 'low', messages, tools: [getWeather] });
    expect(ant.calls[0].body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(ant.calls[0].body.max_tokens).toBe(2048 + 4096);
    const message = first.choices[0].message as OpenAI.ChatCompletionMessage & { reasoning_content?: string; thinking_blocks?: unknown[] };
    expect(message.reasoning_content).toBe(thought.thinking);
    expect(message.thinking_blocks).toEqual([thought]);
    expect(message.tool_calls?.[0]).toMatchObject({ id: 'toolu_9', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } });
    expect(first.usage?.completion_tokens_details?.reasoning_tokens).toBe(25);
    // The app appends the assistant message as it came, then the tool's result.
    messages.push(message as OpenAI.ChatCompletionAssistantMessageParam, { role: 'tool', tool_call_id: 'toolu_9', content: 'sunny' });
    const second = await openai.chat.completions.create({ model: CLAUDE, reasoning_effort: 'low', messages, tools: [getWeather] });
    expect(ant.calls[1].body.messages[1].content).toEqual([thought, toolUse]);
    expect(second.choices[0].message.content).toBe('anthropic-mock: tool said sunny');
  });

  it('a streamed Claude answer gives reasoning_content deltas and the signed block to an OpenAI caller', async () => {
    ant.script({ reply: { frames: [
      anFrame('message_start', { message: { id: 'msg_t', type: 'message', role: 'assistant', model: CLAUDE, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }),
      anFrame('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      anFrame('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'step one, ' } }),
      anFrame('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'step two' } }),
      anFrame('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig-s' } }),
      anFrame('content_block_stop', { index: 0 }),
      anFrame('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
      anFrame('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'done' } }),
      anFrame('content_block_stop', { index: 1 }),
      anFrame('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 30 } }),
      anFrame('message_stop', {}),
    ] } });
    const stream = await openai.chat.completions.create({ model: CLAUDE, reasoning_effort: 'medium', stream: true, messages: [{ role: 'user', content: 'think' }] });
    let reasoning = '';
    let content = '';
    const blocks: unknown[] = [];
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string; reasoning_content?: string; thinking_blocks?: unknown[] } | undefined;
      reasoning += delta?.reasoning_content ?? '';
      content += delta?.content ?? '';
      blocks.push(...(delta?.thinking_blocks ?? []));
    }
    expect(ant.calls[0].body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    expect(reasoning).toBe('step one, step two');
    expect(blocks).toEqual([{ type: 'thinking', thinking: 'step one, step two', signature: 'sig-s' }]);
    expect(content).toBe('done');
  });

  it('the openai SDK\'s stream() helper accumulates the signed block, so a streamed tool round with thinking continues too', async () => {
    const tj = JSON.stringify(toolUse.input);
    ant.script({ reply: { frames: [
      anFrame('message_start', { message: { id: 'msg_u', type: 'message', role: 'assistant', model: CLAUDE, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }),
      anFrame('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
      anFrame('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: thought.thinking } }),
      anFrame('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: thought.signature } }),
      anFrame('content_block_stop', { index: 0 }),
      anFrame('content_block_start', { index: 1, content_block: { type: 'tool_use', id: toolUse.id, name: toolUse.name, input: {} } }),
      anFrame('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: tj } }),
      anFrame('content_block_stop', { index: 1 }),
      anFrame('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 30 } }),
      anFrame('message_stop', {}),
    ] } });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'weather in Paris?' }];
    const final = await openai.chat.completions.stream({ model: CLAUDE, reasoning_effort: 'low', messages, tools: [getWeather] }).finalChatCompletion();
    const message = final.choices[0].message;
    expect((message as unknown as { thinking_blocks: unknown }).thinking_blocks).toEqual([thought]);
    messages.push(message as OpenAI.ChatCompletionAssistantMessageParam, { role: 'tool', tool_call_id: toolUse.id, content: 'sunny' });
    const second = await openai.chat.completions.create({ model: CLAUDE, reasoning_effort: 'low', messages, tools: [getWeather] });
    expect(ant.calls[1].body.messages[1].content).toEqual([thought, toolUse]);
    expect(second.choices[0].message.content).toBe('anthropic-mock: tool said sunny');
  });

  it('LangChain with reasoning on a Claude model gets reasoning_content; a tool round it sends back without the signed blocks is a 400 saying so', async () => {
    ant.script(anthropicMessage([thought, toolUse], 'tool_use'));
    // LangChain sends its `reasoning` option only for model names it knows as OpenAI reasoning models: modelKwargs carries it.
    const chat = new ChatOpenAI({ model: CLAUDE, apiKey: 'unused-by-proxy', configuration: { baseURL: `${proxy.url}/v1` }, maxRetries: 0, modelKwargs: { reasoning_effort: 'low' } }).bindTools([getWeather]);
    const first = await chat.invoke('weather in Paris?');
    expect(ant.calls[0].body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
    expect(first.additional_kwargs.reasoning_content).toBe(thought.thinking);
    expect(first.tool_calls?.[0]).toMatchObject({ name: 'get_weather', args: { city: 'Paris' } });
    const err = await chat.invoke([['user', 'weather in Paris?'], first, { role: 'tool', tool_call_id: 'toolu_9', content: 'sunny' }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'thinking_blocks' });
    expect(ant.calls).toHaveLength(1);
  });

  it('Anthropic thinking on a GPT model becomes reasoning_effort, and its reasoning tokens come back as thinking_tokens', async () => {
    oai.script(openaiJson('42', { usage: { prompt_tokens: 5, completion_tokens: 30, total_tokens: 35, completion_tokens_details: { reasoning_tokens: 22 } } }));
    const msg = await anthropic.messages.create({
      model: GPT, max_tokens: 20000, thinking: { type: 'enabled', budget_tokens: 16000 },
      messages: [
        { role: 'user', content: 'q' },
        // A thinking block in history: Chat Completions takes no reasoning back, so it is left out.
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'earlier', signature: 's' }, { type: 'text', text: 'earlier answer' }] },
        { role: 'user', content: 'and now?' },
      ],
    });
    expect(oai.calls[0].body.reasoning_effort).toBe('medium');
    expect(oai.calls[0].body.messages[1]).toEqual({ role: 'assistant', content: 'earlier answer' });
    expect(msg.content).toEqual([{ type: 'text', text: '42' }]);
    expect((msg.usage as unknown as { output_tokens_details?: unknown }).output_tokens_details).toEqual({ thinking_tokens: 22 });
  });

  it('Anthropic → Anthropic: thinking blocks come back, and a thinking block in history with a tool round is accepted as sent', async () => {
    ant.script(anthropicMessage([thought, toolUse], 'tool_use'));
    const params: Omit<Anthropic.MessageCreateParamsNonStreaming, 'messages'> = { model: CLAUDE, max_tokens: 4000, thinking: { type: 'enabled', budget_tokens: 2000 }, tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] };
    const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'weather?' }];
    const first = await anthropic.messages.create({ ...params, messages: history });
    expect(first.content).toEqual([thought, toolUse]);
    history.push({ role: 'assistant', content: first.content as Anthropic.ContentBlockParam[] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'sunny' }] });
    const second = await anthropic.messages.create({ ...params, messages: history });
    expect(ant.calls[1].body.messages[1].content).toEqual([thought, toolUse]);
    expect(second.content[0]).toMatchObject({ type: 'text', text: 'anthropic-mock: tool said sunny' });
  });
});

describe('usage details', () => {
  it('prompt-cache counts cross over: Anthropic cache reads as cached_tokens, OpenAI cached_tokens as cache_read_input_tokens', async () => {
    const claudeInput = async () => Number(/llm_tokens_total\{provider="anthropic",model="claude-sonnet-4-6",type="input"\} (\d+)/.exec(await proxy.metrics.text())?.[1] ?? 0);
    const before = await claudeInput();
    ant.script(anthropicMessage([{ type: 'text', text: 'x' }], 'end_turn', { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 }));
    const a = await openai.chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: 'x' }] });
    expect(a.usage).toEqual({ prompt_tokens: 130, completion_tokens: 5, total_tokens: 135, prompt_tokens_details: { cached_tokens: 100 } });
    // Metrics count every prompt token, cache included, as for OpenAI: the same on the pass-through.
    expect(await claudeInput()).toBe(before + 130);
    ant.script(anthropicMessage([{ type: 'text', text: 'x' }], 'end_turn', { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 20 }));
    await anthropic.messages.create({ model: CLAUDE, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
    expect(await claudeInput()).toBe(before + 260);
    oai.script(openaiJson('y', { usage: { prompt_tokens: 1200, completion_tokens: 3, total_tokens: 1203, prompt_tokens_details: { cached_tokens: 1024 } } }));
    const b = await anthropic.messages.create({ model: GPT, max_tokens: 5, messages: [{ role: 'user', content: 'y' }] });
    expect(b.usage).toMatchObject({ input_tokens: 176, output_tokens: 3, cache_read_input_tokens: 1024 });
  });
});

describe('documents', () => {
  const pdf = Buffer.from('%PDF-1.4 tiny').toString('base64');

  it('an OpenAI file part with PDF data reaches a Claude model as a base64 document', async () => {
    const r = await openai.chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: [{ type: 'file', file: { filename: 'report.pdf', file_data: `data:application/pdf;base64,${pdf}` } }, { type: 'text', text: 'summarise' }] }] });
    expect(ant.calls[0].body.messages[0].content[0]).toEqual({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf }, title: 'report.pdf' });
    expect(r.choices[0].message.content).toBe('anthropic-mock: summarise');
  });

  it('an Anthropic document block reaches a GPT model as a file part', async () => {
    await anthropic.messages.create({ model: GPT, max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } }, { type: 'text', text: 'summarise' }] }] });
    expect(oai.calls[0].body.messages[0].content[0]).toEqual({ type: 'file', file: { filename: 'document.pdf', file_data: `data:application/pdf;base64,${pdf}` } });
  });

  it('AI SDK file parts (PDF) reach the other dialect\'s model as its own document', async () => {
    await generateText({ model: aiOpenAI.chat(CLAUDE), maxRetries: 0, messages: [{ role: 'user', content: [{ type: 'file', data: Buffer.from('%PDF-1.4 tiny'), mediaType: 'application/pdf', filename: 'r.pdf' }, { type: 'text', text: 'read' }] }] });
    expect(ant.calls[0].body.messages[0].content[0]).toMatchObject({ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: pdf } });
  });

  it('a file id or a URL document is a 400 naming the field and the model', async () => {
    const a = await openai.chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }).catch((e: unknown) => e);
    expect(a).toBeInstanceOf(OpenAI.BadRequestError);
    expect(a).toMatchObject({ param: 'messages[0].content[0].file.file_id' });
    expect((a as Error).message).toContain(CLAUDE);
    const b = await anthropic.messages.create({ model: GPT, max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'url', url: 'https://example.com/a.pdf' } }] }] }).catch((e: unknown) => e);
    expect(b).toBeInstanceOf(Anthropic.BadRequestError);
    expect((b as Error).message).toMatch(/messages\[0\]\.content\[0\]\.source\.type.*OpenAI model gpt-4o-mini/);
    expect(oai.calls).toHaveLength(0);
    expect(ant.calls).toHaveLength(0);
  });
});

describe('what has no counterpart is refused, not dropped', () => {
  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['top_logprobs', { logprobs: true, top_logprobs: 2 }],
    ['seed', { seed: 1 }],
  ])('%s on a Claude model is a BadRequestError naming it and the model', async (param, extra) => {
    const err = await openai.chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: 'x' }], ...extra } as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param === 'top_logprobs' ? 'logprobs' : param);
    expect((err as Error).message).toContain(`Anthropic model ${CLAUDE}`);
    expect(ant.calls).toHaveLength(0);
  });

  it('the same fields on a GPT model go through as sent', async () => {
    await openai.chat.completions.create({ model: GPT, n: 2, logprobs: true, seed: 1, messages: [{ role: 'user', content: 'x' }] });
    expect(oai.calls[0].body).toMatchObject({ n: 2, logprobs: true, seed: 1 });
  });

  it('top_k on a GPT model is an Anthropic BadRequestError naming it', async () => {
    const body = { model: GPT, max_tokens: 5, top_k: 3, messages: [{ role: 'user', content: 'x' }] } as Anthropic.MessageCreateParamsNonStreaming;
    const err = await anthropic.messages.create(body).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect((err as Error).message).toMatch(/top_k cannot be translated for OpenAI model gpt-4o-mini/);
  });
});

describe('AI SDK in both dialects and across them', () => {
  const cases: [string, () => Parameters<typeof generateText>[0]['model'], string][] = [
    ['createOpenAI().chat → GPT', () => aiOpenAI.chat(GPT), 'openai-mock: hello'],
    ['createOpenAI().chat → Claude', () => aiOpenAI.chat(CLAUDE), 'anthropic-mock: hello'],
    ['createAnthropic → Claude', () => aiAnthropic(CLAUDE), 'anthropic-mock: hello'],
    ['createAnthropic → GPT', () => aiAnthropic(GPT), 'openai-mock: hello'],
  ];

  it.each(cases)('%s: generateText and streamText', async (_name, model, expected) => {
    const r = await generateText({ model: model(), prompt: 'hello', maxRetries: 0, maxOutputTokens: 100 });
    expect(r.text).toBe(expected);
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    const s = streamText({ model: model(), prompt: 'hello', maxRetries: 0, maxOutputTokens: 100 });
    let text = '';
    for await (const t of s.textStream) text += t;
    expect(text).toBe(expected);
    expect(await s.finishReason).toBe('stop');
  });

  it.each(cases)('%s: a tool round with execute', async (_name, model, expected) => {
    const prefix = expected.split(':')[0];
    const r = await generateText({
      model: model(), prompt: 'weather', maxRetries: 0, maxOutputTokens: 100, stopWhen: stepCountIs(3),
      tools: { lookup: tool({ inputSchema: Weather, execute: async ({ city }) => `sunny in ${city}` }) },
    });
    expect(r.steps[0].toolCalls[0]).toMatchObject({ toolName: 'lookup', input: { city: 'Paris', query: 'weather' } });
    expect(r.text).toBe(`${prefix}: tool said sunny in Paris`);
  });
});

describe('LangChain ChatOpenAI in both dialects and across them', () => {
  it.each([[GPT, 'openai-mock'], [CLAUDE, 'anthropic-mock']])('%s: invoke, stream and bindTools', async (model, prefix) => {
    const chat = langchain(model);
    const msg = await chat.invoke('hello');
    expect(msg.content).toBe(`${prefix}: hello`);
    let streamed = '';
    for await (const chunk of await chat.stream('hello')) streamed += chunk.content as string;
    expect(streamed).toBe(`${prefix}: hello`);
    const withTools = chat.bindTools([{ type: 'function', function: { name: 'lookup', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }]);
    const call = await withTools.invoke('weather');
    expect(call.tool_calls?.[0]).toMatchObject({ name: 'lookup', args: { city: 'Paris', query: 'weather' } });
  });
});

describe('typed errors reach the AI SDK and LangChain with the right status', () => {
  const statuses: [number, number][] = [[400, 400], [403, 403], [404, 404], [413, 413], [429, 429], [500, 503], [529, 503]];

  it.each(statuses)('upstream %i → APICallError.statusCode %i from both AI SDK providers', async (status, expected) => {
    const headers = status === 429 ? { 'retry-after': '30' } : undefined;
    oai.always({ status, headers });
    ant.always({ status, headers });
    for (const model of [aiOpenAI.chat(GPT), aiOpenAI.chat(CLAUDE), aiAnthropic(CLAUDE), aiAnthropic(GPT)]) {
      const err = await generateText({ model, prompt: 'x', maxRetries: 0, maxOutputTokens: 10 }).catch((e: unknown) => e);
      expect(APICallError.isInstance(err)).toBe(true);
      expect((err as APICallError).statusCode).toBe(expected);
      if (status === 429) expect((err as APICallError).responseHeaders?.['retry-after']).toBe('30');
    }
  });

  it.each([
    [400, 'BadRequestError', undefined],
    [403, 'PermissionDeniedError', undefined],
    [404, 'NotFoundError', 'MODEL_NOT_FOUND'],
    [413, 'APIError', undefined],
    [429, 'RateLimitError', 'MODEL_RATE_LIMIT'],
    [500, 'InternalServerError', undefined],
  ])('upstream %i → LangChain throws the openai SDK\'s %s (lc_error_code %s), from both dialects', async (status, cls, code) => {
    oai.always({ status });
    ant.always({ status });
    for (const model of [GPT, CLAUDE]) {
      const err = await langchain(model).invoke('x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf((OpenAI as unknown as Record<string, new () => Error>)[cls]);
      expect((err as { status: number }).status).toBe(status >= 500 ? 503 : status);
      if (code) expect((err as { lc_error_code?: string }).lc_error_code).toBe(code);
    }
  });

  it('an upstream 401 (the proxy\'s own key) reaches neither client as a 401: it is a 503 naming no key', async () => {
    oai.always({ status: 401 });
    const err = await generateText({ model: aiOpenAI.chat(GPT), prompt: 'x', maxRetries: 0 }).catch((e: unknown) => e);
    expect((err as APICallError).statusCode).toBe(503);
    expect((err as APICallError).responseBody).not.toContain('sk-test-openai-key');
    const lc = await langchain(GPT).invoke('x').catch((e: unknown) => e);
    expect(lc).toBeInstanceOf(OpenAI.InternalServerError);
  });

  it('a 400 from the proxy\'s own translation reaches the AI SDK with the message naming the field', async () => {
    const err = await generateText({ model: aiOpenAI.chat(CLAUDE), prompt: 'x', maxRetries: 0, seed: 3 }).catch((e: unknown) => e);
    expect((err as APICallError).statusCode).toBe(400);
    expect((err as APICallError).message).toMatch(/seed cannot be translated for Anthropic model claude-sonnet-4-6/);
  });
});
