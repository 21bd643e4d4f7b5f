// k6 load on the LLM proxy sidecar (docs/llm-proxy.md): OpenAI Chat
// Completions and Anthropic Messages, streaming and not, checking the
// x-llm-* headers of every answer and measuring time to first token.
//
//   LLM_PROVIDER=mock npm run start:llm-proxy &          # or a proxy in a pod
//   k6 run load/llm-proxy.js                              # LLM_URL=http://127.0.0.1:7701
//   k6 run -e LLM_MODEL=fast -e PROFILE=smoke load/llm-proxy.js   # an alias, real providers
//
// Knobs: LLM_URL, LLM_MODEL (default mock-1: the proxy's mock provider, no
// spend), OPENAI_SHARE (the rest is Anthropic), STREAM_SHARE, MAX_TOKENS,
// PROMPT_WORDS, P95_MS, P99_MS, TTFT_P95_MS, MAX_FALLBACK_RATE.
import http from 'k6/http';
import { check } from 'k6';
import { Rate, Trend } from 'k6/metrics';
import { LLM_URL, baseThresholds, env, envNumber, header, stages } from './lib/config.js';

const MODEL = env('LLM_MODEL', 'mock-1');
const OPENAI_SHARE = envNumber('OPENAI_SHARE', 0.5);
const STREAM_SHARE = envNumber('STREAM_SHARE', 0.5);
const MAX_TOKENS = envNumber('MAX_TOKENS', 64);
const PROMPT_WORDS = envNumber('PROMPT_WORDS', 24);

// Time to first byte of a stream: the proxy sends its first byte only once
// the upstream produced its first event, so this is time to first token.
const ttft = new Trend('llm_ttft', true);
const attempts = new Trend('llm_attempts');
const fallback = new Rate('llm_fallback');
const degraded = new Rate('llm_degraded');

export const options = {
  scenarios: {
    mix: { executor: 'ramping-vus', startVUs: 0, stages: stages(8), gracefulRampDown: '10s' },
  },
  thresholds: {
    ...baseThresholds(),
    'http_req_duration{stream:false}': [`p(95)<${envNumber('P95_MS', 200)}`, `p(99)<${envNumber('P99_MS', 500)}`],
    llm_ttft: [`p(95)<${envNumber('TTFT_P95_MS', 100)}`],
    llm_fallback: [`rate<${envNumber('MAX_FALLBACK_RATE', 0.05)}`],
    llm_degraded: ['rate==0'],
  },
};

const words = ['cache', 'queue', 'render', 'token', 'proxy', 'worker', 'latency', 'budget', 'retry', 'stream', 'model', 'answer'];
function prompt() {
  const out = [];
  for (let i = 0; i < PROMPT_WORDS; i++) out.push(words[(__VU * 7 + __ITER * 3 + i) % words.length]);
  return `Summarise in one line: ${out.join(' ')}`;
}

function openai(stream) {
  const body = { model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: prompt() }] };
  if (stream) Object.assign(body, { stream: true, stream_options: { include_usage: true } });
  return http.post(`${LLM_URL}/v1/chat/completions`, JSON.stringify(body), {
    headers: { 'content-type': 'application/json', authorization: 'Bearer unused' },
    tags: { dialect: 'openai', stream: String(stream) },
    timeout: '120s',
  });
}

function anthropic(stream) {
  const body = { model: MODEL, max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: prompt() }], stream };
  return http.post(`${LLM_URL}/v1/messages`, JSON.stringify(body), {
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': 'unused' },
    tags: { dialect: 'anthropic', stream: String(stream) },
    timeout: '120s',
  });
}

/** The data lines of an SSE body, parsed (`[DONE]` kept as a string). */
function sseData(body) {
  const out = [];
  for (const line of String(body).split('\n')) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') { out.push(data); continue; }
    try { out.push(JSON.parse(data)); } catch (_e) { out.push({ malformed: data }); }
  }
  return out;
}

function completeOpenai(res, stream) {
  if (!stream) {
    const msg = res.json('choices.0.message');
    return msg !== null && msg !== undefined && (typeof msg.content === 'string' || Array.isArray(msg.tool_calls));
  }
  const events = sseData(res.body);
  return events.length > 1 && events[events.length - 1] === '[DONE]' && !events.some((e) => e.error || e.malformed);
}

function completeAnthropic(res, stream) {
  if (!stream) return res.json('type') === 'message' && Array.isArray(res.json('content'));
  const body = String(res.body);
  return body.includes('event: message_start') && body.includes('event: message_stop') && !body.includes('event: error');
}

export default function () {
  const isOpenai = Math.random() < OPENAI_SHARE;
  const stream = Math.random() < STREAM_SHARE;
  const res = isOpenai ? openai(stream) : anthropic(stream);
  const provider = header(res, 'x-llm-provider');
  const tries = Number(header(res, 'x-llm-attempts'));
  const fellBack = header(res, 'x-llm-fallback') === 'true';
  const wasDegraded = header(res, 'x-llm-degraded') === 'true';
  if (Number.isFinite(tries)) attempts.add(tries);
  fallback.add(fellBack);
  degraded.add(wasDegraded);
  if (stream && res.status === 200) ttft.add(res.timings.waiting, { dialect: isOpenai ? 'openai' : 'anthropic' });
  check(res, {
    '200': (r) => r.status === 200,
    'x-llm-provider names who served': () => provider !== undefined && provider !== 'none',
    'x-llm-model set': () => Boolean(header(res, 'x-llm-model')),
    'x-llm-attempts at least 1': () => tries >= 1,
    'not degraded': () => !wasDegraded,
    'stream is SSE': (r) => !stream || String(header(r, 'content-type')).startsWith('text/event-stream'),
    'answer complete in the caller\'s dialect': (r) => r.status === 200 && (isOpenai ? completeOpenai(r, stream) : completeAnthropic(r, stream)),
  });
}
