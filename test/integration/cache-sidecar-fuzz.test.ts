/**
 * Bad input is never a 500: valid data API requests with exactly one part
 * corrupted (method, tenant, scope, key, query, body or a header) must be
 * answered below 500 with an error body, without crashing the sidecar, and a
 * refused request must not have changed stored data.
 *
 * The store is the memory backend behind a recorder of successful writes, so
 * "changed nothing" is observed at the store, not inferred from the status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import fc from 'fast-check';
import { MemoryStore, parseTtlPolicy, type CacheStore } from '#pkg/kv/index.ts';
import { createCacheSidecar, type CacheSidecar } from '#pkg/cachesidecar/index.ts';
import { Metrics } from '#pkg/metrics/index.ts';
import { createLogger, captureLogs } from '#pkg/log/index.ts';
import {
  badPercent, brokenJsonText, deep, describeRequest, fuzzRequest, oddJsonValue, pathChar, pathsOf, replaceAt, sendRaw,
  type FuzzRequest, type RawAnswer,
} from '../fixtures/fuzz.ts';

const TOKEN = 'fuzz-token-0123456789abcdef';
const MAX_VALUE_BYTES = 2048;
const MAX_BATCH_BODY_BYTES = 256 * 1024;

let sidecar: CacheSidecar;
let port: number;
let successfulWrites = 0;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function recordingStore(memory: MemoryStore): CacheStore {
  return {
    backend: memory.backend,
    get: (ns, key, o) => memory.get(ns, key, o),
    set: async (ns, key, json, ttlMs, o) => { await memory.set(ns, key, json, ttlMs, o); successfulWrites++; },
    del: async (ns, key, o) => { const n = await memory.del(ns, key, o); if (n > 0) successfulWrites++; return n; },
    mget: (ns, keys, o) => memory.mget(ns, keys, o),
    mset: async (ns, items, o) => { await memory.mset(ns, items, o); successfulWrites++; },
    transaction: async (tenant, ops, o) => {
      const results = await memory.transaction(tenant, ops, o);
      if (ops.some((op) => op.op !== 'get')) successfulWrites++;
      return results;
    },
    ping: (o) => memory.ping(o),
    close: () => memory.close(),
  };
}

const send = (req: FuzzRequest): Promise<RawAnswer> => sendRaw(port, agent, req);

beforeAll(async () => {
  const logs = captureLogs();
  const policy = parseTtlPolicy({ default: { ttl: '30s', min: '1s', max: '1h' }, scopes: { 'knowledge.search': { ttl: '15s', min: '5s', max: '30s' } } });
  sidecar = createCacheSidecar({
    // A frozen clock: nothing expires while the fuzzer runs, so writes are the only changes.
    store: recordingStore(new MemoryStore({ clock: { now: () => 1 } })),
    policy,
    metrics: new Metrics({ defaultMetrics: false }),
    logger: createLogger({ name: 'cache-sidecar-fuzz', level: 'error', destination: logs.stream }),
    token: TOKEN,
    // Generous: this suite is about answers to bad input, not deadlines, on a shared machine.
    opTimeoutMs: 5000,
    maxValueBytes: MAX_VALUE_BYTES,
    maxBatchBodyBytes: MAX_BATCH_BODY_BYTES,
  });
  ({ dataPort: port } = await sidecar.listen({ port: 0, host: '127.0.0.1' }, { port: 0, host: '127.0.0.1' }));
});
afterAll(async () => {
  agent.destroy();
  await sidecar?.close();
});

// ---- valid requests --------------------------------------------------------

const tenant = fc.constantFrom('acme', 't-1', 'A.b_c');
const scope = fc.constantFrom('docs', 'knowledge.search', 's');
const keyText = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
const ttl = fc.constantFrom('1500', '500ms', '15s', '5m', '1h', 2000, '0');
const value = fc.jsonValue({ maxDepth: 3 });
const auth = { authorization: `Bearer ${TOKEN}` };

/** A key as a path segment: percent-encoded, and a leading `_` escaped so it is not read as `_mget`. */
const keySegment = (key: string) => encodeURIComponent(key).replace(/^_/, '%5F');

interface Parts {
  method: string;
  tenant: string;
  scope: string;
  /** The last path segment: an encoded key, `_mget`, `_mset`, or absent for `_tx`. */
  last: string | undefined;
  query: string;
  headers: Record<string, string>;
  body: unknown;
}

const itemParts = fc.record({
  method: fc.constantFrom('GET', 'PUT', 'DELETE'), tenant, scope, key: keyText,
  ttl: fc.option(ttl, { nil: undefined }), value,
}).map(({ method, tenant, scope, key, ttl, value }): Parts => ({
  method, tenant, scope, last: keySegment(key),
  query: method === 'PUT' && ttl !== undefined ? `ttl=${ttl}` : '',
  headers: { ...auth }, body: method === 'PUT' ? value : undefined,
}));

const mgetParts = fc.record({ tenant, scope, keys: fc.array(keyText, { minLength: 1, maxLength: 5 }) })
  .map(({ tenant, scope, keys }): Parts => ({ method: 'POST', tenant, scope, last: '_mget', query: '', headers: { ...auth, 'content-type': 'application/json' }, body: { keys } }));

const msetParts = fc.record({
  tenant, scope,
  items: fc.array(fc.record({ key: keyText, value, ttl }, { requiredKeys: ['key', 'value'] }), { minLength: 1, maxLength: 4 }),
}).map(({ tenant, scope, items }): Parts => ({ method: 'POST', tenant, scope, last: '_mset', query: '', headers: { ...auth, 'content-type': 'application/json' }, body: { items } }));

const txOp = fc.oneof(
  fc.record({ op: fc.constant('get'), scope, key: keyText }),
  fc.record({ op: fc.constant('del'), scope, key: keyText }),
  fc.record({ op: fc.constant('set'), scope, key: keyText, value, ttl }, { requiredKeys: ['op', 'scope', 'key', 'value'] }),
  fc.record({ op: fc.constant('incr'), scope, key: keyText, by: fc.integer({ min: -1000, max: 1000 }) }, { requiredKeys: ['op', 'scope', 'key'] }),
  fc.record({ op: fc.constant('expire'), scope, key: keyText, ttl }),
);
const txParts = fc.record({ tenant, ops: fc.array(txOp, { minLength: 1, maxLength: 4 }) })
  .map(({ tenant, ops }): Parts => ({ method: 'POST', tenant, scope: '_tx', last: undefined, query: '', headers: { ...auth, 'content-type': 'application/json' }, body: { ops } }));

const validParts = fc.oneof(itemParts, mgetParts, msetParts, txParts);

// ---- corruptions -------------------------------------------------------------

const nastySegment = fc.oneof(
  badPercent,
  fc.tuple(fc.string({ maxLength: 6, unit: pathChar }), badPercent, fc.string({ maxLength: 6, unit: pathChar })).map((p) => p.join('')),
  fc.string({ maxLength: 20, unit: pathChar }),
  fc.integer({ min: 60, max: 3000 }).map((n) => 'k'.repeat(n)),
  fc.integer({ min: 300, max: 1200 }).map((n) => '%C3%A9'.repeat(n)),
  fc.constantFrom('', '_mget', '_mset', '_tx', '..', '.', '%2E%2E', 'a/b', '_x'),
);

const nastyQuery = fc.oneof(
  badPercent.map((p) => `ttl=${p}`),
  fc.tuple(fc.string({ maxLength: 4, unit: pathChar }), badPercent).map(([a, p]) => `ttl=${a}${p}`),
  fc.constantFrom('ttl', 'ttl=', 'ttl=-1', 'ttl=1e400', 'ttl=NaN', 'ttl=Infinity', 'ttl=99999999999999999999999', 'ttl=1.5', 'ttl=0x10',
    'ttl=15s&ttl=%E0', '&&', '=', 'ttl=%20', 'ttl=1%00', 'ttl=5d', 'ttl=-5m', 'x=%E0', '%E0=1'),
  fc.string({ maxLength: 30, unit: pathChar }).map((q) => `ttl=${q}`),
);

const nastyMethod = fc.constantFrom('GET', 'PUT', 'DELETE', 'POST', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'MKCOL', 'PURGE', 'LINK');

const nastyHeaders = fc.oneof(
  fc.constant({}),
  fc.constantFrom('Bearer', `Bearer ${TOKEN}x`, `bearer ${TOKEN}`, `Basic ${TOKEN}`, `Bearer ${TOKEN.slice(1)}é`, `Bearer ${'é'.repeat(TOKEN.length)}`, 'Bearer \u00ff\u00fe')
    .map((authorization) => ({ authorization })),
  fc.constantFrom('text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', '')
    .map((type) => ({ ...auth, 'content-type': type })),
);

/** Raw body text: broken JSON, deep values inside each batch shape, sizes around the limits. */
const rawBody = (valid: string) => fc.oneof(
  brokenJsonText(valid),
  fc.integer({ min: 1000, max: 30_000 }).map((d) => `{"keys":["a"],"items":[{"key":"k","value":${deep(d, '{"a":', '}')}}],"ops":[{"op":"set","scope":"s","key":"k","value":${deep(d, '[', ']')}}]}`),
  fc.integer({ min: MAX_VALUE_BYTES, max: MAX_VALUE_BYTES + 64 }).map((n) => `"${'x'.repeat(n)}"`),
  fc.constant(`"${'x'.repeat(MAX_BATCH_BODY_BYTES)}"`),
);

type Corruption = (p: Parts) => fc.Arbitrary<{ parts: Parts; raw?: string | Buffer; what: string }>;

const corruptions: Corruption[] = [
  (p) => nastyMethod.map((method) => ({ parts: { ...p, method }, what: `method ${method}` })),
  (p) => nastySegment.map((tenant) => ({ parts: { ...p, tenant }, what: 'tenant' })),
  (p) => nastySegment.map((scope) => ({ parts: { ...p, scope }, what: 'scope' })),
  (p) => nastySegment.map((last) => ({ parts: { ...p, last }, what: 'last segment' })),
  (p) => nastyQuery.map((query) => ({ parts: { ...p, query }, what: 'query' })),
  (p) => nastyHeaders.map((headers) => ({ parts: { ...p, headers }, what: 'headers' })),
  (p) => {
    const paths = pathsOf(p.body ?? null);
    return fc.tuple(fc.nat({ max: paths.length - 1 }), oddJsonValue)
      .map(([i, odd]) => ({ parts: { ...p, body: replaceAt(p.body ?? null, paths[i], odd) }, what: `body at ${JSON.stringify(paths[i])}` }));
  },
  (p) => rawBody(JSON.stringify(p.body ?? null)).map((raw) => ({ parts: p, raw, what: 'raw body' })),
];

function toRequest(parts: Parts, raw: string | Buffer | undefined, what: string): FuzzRequest {
  const segments = ['/v1/cache', parts.tenant, parts.scope];
  if (parts.last !== undefined) segments.push(parts.last);
  const path = segments.join('/') + (parts.query ? `?${parts.query}` : '');
  const body = raw ?? (parts.body === undefined ? undefined : JSON.stringify(parts.body));
  return fuzzRequest({ method: parts.method, path, headers: parts.headers, body, corrupted: what });
}

const corruptedRequest = validParts.chain((p) =>
  fc.constantFrom(...corruptions).chain((corrupt) => corrupt(p)).map(({ parts, raw, what }) => toRequest(parts, raw, what)));

const validRequest = validParts.map((p) => toRequest(p, undefined, 'nothing'));

// ---- properties ----------------------------------------------------------------

function errorBodyOf(answer: RawAnswer): { code: unknown; message: unknown } | undefined {
  try {
    return (JSON.parse(answer.body) as { error?: { code: unknown; message: unknown } }).error;
  } catch {
    return undefined;
  }
}

// Generous: the suite usually takes a few seconds, but a shared machine under load must not fail it on time alone.
const FUZZ_TIMEOUT_MS = 120_000;

describe('cache sidecar data API under corrupted input', () => {
  it('answers a few hundred valid requests below 400, or with a miss or a conflict', async () => {
    await fc.assert(fc.asyncProperty(validRequest, async (req) => {
      const answer = await send(req);
      // 404 is a miss; 409 an incr of a value that is not an integer.
      expect([200, 204, 404, 409], `${req.method} ${req.path}`).toContain(answer.status);
    }), { seed: 16, numRuns: 300 });
  }, FUZZ_TIMEOUT_MS);

  // What the fuzzer found (each answered 500 or crashed the process before the fix), kept as plain cases.
  it.each([
    ['ttl=%E0', 400, 'invalid_ttl', { method: 'PUT', path: '/v1/cache/acme/docs/k?ttl=%E0', headers: auth, body: '1' }],
    ['ttl=%ZZ0', 400, 'invalid_ttl', { method: 'PUT', path: '/v1/cache/acme/docs/k?ttl=%ZZ0', headers: auth, body: '1' }],
    ['ttl=%', 400, 'invalid_ttl', { method: 'PUT', path: '/v1/cache/acme/docs/k?ttl=%', headers: auth, body: '1' }],
    ['a deeply nested _mset value', 400, 'invalid_body', { method: 'POST', path: '/v1/cache/acme/docs/_mset', headers: auth, body: `{"items":[{"key":"k","value":${deep(20_000, '[', ']')}}]}` }],
    ['a deeply nested _tx value', 400, 'invalid_body', { method: 'POST', path: '/v1/cache/acme/_tx', headers: auth, body: `{"ops":[{"op":"set","scope":"s","key":"k","value":${deep(20_000, '{"a":', '}')}}]}` }],
    ['a non-ASCII bearer token of the right length', 401, 'unauthorized', { method: 'GET', path: '/v1/cache/acme/docs/k', headers: { authorization: `Bearer ${'é'.repeat(TOKEN.length)}` } }],
  ] as const)('%s is refused: %d %s', async (_, status, code, req) => {
    const writesBefore = successfulWrites;
    const answer = await send(fuzzRequest({ ...req, corrupted: 'regression' }));
    expect(answer.status).toBe(status);
    expect(errorBodyOf(answer)?.code).toBe(code);
    expect(successfulWrites).toBe(writesBefore);
  });

  it('never answers 5xx, always explains a refusal, and a refused request changes nothing', async () => {
    let refused = 0;
    await fc.assert(fc.asyncProperty(corruptedRequest, async (req) => {
      const writesBefore = successfulWrites;
      const answer = await send(req);
      const label = describeRequest(req);
      expect(answer.status, label).toBeLessThan(500);
      if (answer.status >= 400) {
        refused++;
        expect(successfulWrites, `${label} changed stored data`).toBe(writesBefore);
        if (req.method !== 'HEAD') {
          const error = errorBodyOf(answer);
          expect(typeof error?.code, label).toBe('string');
          expect(typeof error?.message, label).toBe('string');
        }
      }
    }), { seed: 16, numRuns: 3000 });
    // The corruptions bite: most requests are refused (some stay valid, e.g. a body field swapped for another valid value).
    expect(refused).toBeGreaterThan(1500);
    // Still serving after everything it was fed.
    const after = await send({ method: 'PUT', path: '/v1/cache/acme/docs/after', headers: auth, body: '1', corrupted: 'nothing' });
    expect(after.status).toBe(204);
  }, FUZZ_TIMEOUT_MS);
});
