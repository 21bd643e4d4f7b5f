import type { Logger } from '#pkg/log/index.ts';

/** What the app's knowledge search reported about its cache for one lookup. */
export type LookupCache = 'hit' | 'miss' | 'unavailable' | 'bypass';

/** One search hit as the chat passes it to the model and to the client. */
export interface LookupResult { title: string; path: string; score: number; snippet: string }

export interface LookupArgs { query: string; limit?: number }

export interface LookupContext { tenant: string; signal: AbortSignal }

/** The app's cached knowledge search, run for each `knowledge_lookup` call. */
export type Lookup = (args: LookupArgs, ctx: LookupContext) => Promise<{ results: LookupResult[]; cache: LookupCache }>;

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

/** A validated `POST /api/chat` body (see `parseChatRequest`). */
export interface ChatRequest { messages: ChatMessage[]; model?: string }

/** One chat as the app runs it: the request plus who asks and how. */
export interface ChatRun extends ChatRequest {
  /** The caller's tenant, passed to every lookup. */
  tenant: string;
  /** The `llm-real-provider` flag is off: ask the proxy for its mock provider. */
  useMockProvider: boolean;
  /** Aborts when the client goes away: the upstream call is cancelled and nothing more is emitted. */
  signal: AbortSignal;
  /** Sent to the proxy as `x-request-id` (it echoes it and puts it on its log lines). */
  requestId?: string;
}

export interface ChatUsage { prompt_tokens: number; completion_tokens: number; total_tokens: number }

export type ToolResultData =
  | { id: string; name: string; cache: LookupCache; results: LookupResult[] }
  /** The call could not run (unknown tool, arguments that are not valid JSON or break the schema, a failed lookup): the model got `error` as the tool's answer. */
  | { id: string; name: string; error: string; results: [] };

/** The server-sent events of one chat, in the order they happen; `done` or `error` ends it (neither after an abort). */
export type ChatEvent =
  | { type: 'token'; data: { text: string } }
  | { type: 'tool_call'; data: { id: string; name: string; arguments: string } }
  | { type: 'tool_result'; data: ToolResultData }
  | { type: 'done'; data: { usage: ChatUsage; provider: string; model: string; rounds: number } }
  | { type: 'error'; data: { code: string; message: string } };

export interface OrchestratorOptions {
  /** The LLM proxy's data API origin (`LLM_PROXY_URL`). Default `http://127.0.0.1:7701`. */
  proxyUrl?: string;
  /**
   * The key sent to the proxy as `Authorization: Bearer` (`LLM_PROXY_API_KEY`): its caller token
   * (`LLM_PROXY_TOKEN`) or a client key (`LLM_PROXY_KEYS`). Default a placeholder, for a proxy that asks for none.
   */
  apiKey?: string;
  /** Model when the request names none (`CHAT_MODEL`). Default `gpt-4o-mini`. */
  defaultModel?: string;
  /** Tool rounds per chat before the model must answer (`CHAT_MAX_TOOL_ROUNDS`). Default 3. */
  maxToolRounds?: number;
  lookup: Lookup;
  /** Called once per tool round (the app counts them in a metric). */
  onToolRound?: () => void;
  logger?: Logger;
}
