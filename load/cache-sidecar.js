// k6 load on the cache sidecar's data API (docs/cache-sidecar.md): a GET-heavy
// mix with PUTs and _mget batches over a warmed key space, part of which is
// never written so that misses are measured too.
//
//   k6 run load/cache-sidecar.js                        # CACHE_URL=http://127.0.0.1:7700
//   k6 run -e PROFILE=stress -e VUS=64 load/cache-sidecar.js
//
// Knobs: CACHE_URL, CACHE_SIDECAR_TOKEN, TENANT, SCOPE, KEYS (warm keys),
// MISS_SHARE (share of GETs on never-written keys), VALUE_BYTES, GET_SHARE,
// PUT_SHARE (the rest is _mget), MGET_KEYS, TTL, P99_GET_MS, P99_MGET_MS.
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate, Trend } from 'k6/metrics';
import { CACHE_TOKEN, CACHE_URL, baseThresholds, env, envNumber, header, randomInt, stages } from './lib/config.js';

const TENANT = env('TENANT', 'k6');
const SCOPE = env('SCOPE', 'load');
const KEYS = envNumber('KEYS', 1000);
const MISS_SHARE = envNumber('MISS_SHARE', 0.2);
const VALUE_BYTES = envNumber('VALUE_BYTES', 1024);
const GET_SHARE = envNumber('GET_SHARE', 0.8);
const PUT_SHARE = envNumber('PUT_SHARE', 0.1);
const MGET_KEYS = envNumber('MGET_KEYS', 10);
const TTL = env('TTL', '1h');

const hits = new Rate('cache_hit');
const unavailable = new Counter('cache_unavailable');
const mgetHitShare = new Trend('cache_mget_hit_share');

export const options = {
  scenarios: {
    mix: { executor: 'ramping-vus', startVUs: 0, stages: stages(16), gracefulRampDown: '5s' },
  },
  thresholds: {
    ...baseThresholds(),
    'http_req_duration{op:get}': [`p(95)<${envNumber('P95_GET_MS', 5)}`, `p(99)<${envNumber('P99_GET_MS', 20)}`],
    'http_req_duration{op:put}': [`p(99)<${envNumber('P99_PUT_MS', 25)}`],
    'http_req_duration{op:mget}': [`p(99)<${envNumber('P99_MGET_MS', 30)}`],
    // A backend outage shows as X-Cache: unavailable, never as a hang.
    cache_unavailable: [`count<=${envNumber('MAX_UNAVAILABLE', 0)}`],
  },
  setupTimeout: '60s',
};

// A 404 is a miss, not a failed request.
http.setResponseCallback(http.expectedStatuses(200, 204, 404));

const base = `${CACHE_URL}/v1/cache/${encodeURIComponent(TENANT)}/${encodeURIComponent(SCOPE)}`;
const headers = { 'content-type': 'application/json', ...(CACHE_TOKEN ? { authorization: `Bearer ${CACHE_TOKEN}` } : {}) };
const payload = JSON.stringify({ pad: 'x'.repeat(Math.max(0, VALUE_BYTES - 10)) });

const warmKey = (i) => `warm-${i}`;
const coldKey = (i) => `cold-${i}`;

/** Writes the warm key space in _mset batches so GETs hit from the first second. */
export function setup() {
  const value = JSON.parse(payload);
  for (let start = 0; start < KEYS; start += 500) {
    const items = [];
    for (let i = start; i < Math.min(KEYS, start + 500); i++) items.push({ key: warmKey(i), value, ttl: TTL });
    const res = http.post(`${base}/_mset`, JSON.stringify({ items }), { headers, tags: { op: 'setup' } });
    if (res.status !== 204) throw new Error(`warm-up _mset answered ${res.status}: ${res.body}`);
  }
  return { keys: KEYS };
}

function get() {
  const cold = Math.random() < MISS_SHARE;
  const key = cold ? coldKey(randomInt(KEYS)) : warmKey(randomInt(KEYS));
  const res = http.get(`${base}/${encodeURIComponent(key)}`, { headers, tags: { op: 'get' } });
  const xcache = header(res, 'X-Cache');
  if (xcache === 'unavailable') unavailable.add(1);
  hits.add(xcache === 'hit');
  check(res, {
    'get: 200 hit or 404 miss': (r) => (r.status === 200 && xcache === 'hit') || (r.status === 404 && xcache === 'miss'),
    'get: warm key hits': () => cold || xcache === 'hit',
    'get: hit carries X-Cache-TTL': () => xcache !== 'hit' || header(res, 'X-Cache-TTL') !== undefined,
    'get: names its backend': (r) => header(r, 'X-Cache-Backend') !== undefined,
  });
}

function put() {
  const key = warmKey(randomInt(KEYS));
  const res = http.put(`${base}/${encodeURIComponent(key)}?ttl=${encodeURIComponent(TTL)}`, payload, { headers, tags: { op: 'put' } });
  if (header(res, 'X-Cache') === 'unavailable') unavailable.add(1);
  check(res, {
    'put: 204': (r) => r.status === 204,
    'put: effective TTL returned': (r) => Number(header(r, 'X-Cache-TTL')) > 0,
  });
}

function mget() {
  const keys = [];
  for (let i = 0; i < MGET_KEYS; i++) keys.push(Math.random() < MISS_SHARE ? coldKey(randomInt(KEYS)) : warmKey(randomInt(KEYS)));
  const res = http.post(`${base}/_mget`, JSON.stringify({ keys }), { headers, tags: { op: 'mget' } });
  const xcache = header(res, 'X-Cache');
  if (xcache === 'unavailable') unavailable.add(1);
  const counted = /^(\d+)\/(\d+)$/.exec(header(res, 'X-Cache-Hits') ?? '');
  if (counted) mgetHitShare.add(Number(counted[1]) / Number(counted[2]));
  check(res, {
    'mget: 200': (r) => r.status === 200,
    'mget: X-Cache hit or miss': () => xcache === 'hit' || xcache === 'miss',
    'mget: X-Cache-Hits counts every key': () => counted !== null && Number(counted[2]) === keys.length,
    'mget: one item per key, in order': (r) => {
      const items = r.json('items');
      return Array.isArray(items) && items.length === keys.length && items.every((it, i) => it.key === keys[i]);
    },
    'mget: X-Cache is hit only when every key hit': () => counted === null || (xcache === 'hit') === (counted[1] === counted[2]),
  });
}

export default function () {
  const r = Math.random();
  if (r < GET_SHARE) get();
  else if (r < GET_SHARE + PUT_SHARE) put();
  else mget();
}

/** Removes the keys this run wrote (cold keys were never written). */
export function teardown(data) {
  for (let start = 0; start < data.keys; start += 100) {
    const batch = [];
    for (let i = start; i < Math.min(data.keys, start + 100); i++) {
      batch.push(['DELETE', `${base}/${encodeURIComponent(warmKey(i))}`, null, { headers, tags: { op: 'teardown' } }]);
    }
    http.batch(batch);
  }
}
