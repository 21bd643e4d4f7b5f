import type { Message, Part, Request, Tool, ToolChoice } from '../canonical.ts';
import { invalid } from '../errors.ts';
import { argsObject, arr, isObj, nonEmpty, obj, optBool, optInt, optNum, optStops, str, toolSchema, type Obj } from './check.ts';
import { passThrough } from './openai-request.ts';

// Parameters the canonical model carries; any other (top_k, thinking, service_tier…) is passed through to Anthropic as is.
const ANTHROPIC_KNOWN = new Set(['model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'temperature', 'top_p', 'stop_sequences', 'metadata', 'stream']);

export interface ParsedAnthropic {
  request: Request;
  stream: boolean;
}

/** Validates an Anthropic Messages body and translates it. Throws a 400 LlmError naming the parameter. */
export function parseAnthropicRequest(body: unknown): ParsedAnthropic {
  const b = obj(body, 'body');
  const model = nonEmpty(b.model, 'model');
  const maxTokens = optInt(b.max_tokens, 'max_tokens', 1);
  if (maxTokens === undefined) throw invalid('max_tokens is required', 'max_tokens');
  const rawMessages = arr(b.messages, 'messages');
  if (rawMessages.length === 0) throw invalid('messages must contain at least one message', 'messages');
  const messages: Message[] = [];
  rawMessages.forEach((raw, i) => {
    const param = `messages[${i}]`;
    const m = obj(raw, param);
    if (m.role !== 'user' && m.role !== 'assistant') throw invalid(`${param}.role must be user or assistant`, `${param}.role`);
    const parts = blocks(m.content, `${param}.content`, m.role);
    const last = messages[messages.length - 1];
    if (last && last.role === m.role) last.content.push(...parts);
    else messages.push({ role: m.role, content: parts });
  });

  const request: Request = { model, messages, maxTokens };
  if (b.system !== undefined && b.system !== null) {
    const system = typeof b.system === 'string' ? b.system : textBlocks(b.system, 'system');
    if (system) request.system = system;
    // Text blocks with cache marks travel as they are to an Anthropic provider (prompt caching).
    if (Array.isArray(b.system) && b.system.some((x) => isObj(x) && x.cache_control !== undefined)) (request.extra ??= {}).anthropic = { ...request.extra?.anthropic, system: b.system };
  }
  if (b.tools !== undefined && b.tools !== null) request.tools = arr(b.tools, 'tools').map(parseTool);
  if (b.tool_choice !== undefined && b.tool_choice !== null) {
    const { choice, parallel } = parseToolChoice(b.tool_choice);
    request.toolChoice = choice;
    if (parallel !== undefined) request.parallelToolCalls = parallel;
  }
  const temperature = optNum(b.temperature, 'temperature', 0, 1);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optNum(b.top_p, 'top_p', 0, 1);
  if (topP !== undefined) request.topP = topP;
  const stop = optStops(b.stop_sequences, 'stop_sequences');
  if (stop) request.stop = stop;
  if (isObj(b.metadata) && typeof b.metadata.user_id === 'string') request.user = b.metadata.user_id;
  const extra = passThrough(b, ANTHROPIC_KNOWN);
  if (extra) request.extra = { anthropic: { ...request.extra?.anthropic, ...extra } };
  return { request, stream: optBool(b.stream, 'stream') ?? false };
}

function textBlocks(raw: unknown, param: string): string {
  return arr(raw, param).map((b, i) => {
    const block = obj(b, `${param}[${i}]`);
    if (block.type !== 'text') throw invalid(`${param}[${i}].type must be text`, `${param}[${i}].type`);
    return str(block.text, `${param}[${i}].text`);
  }).join('\n\n');
}

function blocks(content: unknown, param: string, role: 'user' | 'assistant'): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const list = arr(content, param);
  if (list.length === 0) throw invalid(`${param} must not be empty`, param);
  return list.map((raw, i): Part => {
    const part = block(raw, `${param}[${i}]`, role);
    const mark = (raw as Obj).cache_control;
    if (isObj(mark)) part.cache = mark;
    return part;
  });
}

function block(raw: unknown, p: string, role: 'user' | 'assistant'): Part {
  const b = obj(raw, p);
  switch (b.type) {
    case 'text': return { type: 'text', text: str(b.text, `${p}.text`) };
    case 'image': {
      const src = obj(b.source, `${p}.source`);
      if (src.type === 'url') return { type: 'image', url: nonEmpty(src.url, `${p}.source.url`) };
      if (src.type === 'base64') return { type: 'image', url: `data:${nonEmpty(src.media_type, `${p}.source.media_type`)};base64,${nonEmpty(src.data, `${p}.source.data`)}` };
      throw invalid(`${p}.source.type must be base64 or url`, `${p}.source.type`);
    }
    case 'tool_use': {
      if (role !== 'assistant') throw invalid(`${p}: tool_use blocks belong to assistant messages`, `${p}.type`);
      const input = b.input === undefined ? {} : obj(b.input, `${p}.input`);
      return { type: 'tool_call', id: nonEmpty(b.id, `${p}.id`), name: nonEmpty(b.name, `${p}.name`), arguments: JSON.stringify(input) };
    }
    case 'tool_result': {
      if (role !== 'user') throw invalid(`${p}: tool_result blocks belong to user messages`, `${p}.type`);
      const c = b.content;
      const text = c === undefined || c === null ? '' : typeof c === 'string' ? c : textBlocks(c, `${p}.content`);
      const part: Part = { type: 'tool_result', toolCallId: nonEmpty(b.tool_use_id, `${p}.tool_use_id`), content: text };
      if (b.is_error === true) part.isError = true;
      return part;
    }
    default: throw invalid(`${p}.type must be text, image, tool_use or tool_result`, `${p}.type`);
  }
}

function parseTool(raw: unknown, i: number): Tool {
  const param = `tools[${i}]`;
  const t = obj(raw, param);
  if (t.type !== undefined && t.type !== 'custom') throw invalid(`${param}.type: only custom (client) tools are supported`, `${param}.type`);
  const { name, parameters } = toolSchema(t.name, t.input_schema, param);
  if (t.input_schema === undefined) throw invalid(`${param}.input_schema is required`, `${param}.input_schema`);
  const tool: Tool = { name, parameters };
  if (typeof t.description === 'string') tool.description = t.description;
  if (isObj(t.cache_control)) tool.cache = t.cache_control;
  return tool;
}

function parseToolChoice(raw: unknown): { choice: ToolChoice; parallel?: boolean } {
  const c = obj(raw, 'tool_choice');
  const parallel = c.disable_parallel_tool_use === true ? false : undefined;
  switch (c.type) {
    case 'auto': return { choice: { type: 'auto' }, parallel };
    case 'none': return { choice: { type: 'none' } };
    case 'any': return { choice: { type: 'required' }, parallel };
    case 'tool': return { choice: { type: 'tool', name: nonEmpty(c.name, 'tool_choice.name') }, parallel };
    default: throw invalid('tool_choice.type must be auto, any, tool or none', 'tool_choice.type');
  }
}

/** Builds the Anthropic Messages body for a canonical request (what AnthropicProvider sends). */
export function toAnthropicRequest(req: Request, stream: boolean, defaultMaxTokens: number): Obj {
  const messages: Obj[] = [];
  for (const m of req.messages) {
    const content: Obj[] = [];
    // Anthropic wants tool results first in a user turn.
    const ordered = m.role === 'user' ? [...m.content.filter((p) => p.type === 'tool_result'), ...m.content.filter((p) => p.type !== 'tool_result')] : m.content;
    ordered.forEach((p, i) => {
      let b: Obj | undefined;
      if (p.type === 'text') { if (p.text) b = { type: 'text', text: p.text }; }
      else if (p.type === 'image') b = { type: 'image', source: imageSource(p.url) };
      else if (p.type === 'tool_call') b = { type: 'tool_use', id: p.id, name: p.name, input: argsObject(p.arguments, `messages.tool_calls[${i}].function.arguments`) };
      else b = { type: 'tool_result', tool_use_id: p.toolCallId, content: p.content, ...(p.isError ? { is_error: true } : {}) };
      if (b && p.cache) b.cache_control = p.cache;
      if (b) content.push(b);
    });
    if (content.length === 0) content.push({ type: 'text', text: '' });
    messages.push({ role: m.role, content });
  }
  const body: Obj = { ...req.extra?.anthropic, model: req.model, max_tokens: req.maxTokens ?? defaultMaxTokens, messages };
  if (req.system && !Array.isArray(body.system)) body.system = req.system;
  if (req.tools?.length) {
    body.tools = req.tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.parameters, ...(t.cache ? { cache_control: t.cache } : {}) }));
  }
  if (req.toolChoice && body.tools) {
    const c = req.toolChoice;
    const choice: Obj = c.type === 'tool' ? { type: 'tool', name: c.name } : { type: c.type === 'required' ? 'any' : c.type };
    if (req.parallelToolCalls === false) choice.disable_parallel_tool_use = true;
    body.tool_choice = choice;
  }
  // Anthropic's temperature range is 0..1; OpenAI's is 0..2.
  if (req.temperature !== undefined) body.temperature = Math.min(1, req.temperature);
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop) body.stop_sequences = req.stop;
  if (req.user) body.metadata = { user_id: req.user };
  if (stream) body.stream = true;
  return body;
}

function imageSource(url: string): Obj {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { type: 'base64', media_type: m[1], data: m[2] } : { type: 'url', url };
}
