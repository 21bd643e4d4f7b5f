import type { Message, Part, Request, Tool, ToolChoice, Unmapped } from '../canonical.ts';
import { invalid } from '../errors.ts';
import { arr, isObj, nonEmpty, obj, optBool, optInt, parseSampling, str, toolSchema, type Obj } from './check.ts';
import { crossDialectFields, ownBlock } from './cross-dialect.ts';
import { isEffort } from './reasoning.ts';
import { parseResponseFormat, toResponseFormat } from './structured-output.ts';

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
  const unmapped: Unmapped[] = [];
  rawMessages.forEach((m, i) => parseMessage(m, `messages[${i}]`, system, messages, unmapped));
  if (messages.length === 0) throw invalid('messages must contain at least one user or assistant message', 'messages');

  const request: Request = { model, messages };
  if (system.length) request.system = system.join('\n\n');
  if (b.tools !== undefined && b.tools !== null) {
    const raw = arr(b.tools, 'tools');
    request.tools = [];
    raw.forEach((t, i) => {
      // A custom tool (free-form input, grammars) exists at OpenAI only.
      if (isObj(t) && t.type === 'custom') unmapped.push({ dialect: 'openai', param: `tools[${i}]`, what: 'custom (free-form input) tools have no Anthropic equivalent' });
      else request.tools!.push(parseTool(t, i, unmapped));
    });
    // A tool field the canonical model does not carry: the tools travel raw to an OpenAI provider.
    if (unmapped.some((u) => u.param.startsWith('tools['))) (request.extra ??= {}).openai = { tools: raw };
  }
  if (b.tool_choice !== undefined && b.tool_choice !== null) {
    // allowed_tools and custom-tool choices have no Anthropic form: kept raw for OpenAI, refused for Anthropic.
    if (isObj(b.tool_choice) && (b.tool_choice.type === 'allowed_tools' || b.tool_choice.type === 'custom')) {
      unmapped.push({ dialect: 'openai', param: 'tool_choice', what: `tool_choice ${b.tool_choice.type} has no Anthropic equivalent` });
      (request.extra ??= {}).openai = { ...request.extra?.openai, tool_choice: b.tool_choice };
    } else request.toolChoice = parseToolChoice(b.tool_choice);
  }
  const maxTokens = optInt(b.max_completion_tokens, 'max_completion_tokens', 1) ?? optInt(b.max_tokens, 'max_tokens', 1);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  parseSampling(b, request, 2, 'stop');
  const parallel = optBool(b.parallel_tool_calls, 'parallel_tool_calls');
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  if (typeof b.user === 'string') request.user = b.user;
  else if (typeof b.safety_identifier === 'string') request.user = b.safety_identifier;
  optInt(b.n, 'n', 1);
  const responseFormat = parseResponseFormat(b.response_format);
  if (responseFormat) request.responseFormat = responseFormat;
  if (b.reasoning_effort !== undefined && b.reasoning_effort !== null) {
    if (!isEffort(b.reasoning_effort)) throw invalid('reasoning_effort must be none, minimal, low, medium, high or xhigh', 'reasoning_effort');
    request.reasoning = { effort: b.reasoning_effort };
  }

  if (b.functions !== undefined || b.function_call !== undefined) throw invalid('functions and function_call are deprecated; use tools and tool_choice', b.functions !== undefined ? 'functions' : 'function_call');
  if (unmapped.length) request.unmapped = unmapped;
  const extra = passThrough(b, OPENAI_KNOWN);
  if (extra) request.extra = { openai: { ...request.extra?.openai, ...extra } };
  const stream = optBool(b.stream, 'stream') ?? false;
  let includeUsage = false;
  if (b.stream_options !== undefined && b.stream_options !== null) {
    includeUsage = optBool(obj(b.stream_options, 'stream_options').include_usage, 'stream_options.include_usage') ?? false;
  }
  return { request, stream, includeUsage };
}

// Parameters the canonical model carries (or the proxy handles); any other is passed through to OpenAI as is.
// response_format, reasoning_effort and n stay raw too (for OpenAI) besides their canonical form (for the other dialect).
const OPENAI_KNOWN = new Set(['model', 'messages', 'tools', 'tool_choice', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'stop', 'parallel_tool_calls', 'user', 'stream', 'stream_options', 'functions', 'function_call']);

/** The body's parameters outside `known` (undefined when there are none). */
export function passThrough(b: Obj, known: ReadonlySet<string>): Obj | undefined {
  let out: Obj | undefined;
  for (const k of Object.keys(b)) if (!known.has(k) && b[k] !== undefined) (out ??= {})[k] = b[k];
  return out;
}

function parseMessage(raw: unknown, param: string, system: string[], out: Message[], unmapped: Unmapped[]): void {
  const m = obj(raw, param);
  const role = m.role;
  // A participant name has no Anthropic equivalent (a tool message's name is the tool's, and carries nothing).
  if (role !== 'tool' && typeof m.name === 'string' && m.name) unmapped.push({ dialect: 'openai', param: `${param}.name`, what: 'Anthropic messages have no participant names' });
  if (role === 'system' || role === 'developer') {
    system.push(textContent(m.content, `${param}.content`));
    return;
  }
  if (role === 'user') return push(out, 'user', userParts(m.content, `${param}.content`));
  if (role === 'assistant') {
    const parts: Part[] = thinkingBlocks(m.thinking_blocks, `${param}.thinking_blocks`);
    if (typeof m.refusal === 'string' && m.refusal) unmapped.push({ dialect: 'openai', param: `${param}.refusal`, what: 'Anthropic has no refusal field; send the refusal as content' });
    if (m.audio !== undefined && m.audio !== null) unmapped.push({ dialect: 'openai', param: `${param}.audio`, what: 'Anthropic has no audio' });
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
    if (!parts.some((p) => p.type === 'text' || p.type === 'tool_call')) throw invalid(`${param} must have content or tool_calls`, param);
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

/**
 * Thinking blocks an OpenAI-dialect caller sends back: the proxy's own `thinking_blocks` of an earlier answer from
 * a Claude model (their signatures let Claude continue a tool round with thinking on). A `reasoning_content` alone
 * has no signature and is not sent anywhere: Chat Completions takes no reasoning in history, and Claude accepts
 * earlier turns without their thinking.
 */
function thinkingBlocks(raw: unknown, param: string): Part[] {
  if (raw === undefined || raw === null) return [];
  return arr(raw, param).map((b, i): Part => {
    const block = obj(b, `${param}[${i}]`);
    if (block.type === 'thinking') return { type: 'thinking', thinking: str(block.thinking, `${param}[${i}].thinking`), signature: str(block.signature, `${param}[${i}].signature`) };
    if (block.type === 'redacted_thinking') return { type: 'redacted_thinking', data: str(block.data, `${param}[${i}].data`) };
    throw invalid(`${param}[${i}].type must be thinking or redacted_thinking`, `${param}[${i}].type`);
  });
}

function userParts(content: unknown, param: string): Part[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const parts = arr(content, param).map((p, i): Part => {
    const q = `${param}[${i}]`;
    const part = obj(p, q);
    if (part.type === 'text') return { type: 'text', text: str(part.text, `${q}.text`) };
    if (part.type === 'image_url') {
      const img = obj(part.image_url, `${q}.image_url`);
      const out: Part = { type: 'image', url: nonEmpty(img.url, `${q}.image_url.url`) };
      if (typeof img.detail === 'string') out.detail = img.detail;
      return out;
    }
    if (part.type === 'file') return filePart(part, q);
    if (part.type === 'input_audio') return { type: 'foreign', dialect: 'openai', block: part, param: q, what: 'Anthropic takes no audio input' };
    throw invalid(`${q}.type must be text, image_url, file or input_audio`, `${q}.type`);
  });
  if (parts.length === 0) throw invalid(`${param} must not be empty`, param);
  return parts;
}

/** A `file` part: inline PDF data is a document; a file id names a file in OpenAI's storage only. */
function filePart(part: Obj, param: string): Part {
  const f = obj(part.file, `${param}.file`);
  if (typeof f.file_data === 'string' && f.file_data) {
    const m = /^data:([^;,]+);base64,(.*)$/s.exec(f.file_data);
    const mediaType = m ? m[1] : 'application/pdf';
    const out: Part = { type: 'document', mediaType, data: m ? m[2] : f.file_data };
    if (typeof f.filename === 'string' && f.filename) out.filename = f.filename;
    if (mediaType === 'application/pdf') return out;
    return { type: 'foreign', dialect: 'openai', block: part, param: `${param}.file.file_data`, what: `Anthropic documents are PDFs, not ${mediaType}` };
  }
  if (typeof f.file_id === 'string' && f.file_id) return { type: 'foreign', dialect: 'openai', block: part, param: `${param}.file.file_id`, what: 'a file id names a file in OpenAI\'s storage; send the file as file_data' };
  throw invalid(`${param}.file needs file_data or file_id`, `${param}.file`);
}

const TOOL_KEYS = new Set(['type', 'function']);
const FUNCTION_KEYS = new Set(['name', 'description', 'parameters', 'strict']);

function parseTool(raw: unknown, i: number, unmapped: Unmapped[]): Tool {
  const param = `tools[${i}]`;
  const t = obj(raw, param);
  if (t.type !== 'function') throw invalid(`${param}.type must be "function"`, `${param}.type`);
  const fn = obj(t.function, `${param}.function`);
  for (const k of Object.keys(t)) if (!TOOL_KEYS.has(k) && t[k] !== undefined) unmapped.push({ dialect: 'openai', param: `${param}.${k}`, what: 'Anthropic tools have no such field' });
  for (const k of Object.keys(fn)) if (!FUNCTION_KEYS.has(k) && fn[k] !== undefined) unmapped.push({ dialect: 'openai', param: `${param}.function.${k}`, what: 'Anthropic tools have no such field' });
  const { name, parameters } = toolSchema(fn.name, fn.parameters, `${param}.function`);
  const tool: Tool = { name, parameters };
  if (typeof fn.description === 'string') tool.description = fn.description;
  if (typeof fn.strict === 'boolean') tool.strict = fn.strict;
  return tool;
}

function parseToolChoice(raw: unknown): ToolChoice {
  if (raw === 'auto' || raw === 'none' || raw === 'required') return { type: raw };
  if (isObj(raw) && raw.type === 'function' && isObj(raw.function)) return { type: 'tool', name: nonEmpty(raw.function.name, 'tool_choice.function.name') };
  throw invalid('tool_choice must be auto, none, required or {"type":"function","function":{"name"}}', 'tool_choice');
}

/**
 * Builds the OpenAI Chat Completions body for a canonical request (what OpenAIProvider sends). A request from the
 * Anthropic dialect has its fields translated or is refused (cross-dialect.ts). Thinking blocks in its history are
 * left out: Chat Completions takes no reasoning in history (an OpenAI model's own reasoning never comes back either).
 */
export function toOpenAIRequest(req: Request, stream: boolean): Obj {
  const translated = crossDialectFields(req, 'openai');
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
      // OpenAI tool messages have no error flag: the content says it.
      if (p.type === 'tool_result') { flush(); messages.push({ role: 'tool', tool_call_id: p.toolCallId, content: p.isError ? `[tool error] ${p.content}` : p.content }); }
      else if (p.type === 'text') pending.push({ type: 'text', text: p.text });
      else if (p.type === 'image') pending.push({ type: 'image_url', image_url: p.detail ? { url: p.url, detail: p.detail } : { url: p.url } });
      else if (p.type === 'document') pending.push({ type: 'file', file: { filename: p.filename ?? 'document.pdf', file_data: `data:${p.mediaType};base64,${p.data}` } });
      else { const own = ownBlock(p, 'openai'); if (own) pending.push(own); }
    }
    flush();
  }
  const body: Obj = { ...translated, ...req.extra?.openai, model: req.model, messages };
  if (req.tools?.length && !Array.isArray(body.tools)) {
    body.tools = req.tools.map((t) => ({ type: 'function', function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters, ...(t.strict !== undefined ? { strict: t.strict } : {}) } }));
  }
  if (req.toolChoice) body.tool_choice = req.toolChoice.type === 'tool' ? { type: 'function', function: { name: req.toolChoice.name } } : req.toolChoice.type;
  if (req.maxTokens !== undefined) body.max_completion_tokens = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop) body.stop = req.stop;
  if (req.parallelToolCalls !== undefined && req.tools?.length) body.parallel_tool_calls = req.parallelToolCalls;
  if (req.user) body.user = req.user;
  if (req.responseFormat && body.response_format === undefined) body.response_format = toResponseFormat(req.responseFormat);
  if (req.reasoning && body.reasoning_effort === undefined) body.reasoning_effort = req.reasoning.effort;
  if (stream) { body.stream = true; body.stream_options = { include_usage: true }; }
  return body;
}
