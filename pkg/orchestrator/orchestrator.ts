import OpenAI from 'openai';
import type { ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { createLogger, type Logger } from '#pkg/log/index.ts';
import { describeFailure, IncompleteStreamError } from './failure.ts';
import { addUsage, RoundAssembler } from './round.ts';
import { LOOKUP_TOOL, parseToolCall, toolContent, trimResults } from './tool.ts';
import type { ChatEvent, ChatRun, ChatUsage, Lookup, OrchestratorOptions, ToolResultData } from './types.ts';

const DEFAULT_PROXY_URL = 'http://127.0.0.1:7701';
const DEFAULT_CHAT_MODEL = 'gpt-4o-mini';
const DEFAULT_MAX_TOOL_ROUNDS = 3;

// The SDK insists on a key; a proxy with no caller token or client keys ignores it and calls providers with its own.
const PLACEHOLDER_API_KEY = 'pilotfish-app-via-llm-proxy';

/**
 * The chat's tool loop: streams a chat completion from the LLM proxy with the
 * `knowledge_lookup` tool offered, runs the tool calls the model makes through
 * the app's cached search, feeds the results back and calls again, until the
 * model answers or `maxToolRounds` rounds are spent (then one last call with
 * `tool_choice: "none"` makes it answer).
 */
export class ChatOrchestrator {
  readonly #client: OpenAI;
  readonly #defaultModel: string;
  readonly #maxToolRounds: number;
  readonly #lookup: Lookup;
  readonly #onToolRound: () => void;
  readonly #logger: Logger;

  constructor(options: OrchestratorOptions) {
    const maxToolRounds = options.maxToolRounds ?? DEFAULT_MAX_TOOL_ROUNDS;
    if (!Number.isInteger(maxToolRounds) || maxToolRounds < 0) throw new RangeError('maxToolRounds must be an integer of at least 0');
    this.#defaultModel = options.defaultModel ?? DEFAULT_CHAT_MODEL;
    this.#maxToolRounds = maxToolRounds;
    this.#lookup = options.lookup;
    this.#onToolRound = options.onToolRound ?? (() => {});
    this.#logger = options.logger ?? createLogger({ name: 'orchestrator' });
    this.#client = new OpenAI({
      baseURL: `${(options.proxyUrl ?? DEFAULT_PROXY_URL).replace(/\/+$/, '')}/v1`,
      apiKey: options.apiKey || PLACEHOLDER_API_KEY,
      // The proxy retries providers and answers a final failure with x-should-retry: false, which the SDK obeys;
      // the one retry left covers reaching the proxy itself (a keep-alive socket it just closed, a sidecar restart).
      maxRetries: 1,
      // Never send an organization or project the app's environment happens to carry.
      organization: null,
      project: null,
      // The SDK's own console lines would bypass the masked logger.
      logLevel: 'off',
    });
  }

  /**
   * Runs one chat, calling `emit` for each event: `token`s and tool events as
   * they happen, then exactly one `done` or `error`. Never rejects. Once
   * `signal` aborts, the in-flight proxy call (or lookup) is cancelled and
   * nothing more is emitted.
   */
  async run(input: ChatRun, emit: (event: ChatEvent) => void): Promise<void> {
    const { signal } = input;
    const send = (event: ChatEvent) => { if (!signal.aborted) emit(event); };
    const model = input.model ?? this.#defaultModel;
    const headers: Record<string, string> = {};
    if (input.useMockProvider) headers['x-llm-provider'] = 'mock';
    if (input.requestId) headers['x-request-id'] = input.requestId;
    const messages: ChatCompletionMessageParam[] = input.messages.map((m) => ({ role: m.role, content: m.content }));
    const usage: ChatUsage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
    let rounds = 0;
    try {
      for (;;) {
        if (signal.aborted) return;
        const lastCall = rounds >= this.#maxToolRounds;
        const { data: stream, response } = await this.#client.chat.completions.create({
          model, messages, stream: true, stream_options: { include_usage: true },
          tools: [LOOKUP_TOOL], tool_choice: lastCall ? 'none' : 'auto',
        }, { signal, headers }).withResponse();
        const round = new RoundAssembler();
        for await (const chunk of stream) {
          const text = round.add(chunk);
          if (text) send({ type: 'token', data: { text } });
        }
        // The SDK ends an aborted stream quietly instead of throwing.
        if (signal.aborted) return;
        if (round.finishReason === null) throw new IncompleteStreamError();
        addUsage(usage, round.usage);
        const calls = round.toolCalls(rounds);
        if (calls.length === 0 || lastCall) {
          const provider = response.headers.get('x-llm-provider') ?? 'unknown';
          const served = response.headers.get('x-llm-model') || model;
          send({ type: 'done', data: { usage, provider, model: served, rounds } });
          return;
        }
        rounds++;
        this.#onToolRound();
        messages.push({ role: 'assistant', content: round.text || null, tool_calls: calls });
        for (const call of calls) {
          send({ type: 'tool_call', data: { id: call.id, name: call.function.name, arguments: call.function.arguments } });
          const result = await this.#runTool(call, input);
          if (signal.aborted) return;
          send({ type: 'tool_result', data: result });
          messages.push({ role: 'tool', tool_call_id: call.id, content: toolContent(result) });
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      const failure = describeFailure(err);
      const status = err instanceof OpenAI.APIError ? err.status : undefined;
      if (failure.code === 'internal') this.#logger.error({ err, tenant: input.tenant, requestId: input.requestId }, 'chat failed unexpectedly');
      else this.#logger.warn({ code: failure.code, status, rounds, tenant: input.tenant, requestId: input.requestId }, 'chat failed');
      send({ type: 'error', data: failure });
    }
  }

  async #runTool(call: ChatCompletionMessageFunctionToolCall, input: ChatRun): Promise<ToolResultData> {
    const { id, function: { name, arguments: raw } } = call;
    const parsed = parseToolCall(name, raw);
    if (!parsed.ok) return { id, name, error: parsed.error, results: [] };
    try {
      const { results, cache } = await this.#lookup(parsed.args, { tenant: input.tenant, signal: input.signal });
      return { id, name, cache, results: trimResults(results) };
    } catch (err) {
      if (!input.signal.aborted) this.#logger.warn({ err, tenant: input.tenant, requestId: input.requestId }, 'knowledge lookup failed in a chat');
      return { id, name, error: 'the knowledge lookup failed; answer without it or try again', results: [] };
    }
  }
}
