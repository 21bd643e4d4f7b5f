import { beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import type { TestProxy } from '../fixtures/llm/proxy.ts';
import { useLlmSuite } from '../fixtures/llm/suite.ts';

// The official SDKs in the app, pointed at the proxy, in both dialects, against both upstreams.
const llm = useLlmSuite({ close: 'all' });
let proxy: TestProxy;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  proxy = await llm.proxy();
  openai = new OpenAI({ apiKey: 'unused-by-proxy', baseURL: `${proxy.url}/v1` });
  anthropic = new Anthropic({ apiKey: 'unused-by-proxy', baseURL: proxy.url });
});

const MODELS = { openai: 'gpt-4o-mini', anthropic: 'claude-3-5-haiku-latest' } as const;
const upstreams = ['openai', 'anthropic'] as const;
const weatherTool = { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

describe.each(upstreams)('OpenAI dialect against the %s upstream', (upstream) => {
  const model = MODELS[upstream];
  const mock = () => (upstream === 'openai' ? llm.oai : llm.ant);

  it('answers a non-streaming chat, with the system prompt carried to the upstream', async () => {
    const { data, response } = await openai.chat.completions.create({
      model, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello world' }],
    }).withResponse();
    expect(data.choices[0].message.content).toBe(`${upstream}-mock: hello world`);
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-llm-provider')).toBe(upstream);
    expect(response.headers.get('x-llm-model')).toBe(model);
    expect(response.headers.get('x-llm-attempts')).toBe('1');
    expect(response.headers.get('x-llm-fallback')).toBe('false');
    const sent = mock().calls[0].body;
    if (upstream === 'anthropic') {
      expect(sent.system).toBe('be brief');
      expect(sent.max_tokens).toBe(4096);
      expect(sent.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hello world' }] }]);
    } else {
      expect(sent.messages[0]).toEqual({ role: 'system', content: 'be brief' });
    }
  });

  it('streams text with usage when include_usage is set', async () => {
    const stream = await openai.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'stream me please' }] });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(`${upstream}-mock: stream me please`);
    expect(finish).toBe('stop');
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('makes a tool call (non-streaming) and carries the tool result back', async () => {
    const tools = [{ type: 'function' as const, function: weatherTool }];
    const first = await openai.chat.completions.create({ model, tools, messages: [{ role: 'user', content: 'weather?' }] });
    const call = first.choices[0].message.tool_calls?.[0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(call?.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ city: 'Paris', query: 'weather?' });
    const second = await openai.chat.completions.create({
      model, tools,
      messages: [{ role: 'user', content: 'weather?' }, first.choices[0].message, { role: 'tool', tool_call_id: call!.id, content: 'sunny' }],
    });
    expect(second.choices[0].message.content).toBe(`${upstream}-mock: tool said sunny`);
    if (upstream === 'anthropic') {
      const sent = llm.ant.calls[1].body;
      expect(sent.tools[0]).toEqual({ name: 'get_weather', description: 'Weather in a city', input_schema: weatherTool.parameters });
      expect(sent.messages[1].content[0]).toMatchObject({ type: 'tool_use', id: call!.id, name: 'get_weather', input: { city: 'Paris', query: 'weather?' } });
      expect(sent.messages[2].content[0]).toEqual({ type: 'tool_result', tool_use_id: call!.id, content: 'sunny' });
    }
  });

  it('streams tool-call argument deltas that concatenate to the arguments', async () => {
    const stream = await openai.chat.completions.create({ model, stream: true, tools: [{ type: 'function', function: weatherTool }], tool_choice: 'required', messages: [{ role: 'user', content: 'weather?' }] });
    let args = '';
    let name = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) { name ||= tc.function?.name ?? ''; args += tc.function?.arguments ?? ''; }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual({ city: 'Paris', query: 'weather?' });
    expect(finish).toBe('tool_calls');
  });
});

describe.each(upstreams)('Anthropic dialect against the %s upstream', (upstream) => {
  const model = MODELS[upstream];
  const mock = () => (upstream === 'openai' ? llm.oai : llm.ant);

  it('answers a non-streaming message, with the system prompt carried to the upstream', async () => {
    const { data, response } = await anthropic.messages.create({ model, max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hello world' }] }, { headers: { 'anthropic-beta': 'context-1m-2025-08-07' } }).withResponse();
    if (upstream === 'anthropic') expect(llm.ant.calls[0].headers['anthropic-beta']).toBe('context-1m-2025-08-07');
    expect(data.content).toEqual([{ type: 'text', text: `${upstream}-mock: hello world` }]);
    expect(data.stop_reason).toBe('end_turn');
    expect(data.usage.output_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-llm-provider')).toBe(upstream);
    const sent = mock().calls[0].body;
    if (upstream === 'openai') {
      expect(sent.messages[0]).toEqual({ role: 'system', content: 'be brief' });
      expect(sent.max_completion_tokens).toBe(100);
    } else {
      expect(sent.system).toBe('be brief');
    }
  });

  it('streams text through the SDK accumulator', async () => {
    const stream = anthropic.messages.stream({ model, max_tokens: 100, messages: [{ role: 'user', content: 'stream me please' }] });
    let deltas = '';
    stream.on('text', (t) => { deltas += t; });
    const final = await stream.finalMessage();
    expect(deltas).toBe(`${upstream}-mock: stream me please`);
    expect(final.content).toEqual([{ type: 'text', text: `${upstream}-mock: stream me please`, citations: null }].map((b) => expect.objectContaining({ type: b.type, text: b.text })));
    expect(final.stop_reason).toBe('end_turn');
  });

  it('makes a tool call and carries the tool result back', async () => {
    const tools = [{ name: weatherTool.name, description: weatherTool.description, input_schema: weatherTool.parameters as Anthropic.Tool.InputSchema }];
    const first = await anthropic.messages.create({ model, max_tokens: 100, tools, messages: [{ role: 'user', content: 'weather?' }] });
    const use = first.content.find((b) => b.type === 'tool_use');
    expect(first.stop_reason).toBe('tool_use');
    expect(use).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris', query: 'weather?' } });
    const second = await anthropic.messages.create({
      model, max_tokens: 100, tools,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use!.type === 'tool_use' ? use!.id : '', content: 'sunny' }] },
      ],
    });
    expect(second.content[0]).toMatchObject({ type: 'text', text: `${upstream}-mock: tool said sunny` });
    if (upstream === 'openai') {
      const sent = llm.oai.calls[1].body;
      expect(sent.tools[0]).toEqual({ type: 'function', function: weatherTool });
      expect(sent.messages[1].tool_calls[0].function).toEqual({ name: 'get_weather', arguments: JSON.stringify({ city: 'Paris', query: 'weather?' }) });
      expect(sent.messages[2]).toEqual({ role: 'tool', tool_call_id: use!.type === 'tool_use' ? use!.id : '', content: 'sunny' });
    }
  });

  it('streams a tool call whose input_json deltas the SDK assembles', async () => {
    const stream = anthropic.messages.stream({ model, max_tokens: 100, tools: [{ name: 'get_weather', input_schema: weatherTool.parameters as Anthropic.Tool.InputSchema }], tool_choice: { type: 'any' }, messages: [{ role: 'user', content: 'weather?' }] });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris', query: 'weather?' } });
  });
});

describe('routing', () => {
  it('routes provider/model, the x-llm-provider header, and lists models in both dialects', async () => {
    const a = await openai.chat.completions.create({ model: 'anthropic/claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(a.response.headers.get('x-llm-provider')).toBe('anthropic');
    expect(llm.ant.calls[0].body.model).toBe('claude-sonnet-4-6');
    const m = await openai.chat.completions.create({ model: 'anything', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-llm-provider': 'mock' } }).withResponse();
    expect(m.response.headers.get('x-llm-provider')).toBe('mock');
    expect(m.data.choices[0].message.content).toBe('mock: hi');
    const list = await openai.models.list();
    expect(list.data.map((x) => x.id)).toContain('mock/mock-1');
    const alist = await anthropic.models.list();
    expect(alist.data.map((x) => x.id)).toContain('mock/mock-1');
  });
});
