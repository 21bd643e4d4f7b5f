// k6 load on the app end to end (docs/api/knowledge.md): cached knowledge
// search through the cache sidecar, with the hit ratio set by the query mix,
// plus streamed chat through the orchestrator and the LLM proxy.
//
//   npm start                                            # prints a dev key
//   k6 run -e APP_API_KEY=dev-... load/app.js            # APP_URL=http://127.0.0.1:8080
//   k6 run -e APP_API_KEY=... -e HOT_SHARE=0.5 -e PROFILE=stress load/app.js
//
// The search mix: HOT_SHARE of the searches draw from HOT_QUERIES fixed
// queries (warmed in setup, so they hit until their TTL runs out), the rest
// are unique queries that always miss. The hit ratio is therefore about
// HOT_SHARE; MIN_HIT_RATE judges it.
//
// Knobs: APP_URL, APP_API_KEY, HOT_QUERIES, HOT_SHARE, CHAT_SHARE (the rest
// is search-cached), LIMIT, TTL (asked of search-cached; empty: the app's
// default), CHAT_MODEL (empty: the app's), EXPECT_TOOL (1: each chat must do
// a knowledge_lookup round trip, which the mock provider does for "look up"),
// P95_HIT_MS, P95_MISS_MS, CHAT_P95_MS, MIN_HIT_RATE, MAX_UNAVAILABLE,
// MAX_RATE_LIMITED.
//
// The key's principal needs a rate limit above the load: its role's limit per
// APP_RATE_LIMIT_WINDOW (APP_RATE_LIMITS, default knowledge:read 600/min and
// chat:use 60/min) is shared by every VU. 429s are counted in app_rate_limited.
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import { APP_API_KEY, APP_URL, baseThresholds, env, envNumber, header, randomInt, stages } from './lib/config.js';
import { summarize } from './lib/summary.js';

const HOT_QUERIES = envNumber('HOT_QUERIES', 20);
const HOT_SHARE = envNumber('HOT_SHARE', 0.9);
const CHAT_SHARE = envNumber('CHAT_SHARE', 0.05);
const LIMIT = envNumber('LIMIT', 5);
const TTL = env('TTL', '');
const CHAT_MODEL = env('CHAT_MODEL', '');
const EXPECT_TOOL = env('EXPECT_TOOL', '1') === '1';

if (!APP_API_KEY) throw new Error('APP_API_KEY is required (npm start prints a development key)');
if (HOT_SHARE < 0 || HOT_SHARE > 1) throw new Error(`HOT_SHARE must be within [0, 1], got ${HOT_SHARE}`);

const hit = new Rate('app_cache_hit');
const unavailable = new Counter('app_cache_unavailable');
const bypass = new Counter('app_cache_bypass');
const rateLimited = new Counter('app_rate_limited');
const hitDuration = new Trend('app_search_hit_duration', true);
const missDuration = new Trend('app_search_miss_duration', true);
const chatFirstByte = new Trend('app_chat_first_byte', true);
const chatRounds = new Trend('app_chat_tool_rounds');

export const options = {
  scenarios: {
    mix: { executor: 'ramping-vus', startVUs: 0, stages: stages(8), gracefulRampDown: '10s' },
  },
  thresholds: {
    ...baseThresholds(),
    app_search_hit_duration: [`p(95)<${envNumber('P95_HIT_MS', 25)}`],
    app_search_miss_duration: [`p(95)<${envNumber('P95_MISS_MS', 100)}`],
    'http_req_duration{route:chat}': [`p(95)<${envNumber('CHAT_P95_MS', 2000)}`],
    app_cache_hit: [`rate>${envNumber('MIN_HIT_RATE', Math.max(0, HOT_SHARE - 0.15))}`],
    // The sidecar down or slow shows as X-Cache: unavailable (still a 200): a healthy stack has none.
    app_cache_unavailable: [`count<=${envNumber('MAX_UNAVAILABLE', 0)}`],
    app_rate_limited: [`count<=${envNumber('MAX_RATE_LIMITED', 0)}`],
  },
  setupTimeout: '60s',
};

const auth = { authorization: `Bearer ${APP_API_KEY}` };
const topics = ['cache sidecar', 'ttl policy', 'llm proxy fallback', 'circuit breaker', 'queue lag', 'render worker', 'autoscaler', 'helm chart', 'feature flags', 'rate limit'];
const hotQuery = (i) => `${topics[i % topics.length]} ${Math.floor(i / topics.length) || ''}`.trim();
// Unique per VU and iteration (and random across runs): never served from the cache.
const uniqueQuery = () => `${topics[randomInt(topics.length)]} u${__VU}x${__ITER}r${randomInt(1e9)}`;

function searchUrl(q) {
  let url = `${APP_URL}/api/knowledge/search-cached?q=${encodeURIComponent(q)}&limit=${LIMIT}`;
  if (TTL) url += `&ttl=${encodeURIComponent(TTL)}`;
  return url;
}

/** Asks every hot query once, so the measured part starts with them cached. */
export function setup() {
  for (let i = 0; i < HOT_QUERIES; i++) {
    const res = http.get(searchUrl(hotQuery(i)), { headers: auth, tags: { route: 'setup' } });
    if (res.status !== 200) throw new Error(`warm-up search answered ${res.status}: ${res.body}`);
  }
  return { hot: HOT_QUERIES };
}

function search() {
  const hot = HOT_QUERIES > 0 && Math.random() < HOT_SHARE;
  const res = http.get(searchUrl(hot ? hotQuery(randomInt(HOT_QUERIES)) : uniqueQuery()), { headers: auth, tags: { route: 'search-cached', query: hot ? 'hot' : 'unique' } });
  if (res.status === 429) {
    rateLimited.add(1);
    return;
  }
  const xcache = header(res, 'X-Cache');
  if (xcache === 'unavailable') unavailable.add(1);
  if (xcache === 'bypass') bypass.add(1);
  hit.add(xcache === 'hit');
  (xcache === 'hit' ? hitDuration : missDuration).add(res.timings.duration);
  check(res, {
    'search: 200': (r) => r.status === 200,
    'search: X-Cache hit or miss': () => xcache === 'hit' || xcache === 'miss',
    'search: a unique query misses': () => hot || xcache !== 'hit',
    'search: results within the limit': (r) => {
      const results = r.json('results');
      return Array.isArray(results) && results.length <= LIMIT;
    },
    'search: security headers': (r) => header(r, 'X-Content-Type-Options') === 'nosniff',
  });
}

/** Server-sent events of a finished stream: [{ event, data }]. */
function sseEvents(body) {
  const events = [];
  for (const block of String(body ?? '').split(/\r?\n\r?\n/)) {
    let event = 'message';
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) {
      let parsed;
      try { parsed = JSON.parse(data.join('\n')); } catch { parsed = undefined; }
      events.push({ event, data: parsed });
    }
  }
  return events;
}

function chat() {
  const body = { messages: [{ role: 'user', content: `Please look up ${topics[randomInt(topics.length)]} in the knowledge base and summarise it.` }] };
  if (CHAT_MODEL) body.model = CHAT_MODEL;
  const res = http.post(`${APP_URL}/api/chat`, JSON.stringify(body), {
    headers: { ...auth, 'content-type': 'application/json', accept: 'text/event-stream' },
    tags: { route: 'chat' },
    timeout: '120s',
  });
  if (res.status === 429) {
    rateLimited.add(1);
    return;
  }
  chatFirstByte.add(res.timings.waiting);
  const events = sseEvents(res.body);
  const done = events.find((e) => e.event === 'done');
  if (done && done.data) chatRounds.add(Number(done.data.rounds ?? 0));
  check(res, {
    'chat: 200 text/event-stream': (r) => r.status === 200 && String(header(r, 'Content-Type')).startsWith('text/event-stream'),
    'chat: ends with done': () => events.length > 0 && events[events.length - 1].event === 'done',
    'chat: no error event': () => !events.some((e) => e.event === 'error'),
    'chat: done names provider and model': () => Boolean(done && done.data && done.data.provider && done.data.model),
    'chat: streamed tokens': () => events.some((e) => e.event === 'token'),
    'chat: knowledge_lookup round trip': () => !EXPECT_TOOL || (
      events.some((e) => e.event === 'tool_call' && e.data && e.data.name === 'knowledge_lookup')
      && events.some((e) => e.event === 'tool_result' && e.data && !e.data.error)),
  });
}

export default function () {
  if (Math.random() < CHAT_SHARE) chat();
  else search();
}

/** The whole summary as JSON in SUMMARY_FILE (default app-summary.json), each threshold's verdict on stdout. */
export function handleSummary(data) {
  return summarize(data, 'app');
}
