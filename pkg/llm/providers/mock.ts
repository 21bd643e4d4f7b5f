import type { Request, Response, StreamEvent } from '../canonical.ts';
import { collect, textOf } from '../canonical.ts';
import { LlmError } from '../errors.ts';
import type { LLMProvider } from '../provider.ts';
import { sleep } from '../resilience/sleep.ts';

export interface MockProviderOptions {
  /** Delay between streamed tokens, ms. Default 0. */
  tokenDelayMs?: number;
}

/**
 * A provider with no network: deterministic answers for development and for
 * the proxy's own tests. With tools offered (and tool_choice not `none`) and
 * no tool result yet in the last turn, it calls the chosen (or first) tool
 * with arguments from `mockToolArguments`; after the tool result it answers
 * `mock: tool said <result>`; otherwise `mock: <last user text>`, or with a
 * response format that text in a JSON object (`mockToolArguments`). Streams
 * word by word.
 */
export class MockProvider implements LLMProvider {
  readonly name = 'mock' as const;
  readonly #delay: number;
  #seq = 0;

  constructor(options: MockProviderOptions = {}) {
    this.#delay = options.tokenDelayMs ?? 0;
  }

  /** The events of the answer to `req`, deterministic apart from ids. */
  events(req: Request): StreamEvent[] {
    const id = `mock-${++this.#seq}`;
    const last = req.messages[req.messages.length - 1];
    const userText = last ? textOf(last.content) : '';
    const inputTokens = countTokens(req.system ?? '') + req.messages.reduce((n, m) => n + countTokens(textOf(m.content)), 0);
    const events: StreamEvent[] = [{ type: 'start', id, model: req.model, inputTokens }];
    const answeredTool = last?.content.some((p) => p.type === 'tool_result') ?? false;
    const choice = req.toolChoice;
    if (req.tools?.length && choice?.type !== 'none' && !answeredTool) {
      const tool = choice?.type === 'tool' ? req.tools.find((t) => t.name === choice.name) ?? req.tools[0] : req.tools[0];
      const args = JSON.stringify(mockToolArguments(tool.parameters, userText));
      events.push({ type: 'tool_start', index: 0, id: `call_${id.replace(/-/g, '_')}`, name: tool.name });
      for (let i = 0; i < args.length; i += 8) events.push({ type: 'tool_delta', index: 0, arguments: args.slice(i, i + 8) });
      events.push({ type: 'end', stopReason: 'tool_calls', usage: { inputTokens, outputTokens: countTokens(args) } });
      return events;
    }
    const text = answeredTool ? `mock: tool said ${last.content.filter((p) => p.type === 'tool_result').map((p) => p.content).join(', ')}` : `mock: ${userText}`;
    if (req.responseFormat) {
      // Structured output: a JSON object of the wanted shape (as far as mockToolArguments reads a schema), whole.
      const json = JSON.stringify(mockToolArguments(req.responseFormat.type === 'json_schema' ? req.responseFormat.schema : {}, text));
      events.push({ type: 'text', text: json }, { type: 'end', stopReason: 'stop', usage: { inputTokens, outputTokens: countTokens(json) } });
      return events;
    }
    const words = text.split(/(?<= )/);
    const emitted = words.slice(0, req.maxTokens ?? words.length);
    for (const w of emitted) events.push({ type: 'text', text: w });
    events.push({ type: 'end', stopReason: emitted.length < words.length ? 'length' : 'stop', usage: { inputTokens, outputTokens: emitted.length } });
    return events;
  }

  async complete(req: Request, signal: AbortSignal): Promise<Response> {
    if (signal.aborted) throw new LlmError('aborted', 'mock: call aborted', { provider: this.name });
    return collect(this.events(req));
  }

  async *stream(req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
    for (const ev of this.events(req)) {
      if (this.#delay > 0 && ev.type === 'text') {
        try { await sleep(this.#delay, signal); } catch { throw new LlmError('aborted', 'mock: call aborted', { provider: this.name }); }
      }
      if (signal.aborted) throw new LlmError('aborted', 'mock: call aborted', { provider: this.name });
      yield ev;
    }
  }
}

/**
 * The arguments the mock passes to a tool: the user's text in the first
 * required string property of the tool's JSON Schema (`{"query": …}` for a
 * search tool), so an app's real argument validation accepts the call and the
 * round trip completes; `{"input": …}` when the schema requires no string.
 */
export function mockToolArguments(parameters: Record<string, unknown>, userText: string): Record<string, string> {
  const required = Array.isArray(parameters.required) ? parameters.required : [];
  const properties = isRecord(parameters.properties) ? parameters.properties : {};
  for (const name of required) {
    if (typeof name !== 'string' || !Object.hasOwn(properties, name)) continue;
    const prop = properties[name];
    const type = isRecord(prop) ? prop.type : undefined;
    if (type === 'string' || (Array.isArray(type) && type.includes('string'))) return { [name]: userText };
  }
  return { input: userText };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function countTokens(text: string): number {
  return text ? Math.ceil(text.length / 4) : 0;
}
