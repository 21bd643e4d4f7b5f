import type { Message, Part, Request, Tool, ToolChoice } from '../canonical.ts';
import { invalid } from '../errors.ts';
import { arr, isObj, nonEmpty, obj, optBool, optInt, optNum, optStops, str, toolSchema, type Obj } from './check.ts';

/** What the proxy needs from an OpenAI Chat Completions request besides the canonical request. */
export interface ParsedOpenAI {
  request: Request;
  stream: boolean;
  includeUsage: boolean;
}

/** Validates an OpenAI Chat Completions body and translates it. Throws a 400 LlmError naming the parameter. */
export function parseOpenAIRequest(body: unknown): ParsedOpenAI {
  const b = obj(body, 'body');
  const model = nonEmpty(b.model, 'model');
  const rawMessages = arr(b.messages, 'messages');
  if (rawMessages.length === 0) throw invalid('messages must contain at least one message', 'messages');
  const system: string[] = [];
  const messages: Message[] = [];
  rawMessages.forEach((m, i) => parseMessage(m, `messages[${i}]`, system, messages));
  if (messages.length === 0) throw invalid('messages must contain at least one user or assistant message', 'messages');

  const request: Request = { model, messages };
  if (system.length) request.system = system.join('\n\n');
  if (b.tools !== undefined && b.tools !== null) request.tools = arr(b.tools, 'tools').map(parseTool);
  if (b.tool_choice !== undefined && b.tool_choice !== null) request.toolChoice = parseToolChoice(b.tool_choice);
  const maxTokens = optInt(b.max_completion_tokens, 'max_completion_tokens', 1) ?? optInt(b.max_tokens, 'max_tokens', 1);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optNum(b.temperature, 'temperature', 0, 2);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optNum(b.top_p, 'top_p', 0, 1);
  if (topP !== undefined) request.topP = topP;
  const stop = optStops(b.stop, 'stop');
  if (stop) request.stop = stop;
  const parallel = optBool(b.parallel_tool_calls, 'parallel_tool_calls');
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  if (typeof b.user === 'string') request.user = b.user;
  const n = optInt(b.n, 'n', 1);
  if (n !== undefined && n !== 1) throw invalid('only n=1 is supported', 'n');

  if (b.functions !== undefined || b.function_call !== undefined) throw invalid('functions and function_call are deprecated; use tools and tool_choice', b.functions !== undefined ? 'functions' : 'function_call');
  const extra = passThrough(b, OPENAI_KNOWN);
  if (extra) request.extra = { openai: extra };
  const stream = optBool(b.stream, 'stream') ?? false;
  let includeUsage = false;
  if (b.stream_options !== undefined && b.stream_options !== null) {
    includeUsage = optBool(obj(b.stream_options, 'stream_options').include_usage, 'stream_options.include_usage') ?? false;
  }
  return { request, stream, includeUsage };
}

// Parameters the canonical model carries (or the proxy handles); any other is passed through to OpenAI as is.
const OPENAI_KNOWN = new Set(['model', 'messages', 'tools', 'tool_choice', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'parallel_tool_calls', 'user', 'n', 'stream', 'stream_options', 'functions', 'function_call']);

/** The body's parameters outside `known` (undefined when there are none). */
export function passThrough(b: Obj, known: ReadonlySet<string>): Obj | undefined {
  let out: Obj | undefined;
  for (const k of Object.keys(b)) if (!known.has(k) && b[k] !== undefined) (out ??= {})[k] = b[k];
  return out;
}

function parseMessage(raw: unknown, param: string, system: string[], out: Message[]): void {
  const m = obj(raw, param);
  const role = m.role;
  if (role === 'system' || role === 'developer') {
    system.push(textContent(m.content, `${param}.content`));
    return;
  }
  if (role === 'user') return push(out, 'user', userParts(m.content, `${param}.content`));
  if (role === 'assistant') {
    const parts: Part[] = [];
    if (m.content !== undefined && m.content !== null) {
      const text = textContent(m.content, `${param}.content`);
      if (text) parts.push({ type: 'text', text });
    }
    if (m.tool_calls !== undefined && m.tool_calls !== null) {
      arr(m.tool_calls, `${param}.tool_calls`).forEach((tc, j) => {
        const p = `${param}.tool_calls[${j}]`;
        const call = obj(tc, p);
        const fn = obj(call.function, `${p}.function`);
        parts.push({ type: 'tool_call', id: nonEmpty(call.id, `${p}.id`), name: nonEmpty(fn.name, `${p}.function.name`), arguments: str(fn.arguments ?? '{}', `${p}.function.arguments`) });
      });
    }
    if (parts.length === 0) throw invalid(`${param} must have content or tool_calls`, param);
    return push(out, 'assistant', parts);
  }
  if (role === 'tool') {
    const toolCallId = nonEmpty(m.tool_call_id, `${param}.tool_call_id`);
    return push(out, 'user', [{ type: 'tool_result', toolCallId, content: textContent(m.content, `${param}.content`) }]);
  }
  throw invalid(`${param}.role must be one of system, developer, user, assistant, tool`, `${param}.role`);
}

/** Consecutive messages of one role merge, so tool results of one turn travel together. */
function push(out: Message[], role: Message['role'], parts: Part[]): void {
  const last = out[out.length - 1];
  if (last && last.role === role) last.content.push(...parts);
  else out.push({ role, content: parts });
}

function textContent(content: unknown, param: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return arr(content, param).map((p, i) => {
    const part = obj(p, `${param}[${i}]`);
    if (part.type !== 'text') throw invalid(`${param}[${i}] must be a text part here`, `${param}[${i}].type`);
    return str(part.text, `${param}[${i}].text`);
  }).join('');
}

function userParts(content: unknown, param: string): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const parts = arr(content, param).map((p, i): Part => {
    const part = obj(p, `${param}[${i}]`);
    if (part.type === 'text') return { type: 'text', text: str(part.text, `${param}[${i}].text`) };
    if (part.type === 'image_url') return { type: 'image', url: nonEmpty(obj(part.image_url, `${param}[${i}].image_url`).url, `${param}[${i}].image_url.url`) };
    throw invalid(`${param}[${i}].type must be text or image_url`, `${param}[${i}].type`);
  });
  if (parts.length === 0) throw invalid(`${param} must not be empty`, param);
  return parts;
}

function parseTool(raw: unknown, i: number): Tool {
  const param = `tools[${i}]`;
  const t = obj(raw, param);
  if (t.type !== 'function') throw invalid(`${param}.type must be "function"`, `${param}.type`);
  const fn = obj(t.function, `${param}.function`);
  const { name, parameters } = toolSchema(fn.name, fn.parameters, `${param}.function`);
  const tool: Tool = { name, parameters };
  if (typeof fn.description === 'string') tool.description = fn.description;
  return tool;
}

function parseToolChoice(raw: unknown): ToolChoice {
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  if (isObj(raw) && raw.type === 'function' && isObj(raw.function)) return { type: 'tool', name: nonEmpty(raw.function.name, 'tool_choice.function.name') };
  throw invalid('tool_choice must be auto, none, required or {"type":"function","function":{"name"}}', 'tool_choice');
}

/** Builds the OpenAI Chat Completions body for a canonical request (what OpenAIProvider sends). */
export function toOpenAIRequest(req: Request, stream: boolean): Obj {
  const messages: Obj[] = [];
  if (req.system) messages.push({ role: 'system', content: req.system });
  for (const m of req.messages) {
    if (m.role === 'assistant') {
      let text = '';
      const calls: Obj[] = [];
      for (const p of m.content) {
        if (p.type === 'text') text += p.text;
        else if (p.type === 'tool_call') calls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } });
      }
      const msg: Obj = { role: 'assistant', content: text || null };
      if (calls.length) msg.tool_calls = calls;
      messages.push(msg);
      continue;
    }
    let pending: Obj[] = [];
    const flush = () => {
      if (!pending.length) return;
      const onlyText = pending.every((p) => p.type === 'text');
      messages.push({ role: 'user', content: onlyText ? pending.map((p) => p.text).join('') : pending });
      pending = [];
    };
    for (const p of m.content) {
      if (p.type === 'tool_result') { flush(); messages.push({ role: 'tool', tool_call_id: p.toolCallId, content: p.content }); }
      else if (p.type === 'text') pending.push({ type: 'text', text: p.text });
      else if (p.type === 'image') pending.push({ type: 'image_url', image_url: { url: p.url } });
    }
    flush();
  }
  const body: Obj = { ...req.extra?.openai, model: req.model, messages };
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters } }));
  }
  if (req.toolChoice) body.tool_choice = req.toolChoice.type === 'tool' ? { type: 'function', function: { name: req.toolChoice.name } } : req.toolChoice.type;
  if (req.maxTokens !== undefined) body.max_completion_tokens = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop) body.stop = req.stop;
  if (req.parallelToolCalls !== undefined && req.tools?.length) body.parallel_tool_calls = req.parallelToolCalls;
  if (req.user) body.user = req.user;
  if (stream) { body.stream = true; body.stream_options = { include_usage: true }; }
  return body;
}
