import type { AnswerPart, Request, ResponseFormat, StopReason, StreamEvent, Tool, ToolChoice } from '../canonical.ts';
import { invalid } from '../errors.ts';
import { nonEmpty, obj, optBool, str, type Obj } from './check.ts';

/**
 * Structured output for a provider that has none in its request (OpenAI's
 * `response_format` served by an Anthropic model): a tool named
 * `json_output` whose input schema is the wanted schema, forced with
 * tool_choice; the model's call of that tool comes back as the message's
 * content (the JSON text) with finish reason `stop`, as OpenAI answers it.
 * Forced tool use works on every Claude model, where Anthropic's own
 * `output_config.format` works on recent ones only.
 */
const STRUCTURED_TOOL = 'json_output';

/** Any JSON object: what `json_object` asks for. */
const ANY_OBJECT = { type: 'object', additionalProperties: true };

/** OpenAI `response_format` → canonical (undefined for `text`). Throws a 400 naming the field. */
export function parseResponseFormat(raw: unknown): ResponseFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  const rf = obj(raw, 'response_format');
  if (rf.type === 'text') return undefined;
  if (rf.type === 'json_object') return { type: 'json_object' };
  if (rf.type !== 'json_schema') throw invalid('response_format.type must be text, json_object or json_schema', 'response_format.type');
  const js = obj(rf.json_schema, 'response_format.json_schema');
  const out: ResponseFormat = { type: 'json_schema', name: nonEmpty(js.name, 'response_format.json_schema.name'), schema: js.schema === undefined ? { ...ANY_OBJECT } : obj(js.schema, 'response_format.json_schema.schema') };
  if (js.description !== undefined && js.description !== null) out.description = str(js.description, 'response_format.json_schema.description');
  const strict = optBool(js.strict, 'response_format.json_schema.strict');
  if (strict !== undefined) out.strict = strict;
  return out;
}

/** Anthropic `output_config.format` (or the beta `output_format`) → canonical. */
export function parseOutputFormat(raw: unknown, param: string): ResponseFormat | undefined {
  if (raw === undefined || raw === null) return undefined;
  const f = obj(raw, param);
  if (f.type !== 'json_schema') throw invalid(`${param}.type must be json_schema`, `${param}.type`);
  return { type: 'json_schema', name: 'output', schema: obj(f.schema, `${param}.schema`), strict: true };
}

/** Canonical → OpenAI `response_format`. */
export function toResponseFormat(rf: ResponseFormat): Obj {
  if (rf.type === 'json_object') return { type: 'json_object' };
  const js: Obj = { name: rf.name, schema: rf.schema };
  if (rf.description) js.description = rf.description;
  if (rf.strict !== undefined) js.strict = rf.strict;
  return { type: 'json_schema', json_schema: js };
}

/**
 * The tools and tool choice that ask an Anthropic model for structured output. With the caller's tools on `auto`,
 * the model must call a tool (`any`): one of the caller's, or `json_output` for its answer, which is OpenAI's
 * meaning of tools plus response_format. A caller that forces a tool of its own, or forbids none of them while
 * requiring one, conflicts with a forced answer format: 400 naming tool_choice.
 */
export function structuredTools(req: Request, rf: ResponseFormat): { tools: Tool[]; toolChoice: ToolChoice } {
  const tools = req.tools ?? [];
  if (tools.some((t) => t.name === STRUCTURED_TOOL)) {
    throw invalid(`tools: a tool named ${STRUCTURED_TOOL} collides with response_format on model ${req.model} (it is served as that tool)`, 'tools');
  }
  const c = req.toolChoice;
  if (c && (c.type === 'required' || c.type === 'tool')) {
    throw invalid(`tool_choice ${c.type === 'tool' ? `forcing ${c.name}` : 'required'} conflicts with response_format on model ${req.model}: both force the model's answer`, 'tool_choice');
  }
  const schema = rf.type === 'json_schema' ? rf.schema : ANY_OBJECT;
  const description = rf.type === 'json_schema' && rf.description ? rf.description : 'Answer with this tool: its input is your final answer, as JSON.';
  const own: Tool = { name: STRUCTURED_TOOL, description, parameters: schema };
  if (rf.type === 'json_schema' && rf.strict) own.strict = true;
  const offered = c?.type === 'none' ? [] : tools;
  if (offered.length === 0) return { tools: [...tools, own], toolChoice: { type: 'tool', name: STRUCTURED_TOOL } };
  return { tools: [...tools, own], toolChoice: { type: 'required' } };
}

/** An answer to a structured-output request: the `json_output` call becomes the text, and alone it ends with `stop`. */
export function unwrapStructured(content: AnswerPart[], stop: StopReason): { content: AnswerPart[]; stopReason: StopReason } {
  let others = 0;
  const out: AnswerPart[] = [];
  for (const p of content) {
    if (p.type === 'tool_call' && p.name === STRUCTURED_TOOL) out.push({ type: 'text', text: p.arguments });
    else { if (p.type === 'tool_call') others++; out.push(p); }
  }
  return { content: out, stopReason: stop === 'tool_calls' && others === 0 ? 'stop' : stop };
}

/** The same, event by event: the `json_output` call streams as text, the other tool calls keep contiguous indexes. */
export class StructuredStream {
  #answer = new Set<number>();
  #renumber = new Map<number, number>();
  #others = 0;

  map(ev: StreamEvent): StreamEvent | undefined {
    switch (ev.type) {
      case 'tool_start':
        if (ev.name === STRUCTURED_TOOL) { this.#answer.add(ev.index); return undefined; }
        this.#renumber.set(ev.index, this.#others);
        return { ...ev, index: this.#others++ };
      case 'tool_delta':
        if (this.#answer.has(ev.index)) return { type: 'text', text: ev.arguments };
        return { ...ev, index: this.#renumber.get(ev.index) ?? ev.index };
      case 'end':
        return ev.stopReason === 'tool_calls' && this.#others === 0 ? { ...ev, stopReason: 'stop' } : ev;
      default:
        return ev;
    }
  }
}
