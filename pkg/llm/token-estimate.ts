/**
 * A local token count for `POST /v1/messages/count_tokens` when the model is
 * not served by Anthropic (which counts its own), and for `POST
 * /v1/responses/input_tokens` when it is not served by OpenAI: the text of an Anthropic
 * Messages body through gpt-tokenizer's o200k_base encoding (OpenAI's GPT-4o
 * family), plus a few tokens of framing per message and tool. An estimate:
 * exact for no provider's chat template, close for OpenAI models, and the
 * proxy marks the answer as one (`x-pilotfish-token-count: estimate`).
 *
 * The tokenizer's tables are a few MB: loaded on the first count, not at start.
 */
import { isObj } from './translate/check.ts';
import { responsesToChat } from './translate/responses-request.ts';

const PER_MESSAGE = 4;
const PER_TOOL = 8;

let tokenizer: Promise<(text: string) => number> | undefined;

async function counter(): Promise<(text: string) => number> {
  tokenizer ??= import('gpt-tokenizer').then((m) => (text: string) => m.countTokens(text));
  return tokenizer;
}

/** The texts to count in an Anthropic Messages body (system, message blocks, tool definitions), and the framing tokens. */
export function textsOf(body: Record<string, unknown>): { texts: string[]; framing: number } {
  const texts: string[] = [];
  let framing = 0;
  const block = (b: unknown) => {
    if (typeof b === 'string') { texts.push(b); return; }
    if (!isObj(b)) return;
    if (typeof b.text === 'string') texts.push(b.text);
    if (typeof b.thinking === 'string') texts.push(b.thinking);
    if (b.input !== undefined) texts.push(JSON.stringify(b.input));
    if (typeof b.name === 'string') texts.push(b.name);
    if (b.content !== undefined) for (const c of Array.isArray(b.content) ? b.content : [b.content]) block(c);
  };
  if (body.system !== undefined) for (const s of Array.isArray(body.system) ? body.system : [body.system]) block(s);
  if (Array.isArray(body.messages)) {
    for (const m of body.messages) {
      framing += PER_MESSAGE;
      if (isObj(m)) for (const c of Array.isArray(m.content) ? m.content : [m.content]) block(c);
    }
  }
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      framing += PER_TOOL;
      if (isObj(t)) texts.push([t.name, t.description, t.input_schema ? JSON.stringify(t.input_schema) : ''].filter((x) => typeof x === 'string').join('\n'));
    }
  }
  return { texts, framing };
}

/** Estimated input tokens of an Anthropic Messages body. */
export async function estimateInputTokens(body: Record<string, unknown>): Promise<number> {
  const count = await counter();
  const { texts, framing } = textsOf(body);
  let n = framing;
  for (const t of texts) if (t) n += count(t);
  return n;
}

/**
 * Estimated input tokens of an OpenAI Responses body: the Chat Completions body it means (responses-request.ts, so
 * what a translated route refuses is refused here too) counted as the same turns in the Messages shape.
 */
export async function estimateResponsesInputTokens(body: unknown): Promise<number> {
  const chat = responsesToChat(body);
  const system: string[] = [];
  const messages: { role: unknown; content: unknown[] }[] = [];
  for (const m of chat.messages as Record<string, unknown>[]) {
    const content = typeof m.content === 'string' ? [m.content] : Array.isArray(m.content) ? m.content : [];
    if (m.role === 'system' || m.role === 'developer') { system.push(...content.map((c) => (isObj(c) && typeof c.text === 'string' ? c.text : String(c)))); continue; }
    const calls = Array.isArray(m.tool_calls) ? m.tool_calls.map((c: Record<string, unknown>) => ({ text: `${String((c.function as Record<string, unknown>).name)} ${String((c.function as Record<string, unknown>).arguments)}` })) : [];
    messages.push({ role: m.role, content: [...content, ...calls] });
  }
  const tools = Array.isArray(chat.tools) ? chat.tools.map((t: Record<string, unknown>) => {
    const fn = t.function as Record<string, unknown>;
    return { name: fn.name, description: fn.description, input_schema: fn.parameters };
  }) : undefined;
  return estimateInputTokens({ system: system.length ? system : undefined, messages, tools });
}
