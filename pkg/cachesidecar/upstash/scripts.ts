/**
 * Which Lua scripts a token may run, and the SHA bookkeeping that lets
 * scripts written for Redis ≥ 7.2 or Upstash run on Redis 7.0.
 *
 * A script can build key names at run time and so escape its tenant: only
 * scripts whose SHA-1 is allowlisted run, unless the token is trusted. The
 * scripts of @upstash/ratelimit are allowlisted by default (by SHA; the
 * sidecar never needs their text).
 *
 * `#!lua flags=allow-key-locking` is a flag Redis 7.0 rejects ("Unexpected
 * flag in script shebang") and that only tunes locking elsewhere, so it is
 * dropped before EVAL and SCRIPT LOAD. The client keeps using the SHA of the
 * text it sent; the sidecar maps it to the SHA Redis knows, and back.
 */
import { createHash } from 'node:crypto';

/**
 * SHA-1s of @upstash/ratelimit's scripts (fixed window, sliding window, token
 * bucket, cached fixed window, their remaining-tokens scripts, the
 * multi-region ones and reset), as its src/lua-scripts/hash.ts lists them.
 */
export const RATELIMIT_SCRIPT_SHAS: readonly string[] = [
  // An earlier @upstash/ratelimit's scripts, then 2.2.0's (test/integration/cache-sidecar-upstash-ratelimit.test.ts checks every hash the installed version ships is here).
  'b13943e359636db027ad280f1def143f02158c13', '8c4c341934502aee132643ffbe58ead3450e5208',
  'e1391e429b699c780eb0480350cd5b7280fd9213', '65a73ac5a05bf9712903bc304b77268980c1c417',
  '5bece90aeef8189a8cfd28995b479529e270b3c6', 'a15be2bb1db2a15f7c82db06146f9d08983900d0',
  'c26b12703dd137939b9a69a3a9b18e906a2d940f', '8e8f222ccae68b595ee6e3f3bf2199629a62b91a',
  'a8c14f3835aa87bd70e5e2116081b81664abcf5c', '8ab8322d0ed5fe5ac8eb08f0c2e4557f1b4816fd',
  'cb4fdc2575056df7c6d422764df0de3a08d6753b', '558c9306b7ec54abb50747fe0b17e5d44bd24868',
  '54bd274ddc59fb3be0f42deee2f64322a10e2b50', '1861a700bafe96c833a483af6b1c28a8897cfdb0',
  '40daf4a441df736f5c99f8b77bbe176c909e5de4', '74740bb3d7792848093cdef586b6b6037c455fd6',
  '7ca36169e0fc9caedd81b4eef8e99854c157f9b5', '823cb2a5a902d69681244f5e28e5ebb8f2a89edd',
  '87828c1088f6a8d1f512a434ea330189982a1c0a', 'aeb4d8f381e8dafc8e69041baae1324d254ded44',
  'b2efc02798c8e9b471a10f9b1d5745db89923ff3', 'd60be5bd3d83482ae229309f1f7425424f891204',
  'e04b753a75909b7f99aae4c04cf8869a8de02a9e', 'e066c8ce3eaca142b0894ad1541e0a58c9924819',
  'eb82f0e853d2fc9a236fa9bfbe704fda6ac2fc36',
];

/** Flags of a `#!lua` shebang that Redis 7.0 does not know and that change nothing a client can observe. */
const DROPPED_FLAGS = new Set(['allow-key-locking']);
const MAX_LEARNED = 10_000;

/** `CACHE_UPSTASH_SCRIPT_SHAS`: comma- or space-separated SHA-1s (40 hex digits) of more scripts to allow. */
export function parseScriptShas(text: string): string[] {
  const shas = text.split(/[\s,]+/).filter((s) => s !== '');
  const bad = shas.findIndex((s) => !/^[0-9a-fA-F]{40}$/.test(s));
  if (bad >= 0) throw new Error(`CACHE_UPSTASH_SCRIPT_SHAS entry #${bad + 1} is not a SHA-1 (40 hex digits)`);
  return shas.map((s) => s.toLowerCase());
}

export function sha1(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** The script as Redis 7.0 accepts it: unknown shebang flags dropped. Unchanged when there is nothing to drop. */
export function compatibleScript(body: string): string {
  const match = /^#!lua flags=([^\s]*)(\s|$)/.exec(body);
  if (!match) return body;
  const flags = match[1].split(',').filter((f) => f !== '');
  const kept = flags.filter((f) => !DROPPED_FLAGS.has(f));
  if (kept.length === flags.length) return body;
  const shebang = kept.length ? `#!lua flags=${kept.join(',')}` : '#!lua';
  return shebang + body.slice('#!lua flags='.length + match[1].length);
}

export type ScriptDecision = { ok: true; send: string } | { ok: false; error: string };

export class ScriptGate {
  readonly #allowed: Set<string>;
  /** Client SHA → SHA of the text Redis got, for scripts whose text was changed. */
  readonly #toRedis = new Map<string, string>();
  readonly #toClient = new Map<string, string>();

  constructor(options: { allowedShas?: readonly string[]; allowedBodies?: readonly string[] } = {}) {
    this.#allowed = new Set([...RATELIMIT_SCRIPT_SHAS, ...(options.allowedShas ?? [])].map((s) => s.toLowerCase()));
    for (const body of options.allowedBodies ?? []) {
      this.#allowed.add(sha1(body));
      this.#learn(body);
    }
  }

  #refusal(): ScriptDecision {
    return { ok: false, error: 'ERR script refused by the cache sidecar: only allowlisted scripts run under this token (a script can name keys outside its tenant)' };
  }

  /** EVAL / SCRIPT LOAD: the text to send to Redis. */
  body(body: string, trusted: boolean): ScriptDecision {
    if (!trusted && !this.#allowed.has(sha1(body))) return this.#refusal();
    return { ok: true, send: this.#learn(body) };
  }

  /** EVALSHA: the SHA to send to Redis. */
  sha(sha: string, trusted: boolean): ScriptDecision {
    const lower = sha.toLowerCase();
    if (!trusted && !this.#allowed.has(lower)) return this.#refusal();
    return { ok: true, send: this.#toRedis.get(lower) ?? lower };
  }

  /** SCRIPT EXISTS: the SHAs to ask Redis about. */
  redisSha(sha: string): string {
    const lower = sha.toLowerCase();
    return this.#toRedis.get(lower) ?? lower;
  }

  /** A SHA Redis reports (SCRIPT LOAD's answer), as the client knows it. */
  clientSha(redisSha: string): string {
    return this.#toClient.get(redisSha) ?? redisSha;
  }

  #learn(body: string): string {
    const send = compatibleScript(body);
    if (send !== body && this.#toRedis.size < MAX_LEARNED) {
      const clientSha = sha1(body);
      const redisSha = sha1(send);
      this.#toRedis.set(clientSha, redisSha);
      this.#toClient.set(redisSha, clientSha);
    }
    return send;
  }
}
