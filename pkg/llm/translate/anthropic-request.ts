import type { Message, Part, Request, Response, Tool, ToolChoice, Unmapped } from '../canonical.ts';
import { invalid } from '../errors.ts';
import { argsObject, arr, isObj, nonEmpty, obj, optBool, optInt, parseSampling, str, toolSchema, type Obj } from './check.ts';
import { crossDialectFields, ownBlock } from './cross-dialect.ts';
import { passThrough } from './openai-request.ts';
import { budgetFor, effortForBudget, MIN_THINKING_BUDGET } from './reasoning.ts';
import { parseOutputFormat, structuredTools, unwrapStructured } from './structured-output.ts';

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
  const unmapped: Unmapped[] = [];
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
  if (b.tools !== undefined && b.tools !== null) {
    const raw = arr(b.tools, 'tools');
    request.tools = [];
    raw.forEach((t, i) => {
      if (isObj(t) && t.type !== undefined && t.type !== 'custom') {
        // A server tool (web search, code execution…) runs at Anthropic: the tools travel raw to an Anthropic provider.
        unmapped.push({ dialect: 'anthropic', param: `tools[${i}]`, what: `${String(t.type)} is an Anthropic server tool` });
      } else request.tools!.push(parseTool(t, i, unmapped));
    });
    // A tool field the canonical model does not carry: the tools travel raw to an Anthropic provider.
    if (unmapped.some((u) => u.param.startsWith('tools['))) (request.extra ??= {}).anthropic = { ...request.extra?.anthropic, tools: raw };
  }
  if (b.tool_choice !== undefined && b.tool_choice !== null) {
    const { choice, parallel } = parseToolChoice(b.tool_choice);
    request.toolChoice = choice;
    if (parallel !== undefined) request.parallelToolCalls = parallel;
  }
  parseSampling(b, request, 1, 'stop_sequences');
  if (isObj(b.metadata) && typeof b.metadata.user_id === 'string') request.user = b.metadata.user_id;
  parseReasoningAndFormat(b, request, unmapped);
  if (unmapped.length) request.unmapped = unmapped;
  const extra = passThrough(b, ANTHROPIC_KNOWN);
  if (extra) request.extra = { anthropic: { ...request.extra?.anthropic, ...extra } };
  return { request, stream: optBool(b.stream, 'stream') ?? false };
}

/** `thinking`, `output_config` and the beta `output_format` → canonical reasoning and response format (kept raw in extra too). */
function parseReasoningAndFormat(b: Obj, request: Request, unmapped: Unmapped[]): void {
  if (b.thinking !== undefined && b.thinking !== null) {
    const t = obj(b.thinking, 'thinking');
    if (t.type === 'enabled') {
      const budget = optInt(t.budget_tokens, 'thinking.budget_tokens', MIN_THINKING_BUDGET);
      if (budget === undefined) throw invalid('thinking.budget_tokens is required', 'thinking.budget_tokens');
      request.reasoning = { effort: effortForBudget(budget), budgetTokens: budget };
    } else if (t.type !== 'disabled' && t.type !== 'adaptive') {
      // disabled and adaptive translate as no reasoning_effort (the model's default); other kinds do not translate.
      unmapped.push({ dialect: 'anthropic', param: 'thinking.type', what: `thinking ${String(t.type)} has no reasoning_effort equivalent` });
    }
  }
  if (b.output_config !== undefined && b.output_config !== null) {
    const oc = obj(b.output_config, 'output_config');
    for (const k of Object.keys(oc)) if (k !== 'format' && k !== 'effort' && oc[k] !== undefined) unmapped.push({ dialect: 'anthropic', param: `output_config.${k}`, what: 'no OpenAI equivalent' });
    const format = parseOutputFormat(oc.format, 'output_config.format');
    if (format) request.responseFormat = format;
    const effort = oc.effort;
    if (effort === 'low' || effort === 'medium' || effort === 'high' || effort === 'xhigh') request.reasoning ??= { effort };
    else if (effort !== undefined && effort !== null) unmapped.push({ dialect: 'anthropic', param: 'output_config.effort', what: `effort ${String(effort)} has no reasoning_effort equivalent` });
  }
  const beta = parseOutputFormat(b.output_format, 'output_format');
  if (beta) request.responseFormat ??= beta;
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
    if (isObj(mark) && 'cache' in part) part.cache = mark;
    else if (isObj(mark) && (part.type === 'text' || part.type === 'image' || part.type === 'document' || part.type === 'tool_call' || part.type === 'tool_result')) part.cache = mark;
    return part;
  });
}

const foreign = (b: Obj, param: string, what: string): Part => ({ type: 'foreign', dialect: 'anthropic', block: b, param, what });

function block(raw: unknown, p: string, role: 'user' | 'assistant'): Part {
  const b = obj(raw, p);
  switch (b.type) {
    case 'text':
      if (Array.isArray(b.citations) && b.citations.length) return foreign(b, `${p}.citations`, 'OpenAI takes no citations in history');
      return { type: 'text', text: str(b.text, `${p}.text`) };
    case 'image': {
      const src = obj(b.source, `${p}.source`);
      if (src.type === 'url') return { type: 'image', url: nonEmpty(src.url, `${p}.source.url`) };
      if (src.type === 'base64') return { type: 'image', url: `data:${nonEmpty(src.media_type, `${p}.source.media_type`)};base64,${nonEmpty(src.data, `${p}.source.data`)}` };
      return foreign(b, `${p}.source.type`, `an image source of type ${String(src.type)} names a file stored at Anthropic`);
    }
    case 'document': {
      const src = obj(b.source, `${p}.source`);
      if (src.type !== 'base64' || src.media_type !== 'application/pdf') return foreign(b, `${p}.source.type`, `OpenAI takes documents as inline base64 PDF data, not a ${String(src.type)} source`);
      if (b.context !== undefined || (isObj(b.citations) && b.citations.enabled === true)) return foreign(b, `${p}.${b.context !== undefined ? 'context' : 'citations'}`, 'OpenAI file parts have no context or citations');
      const doc: Part = { type: 'document', mediaType: 'application/pdf', data: nonEmpty(src.data, `${p}.source.data`) };
      if (typeof b.title === 'string' && b.title) doc.filename = b.title;
      return doc;
    }
    case 'thinking':
      if (role !== 'assistant') throw invalid(`${p}: thinking blocks belong to assistant messages`, `${p}.type`);
      return { type: 'thinking', thinking: str(b.thinking, `${p}.thinking`), signature: str(b.signature, `${p}.signature`) };
    case 'redacted_thinking':
      if (role !== 'assistant') throw invalid(`${p}: redacted_thinking blocks belong to assistant messages`, `${p}.type`);
      return { type: 'redacted_thinking', data: str(b.data, `${p}.data`) };
    case 'tool_use': {
      if (role !== 'assistant') throw invalid(`${p}: tool_use blocks belong to assistant messages`, `${p}.type`);
      const input = b.input === undefined ? {} : obj(b.input, `${p}.input`);
      return { type: 'tool_call', id: nonEmpty(b.id, `${p}.id`), name: nonEmpty(b.name, `${p}.name`), arguments: JSON.stringify(input) };
    }
    case 'tool_result': {
      if (role !== 'user') throw invalid(`${p}: tool_result blocks belong to user messages`, `${p}.type`);
      const c = b.content;
      nonEmpty(b.tool_use_id, `${p}.tool_use_id`);
      // Images or documents in a tool result: Anthropic takes them, an OpenAI tool message carries text only.
      if (Array.isArray(c) && c.some((x) => !isObj(x) || x.type !== 'text')) return foreign(b, `${p}.content`, 'OpenAI tool messages carry text only');
      const text = c === undefined || c === null ? '' : typeof c === 'string' ? c : textBlocks(c, `${p}.content`);
      const part: Part = { type: 'tool_result', toolCallId: nonEmpty(b.tool_use_id, `${p}.tool_use_id`), content: text };
      if (b.is_error === true) part.isError = true;
      return part;
    }
    default:
      if (typeof b.type !== 'string' || !b.type) throw invalid(`${p}.type is required`, `${p}.type`);
      // Server-tool calls and results, search results, container uploads…: Anthropic's own blocks.
      return foreign(b, `${p}.type`, `${b.type} blocks exist in Anthropic's API only`);
  }
}

const TOOL_KEYS = new Set(['type', 'name', 'description', 'input_schema', 'strict', 'cache_control']);

function parseTool(raw: unknown, i: number, unmapped: Unmapped[]): Tool {
  const param = `tools[${i}]`;
  const t = obj(raw, param);
  for (const k of Object.keys(t)) if (!TOOL_KEYS.has(k) && t[k] !== undefined) unmapped.push({ dialect: 'anthropic', param: `${param}.${k}`, what: 'OpenAI function tools have no such field' });
  if (t.type !== undefined && t.type !== 'custom') throw invalid(`${param}.type: only custom (client) tools are supported`, `${param}.type`);
  const { name, parameters } = toolSchema(t.name, t.input_schema, param);
  if (t.input_schema === undefined) throw invalid(`${param}.input_schema is required`, `${param}.input_schema`);
  const tool: Tool = { name, parameters };
  if (typeof t.description === 'string') tool.description = t.description;
  if (typeof t.strict === 'boolean') tool.strict = t.strict;
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

/**
 * Builds the Anthropic Messages body for a canonical request (what AnthropicProvider sends). A request from the
 * OpenAI dialect has its fields translated or is refused (cross-dialect.ts): structured output becomes a forced
 * `json_output` tool (structured-output.ts), reasoning_effort a thinking budget (reasoning.ts).
 */
export function toAnthropicRequest(req: Request, stream: boolean, defaultMaxTokens: number): Obj {
  const translated = crossDialectFields(req, 'anthropic');
  const messages: Obj[] = [];
  for (const m of req.messages) {
    const content: Obj[] = [];
    // Anthropic wants tool results first in a user turn.
    const isResult = (p: Part) => p.type === 'tool_result' || (p.type === 'foreign' && p.block.type === 'tool_result');
    const ordered = m.role === 'user' ? [...m.content.filter(isResult), ...m.content.filter((p) => !isResult(p))] : m.content;
    ordered.forEach((p, i) => {
      let b: Obj | undefined;
      switch (p.type) {
        case 'text': if (p.text) b = { type: 'text', text: p.text }; break;
        case 'image':
          if (p.detail && p.detail !== 'auto') throw invalid(`image_url.detail ${p.detail} cannot be translated for Anthropic model ${req.model}: Anthropic reads every image at one resolution`, 'image_url.detail');
          b = { type: 'image', source: imageSource(p.url) };
          break;
        case 'document': b = { type: 'document', source: { type: 'base64', media_type: p.mediaType, data: p.data }, ...(p.filename ? { title: p.filename } : {}) }; break;
        case 'tool_call': b = { type: 'tool_use', id: p.id, name: p.name, input: argsObject(p.arguments, `messages.tool_calls[${i}].function.arguments`) }; break;
        case 'tool_result': b = { type: 'tool_result', tool_use_id: p.toolCallId, content: p.content, ...(p.isError ? { is_error: true } : {}) }; break;
        case 'thinking': b = { type: 'thinking', thinking: p.thinking, signature: p.signature }; break;
        case 'redacted_thinking': b = { type: 'redacted_thinking', data: p.data }; break;
        case 'foreign': b = ownBlock(p, 'anthropic'); break;
      }
      if (b && 'cache' in p && p.cache) b.cache_control = p.cache;
      if (b) content.push(b);
    });
    if (content.length === 0) content.push({ type: 'text', text: '' });
    messages.push({ role: m.role, content });
  }
  const body: Obj = { ...translated, ...req.extra?.anthropic, model: req.model, max_tokens: req.maxTokens ?? defaultMaxTokens, messages };
  if (req.system && !Array.isArray(body.system)) body.system = req.system;
  let tools = req.tools;
  let toolChoice = req.toolChoice;
  // Structured output Anthropic's own request did not ask for (an OpenAI caller's response_format): a forced tool.
  const structured = structuredByTool(req) ? req.responseFormat : undefined;
  if (structured) ({ tools, toolChoice } = structuredTools(req, structured));
  if (tools?.length && !Array.isArray(body.tools)) {
    body.tools = tools.map((t) => ({ name: t.name, ...(t.description ? { description: t.description } : {}), input_schema: t.parameters, ...(t.strict !== undefined ? { strict: t.strict } : {}), ...(t.cache ? { cache_control: t.cache } : {}) }));
  }
  if (body.tools && (toolChoice || req.parallelToolCalls === false)) {
    const c = toolChoice ?? { type: 'auto' };
    const choice: Obj = c.type === 'tool' ? { type: 'tool', name: c.name } : { type: c.type === 'required' ? 'any' : c.type };
    // parallel_tool_calls: false is Anthropic's disable_parallel_tool_use, which lives on tool_choice.
    if (req.parallelToolCalls === false && c.type !== 'none') choice.disable_parallel_tool_use = true;
    body.tool_choice = choice;
  }
  if (req.reasoning && body.thinking === undefined) {
    const budget = budgetFor(req.reasoning);
    if (budget !== undefined) {
      if (structured) throw invalid(`reasoning_effort cannot be combined with response_format for Anthropic model ${req.model}: structured output is a forced tool there, and Anthropic allows no forced tool with thinking`, 'reasoning_effort');
      // The budget counts inside max_tokens, as reasoning tokens count inside OpenAI's max_completion_tokens.
      if (req.maxTokens === undefined) body.max_tokens = budget + defaultMaxTokens;
      else if (req.maxTokens <= MIN_THINKING_BUDGET) throw invalid(`reasoning_effort on Anthropic model ${req.model} needs max_completion_tokens above ${MIN_THINKING_BUDGET} (its smallest thinking budget)`, 'max_completion_tokens');
      body.thinking = { type: 'enabled', budget_tokens: Math.min(budget, (body.max_tokens as number) - 1) };
      requireSignedThinking(req);
    }
  }
  // Anthropic's temperature range is 0..1; OpenAI's is 0..2.
  if (req.temperature !== undefined) body.temperature = Math.min(1, req.temperature);
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop) body.stop_sequences = req.stop;
  if (req.user) body.metadata = { user_id: req.user };
  if (stream) body.stream = true;
  return body;
}

/**
 * With thinking on, Anthropic wants the last assistant turn of a tool round to start with its signed thinking
 * block. An OpenAI-dialect client that drops the proxy's `thinking_blocks` from the message it sends back (LangChain
 * keeps only `reasoning_content`) cannot continue: say so, naming the field, rather than relay Anthropic's terse 400.
 */
function requireSignedThinking(req: Request): void {
  const last = req.messages.findLast((m) => m.role === 'assistant');
  if (!last || !last.content.some((p) => p.type === 'tool_call')) return;
  if (last.content.some((p) => p.type === 'thinking' || p.type === 'redacted_thinking')) return;
  throw invalid(`thinking_blocks: with reasoning_effort, Anthropic model ${req.model} needs the last assistant message's thinking_blocks (as the proxy returned them) sent back with its tool_calls; this history has none`, 'thinking_blocks');
}

/** A canonical answer to `req` from Anthropic: a structured-output request's `json_output` call becomes its text. */
export function fromAnthropicAnswer<T extends { content: Response['content']; stopReason: Response['stopReason'] }>(req: Request, res: T): T {
  if (!structuredByTool(req)) return res;
  return { ...res, ...unwrapStructured(res.content, res.stopReason) };
}

/** Whether toAnthropicRequest serves `req`'s structured output with the forced tool. */
export function structuredByTool(req: Request): boolean {
  const a = req.extra?.anthropic;
  return req.responseFormat !== undefined && !isObj(a?.output_config) && !isObj(a?.output_format);
}

function imageSource(url: string): Obj {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { type: 'base64', media_type: m[1], data: m[2] } : { type: 'url', url };
}
