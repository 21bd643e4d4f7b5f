import type OpenAI from 'openai';
import type { Request, Response, StreamEvent } from '../canonical.ts';
import { toOpenAIRequest } from '../translate/openai-request.ts';
import { fromOpenAIResponse } from '../translate/openai-response.ts';
import { OpenAIStreamDecoder } from '../translate/stream-openai-decoder.ts';
import { fromSdkError } from './sdk-errors.ts';
import { clientHeaders } from '../passthrough-headers.ts';

/**
 * One Chat Completions call through an openai SDK client (stock, templated or Azure), shared by every
 * OpenAI-dialect provider. The raw answer rather than the SDK's parsed one: the SDK has already turned a
 * non-2xx into its APIError, and its parse step adds only a debug-log record, built even with logging off,
 * and a _request_id the proxy does not use.
 */
export async function completeChat(client: OpenAI, provider: string, req: Request, signal: AbortSignal): Promise<Response> {
  try {
    const body = toOpenAIRequest(req, false) as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const res = await client.chat.completions.create(body, { signal }).asResponse();
    const out = fromOpenAIResponse(await res.json(), provider);
    out.headers = clientHeaders(Object.fromEntries(res.headers.entries()));
    return out;
  } catch (err) {
    throw fromSdkError(err, provider, signal);
  }
}

/** A streamed Chat Completions call, decoded into canonical events; the upstream's headers ride on `start`. */
export async function* streamChat(client: OpenAI, provider: string, req: Request, signal: AbortSignal): AsyncIterable<StreamEvent> {
  const decoder = new OpenAIStreamDecoder(provider);
  const out: StreamEvent[] = [];
  try {
    const body = toOpenAIRequest(req, true) as unknown as OpenAI.ChatCompletionCreateParamsStreaming;
    const { data: stream, response } = await client.chat.completions.create(body, { signal }).withResponse();
    let headers: Record<string, string> | undefined = clientHeaders(Object.fromEntries(response.headers.entries()));
    for await (const chunk of stream) {
      decoder.push(chunk, out);
      if (headers && out[0]?.type === 'start') { out[0].headers = headers; headers = undefined; }
      if (out.length) { yield* out; out.length = 0; }
    }
    decoder.finish(out);
  } catch (err) {
    throw fromSdkError(err, provider, signal);
  }
  yield* out;
}
