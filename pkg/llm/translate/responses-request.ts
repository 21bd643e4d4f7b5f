/**
 * OpenAI Responses requests (`POST /v1/responses`) for providers that do not
 * speak them (Anthropic, the mock): the body becomes the Chat Completions body
 * it means, then goes through the Chat Completions translation
 * (openai-request.ts), so whatever that carries across dialects (tools,
 * `response_format`, `reasoning_effort`…) a Responses caller gets too.
 *
 * What needs state kept by OpenAI (`previous_response_id`, `conversation`,
 * references to items OpenAI stored, `background`, stored prompts) or its built-in tools
 * (web_search, file_search, code_interpreter…) cannot be served by another
 * provider: a 400 naming the field and the model.
 */
import { invalid } from '../errors.ts';
import { arr, isObj, nonEmpty, obj, str, type Obj } from './check.ts';
import { parseOpenAIRequest, type ParsedOpenAI } from './openai-request.ts';
import { decodeThinking } from './responses-thinking.ts';

/** Responses fields that need OpenAI's stored state or its own services. */
const STATEFUL = ['previous_response_id', 'conversation', 'background', 'prompt'] as const;

/** Responses fields handled here; the rest (`metadata`, `service_tier`, `prompt_cache_key`…) go on as Chat Completions fields of the same name. */
const HANDLED = new Set(['model', 'input', 'instructions', 'tools', 'tool_choice', 'text', 'max_output_tokens', 'temperature', 'top_p', 'parallel_tool_calls',
  'user', 'stream', 'stream_options', 'store', 'reasoning', 'include', 'truncation', 'safety_identifier', 'top_logprobs', ...STATEFUL]);

const refuse = (field: string, model: string, what: string) =>
  invalid(`${field} ${what}: model "${model}" is served by a provider without the Responses API (the request is translated to chat), so it cannot be used with this model`, field);

/** Finds an output item of an earlier translated answer by id (responses-items.ts), for `item_reference`. */
export type ItemLookup = (id: string) => Obj | undefined;

/** A Responses body as the Chat Completions body it means. Throws a 400 LlmError naming the field. */
export function responsesToChat(body: unknown, items?: ItemLookup): Obj {
  const b = obj(body, 'body');
  const model = nonEmpty(b.model, 'model');
  for (const f of STATEFUL) {
    if (b[f] !== undefined && b[f] !== null && b[f] !== false) throw refuse(f, model, 'needs state or services kept by OpenAI');
  }
  if (b.truncation !== undefined && b.truncation !== null && b.truncation !== 'disabled') throw refuse('truncation', model, 'is done by OpenAI on its stored conversation');
  if (b.include !== undefined && b.include !== null && arr(b.include, 'include').length > 0) throw refuse('include', model, 'asks for OpenAI output items');

  const messages: Obj[] = [];
  if (b.instructions !== undefined && b.instructions !== null) messages.push({ role: 'system', content: str(b.instructions, 'instructions') });
  if (typeof b.input === 'string') messages.push({ role: 'user', content: b.input });
  else {
    const thinking: Obj[] = [];
    arr(b.input, 'input').forEach((item, i) => inputItem(item, `input[${i}]`, model, messages, thinking, items));
  }

  const chat: Obj = { model, messages };
  for (const [k, v] of Object.entries(b)) if (!HANDLED.has(k) && v !== undefined) chat[k] = v;
  if (b.tools !== undefined && b.tools !== null) chat.tools = arr(b.tools, 'tools').map((t, i) => tool(t, `tools[${i}]`, model));
  if (b.tool_choice !== undefined && b.tool_choice !== null) chat.tool_choice = toolChoice(b.tool_choice, model);
  if (b.max_output_tokens !== undefined && b.max_output_tokens !== null) chat.max_completion_tokens = b.max_output_tokens;
  for (const k of ['temperature', 'top_p', 'parallel_tool_calls', 'stream'] as const) if (b[k] !== undefined && b[k] !== null) chat[k] = b[k];
  const user = b.user ?? b.safety_identifier;
  if (user !== undefined && user !== null) chat.user = user;
  if (b.top_logprobs !== undefined && b.top_logprobs !== null) { chat.logprobs = true; chat.top_logprobs = b.top_logprobs; }
  if (isObj(b.reasoning) && b.reasoning.effort !== undefined && b.reasoning.effort !== null) chat.reasoning_effort = b.reasoning.effort;
  const format = responseFormat(b.text);
  if (format) chat.response_format = format;
  if (isObj(b.text) && b.text.verbosity !== undefined && b.text.verbosity !== null) chat.verbosity = b.text.verbosity;
  return chat;
}

/** Validates and translates a Responses body to the canonical request. */
export function parseResponsesRequest(body: unknown, items?: ItemLookup): ParsedOpenAI {
  const parsed = parseOpenAIRequest(responsesToChat(body, items));
  // A Responses stream always ends with its usage (response.completed).
  return { ...parsed, includeUsage: true };
}

/**
 * One input item onto the chat messages. `thinking`: the blocks of reasoning items read so far, which go with the
 * next assistant message (`thinking_blocks`, as the chat translation takes them back).
 */
function inputItem(raw: unknown, param: string, model: string, out: Obj[], thinking: Obj[], items?: ItemLookup): void {
  const item = obj(raw, param);
  const type = item.type ?? 'message';
  if (type === 'item_reference') {
    const id = nonEmpty(item.id, `${param}.id`);
    const found = items?.(id);
    if (!found) throw refuse(`${param}.id`, model, `names an item "${id}" that this proxy did not produce or no longer keeps (items are stored by OpenAI; send the item itself, or store: false)`);
    return inputItem(found, param, model, out, thinking);
  }
  if (type === 'reasoning') {
    // A Claude thinking block the proxy handed out goes back with its signature; other reasoning (OpenAI's own,
    // or a summary alone) has none Claude could check, and is not sent, as reasoning_content is not in chat.
    const block = decodeThinking(item.encrypted_content);
    if (block) thinking.push(block);
    return;
  }
  const withThinking = (m: Obj): Obj => {
    if (thinking.length) m.thinking_blocks = [...(Array.isArray(m.thinking_blocks) ? m.thinking_blocks : []), ...thinking.splice(0)];
    return m;
  };
  if (type === 'message') {
    const role = item.role;
    if (role !== 'user' && role !== 'assistant' && role !== 'system' && role !== 'developer') {
      throw invalid(`${param}.role must be one of user, assistant, system, developer`, `${param}.role`);
    }
    const message: Obj = { role, content: content(item.content, `${param}.content`, role, model) };
    out.push(role === 'assistant' ? withThinking(message) : message);
    return;
  }
  if (type === 'function_call') {
    const call = { id: nonEmpty(item.call_id, `${param}.call_id`), type: 'function', function: { name: nonEmpty(item.name, `${param}.name`), arguments: str(item.arguments ?? '{}', `${param}.arguments`) } };
    const last = out[out.length - 1];
    // Parallel calls of one turn are one assistant message in chat, as is the text before them.
    if (last?.role === 'assistant' && !thinking.length) {
      last.tool_calls = [...(Array.isArray(last.tool_calls) ? last.tool_calls : []), call];
    } else out.push(withThinking({ role: 'assistant', content: null, tool_calls: [call] }));
    return;
  }
  if (type === 'function_call_output') {
    const output = item.output;
    const text = typeof output === 'string' ? output
      : arr(output, `${param}.output`).map((p, j) => {
        const part = obj(p, `${param}.output[${j}]`);
        if (part.type !== 'input_text') throw refuse(`${param}.output[${j}].type`, model, `"${String(part.type)}" is not translated (only input_text)`);
        return str(part.text, `${param}.output[${j}].text`);
      }).join('');
    out.push({ role: 'tool', tool_call_id: nonEmpty(item.call_id, `${param}.call_id`), content: text });
    return;
  }
  throw refuse(`${param}.type`, model, `"${String(type)}" is not translated (message, function_call and function_call_output are)`);
}

function content(raw: unknown, param: string, role: string, model: string): unknown {
  if (typeof raw === 'string') return raw;
  return arr(raw, param).map((p, i) => {
    const part = obj(p, `${param}[${i}]`);
    const at = `${param}[${i}]`;
    switch (part.type) {
      case 'input_text': case 'output_text': case 'text':
        return { type: 'text', text: str(part.text, `${at}.text`) };
      case 'refusal':
        return { type: 'text', text: str(part.refusal, `${at}.refusal`) };
      case 'input_image': {
        if (role !== 'user') throw invalid(`${at}: images are user content`, `${at}.type`);
        if (part.file_id !== undefined && part.file_id !== null) throw refuse(`${at}.file_id`, model, 'names a file stored by OpenAI');
        const url = nonEmpty(part.image_url, `${at}.image_url`);
        return { type: 'image_url', image_url: part.detail ? { url, detail: part.detail } : { url } };
      }
      case 'input_file':
        // Chat Completions' own file part: what it carries to the other dialect (or refuses) is decided there.
        if (part.file_id !== undefined && part.file_id !== null) throw refuse(`${at}.file_id`, model, 'names a file stored by OpenAI');
        return { type: 'file', file: { filename: part.filename, file_data: part.file_data } };
      default:
        throw refuse(`${at}.type`, model, `"${String(part.type)}" is not translated (input_text, output_text, input_image and input_file are)`);
    }
  });
}

function tool(raw: unknown, param: string, model: string): Obj {
  const t = obj(raw, param);
  if (t.type !== 'function') throw refuse(`${param}.type`, model, `"${String(t.type)}" is a built-in tool of OpenAI`);
  const fn: Obj = { name: t.name, parameters: t.parameters ?? { type: 'object', properties: {} } };
  if (typeof t.description === 'string') fn.description = t.description;
  if (typeof t.strict === 'boolean') fn.strict = t.strict;
  return { type: 'function', function: fn };
}

function toolChoice(raw: unknown, model: string): unknown {
  if (raw === 'auto' || raw === 'none' || raw === 'required') return raw;
  if (isObj(raw) && raw.type === 'function') return { type: 'function', function: { name: nonEmpty(raw.name, 'tool_choice.name') } };
  throw refuse('tool_choice', model, 'must be auto, none, required or {"type":"function","name"} when translated');
}

/** `text.format` as Chat Completions' `response_format`. */
function responseFormat(text: unknown): Obj | undefined {
  if (text === undefined || text === null) return undefined;
  const t = obj(text, 'text');
  if (t.format === undefined || t.format === null) return undefined;
  const f = obj(t.format, 'text.format');
  if (f.type === 'text') return undefined;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type === 'json_schema') {
    const schema: Obj = { name: nonEmpty(f.name, 'text.format.name'), schema: obj(f.schema, 'text.format.schema') };
    if (typeof f.strict === 'boolean') schema.strict = f.strict;
    if (typeof f.description === 'string') schema.description = f.description;
    return { type: 'json_schema', json_schema: schema };
  }
  throw invalid('text.format.type must be text, json_object or json_schema', 'text.format.type');
}
