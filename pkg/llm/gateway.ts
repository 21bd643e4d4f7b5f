import { collect, type Request, type Response, type StreamEvent } from './canonical.ts';
import { LlmError } from './errors.ts';
import { GatewayError } from './gateway-error.ts';
import type { LLMProvider, ProviderName } from './provider.ts';
import type { Candidate, Route } from './router.ts';
import { Attempt } from './resilience/attempt.ts';
import type { ProviderBreaker } from './resilience/breaker.ts';
import { nextDelay, type BackoffOptions } from './resilience/retry-policy.ts';
import { sleep } from './resilience/sleep.ts';
import { Timeouts } from './resilience/timeouts.ts';
import { attemptTimeout, requestDeadline } from './resilience/budget.ts';
import { finalError } from './resilience/final.ts';

export interface GatewayOptions {
  providers: ReadonlyMap<ProviderName, LLMProvider>;
  breakers: ReadonlyMap<ProviderName, ProviderBreaker>;
  /** Attempts per provider, the first included. Default 3 (`LLM_RETRY_MAX_ATTEMPTS`). */
  maxAttempts?: number;
  /** Backoff base and cap. Default 250 ms and 8000 ms (`LLM_RETRY_BASE_MS`, `LLM_RETRY_CAP_MS`). */
  backoff?: BackoffOptions;
  /** Overall deadline for a call, retries and fallbacks included (for a stream: up to its first event), when the caller announces none. Default 600000 (`LLM_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** Longest deadline a caller may ask for with `x-stainless-timeout`. Default 600000 (`LLM_MAX_TIMEOUT_MS`). */
  maxTimeoutMs?: number;
  /** Per-attempt timeout: a non-streaming answer, or a stream's first event. Default 30000 (`LLM_ATTEMPT_TIMEOUT_MS`). */
  attemptTimeoutMs?: number;
  /** A named upstream's own per-attempt timeout (`LLM_UPSTREAMS` `timeouts.attemptMs`), over `attemptTimeoutMs`. Default none. */
  attemptTimeouts?: ReadonlyMap<ProviderName, number>;
  /** Longest silence between two stream events once streaming. Default 60000 (`LLM_STREAM_IDLE_TIMEOUT_MS`); 0 disables. */
  streamIdleMs?: number;
  /** When every provider failed: `error` answers 503, `message` a canned assistant message. Default `error` (`LLM_DEGRADED_MODE`). */
  degradedMode?: 'error' | 'message';
  /** The canned message of degraded mode. */
  degradedMessage?: string;
  /** Hooks for metrics and logs. */
  observer?: GatewayObserver;
  timeouts?: Timeouts;
}

export interface GatewayObserver {
  retry?(provider: ProviderName, reason: string): void;
  fallback?(from: ProviderName, to: ProviderName | 'degraded', reason: string): void;
  attemptFailed?(provider: ProviderName, err: LlmError): void;
}

/** How a call was served, for the x-llm-* headers and metrics. */
export interface Outcome {
  provider: ProviderName | 'none';
  model: string;
  attempts: number;
  fallback: boolean;
  degraded: boolean;
}

export interface StreamOpen extends Outcome {
  /** The first event, already received: the caller may commit its headers now. */
  first: StreamEvent;
  /** The remaining events; errors after the first event surface here. */
  rest: AsyncIterator<StreamEvent>;
  /** Ends the upstream call (client went away, or the stream is done). */
  close(): void;
}

/** Per-call options: the caller's own time budget, and whether the answer streams. */
export interface CallOptions {
  /** Overall deadline of this call in ms (from `x-stainless-timeout`, resilience/budget.ts). Default `timeoutMs`. */
  deadlineMs?: number;
  /** A stream's attempts last until its first event; a non-streaming attempt grows with the deadline. */
  stream?: boolean;
}

/** One attempt at one candidate; `index` is the candidate's place in the route (0: first choice). */
export type CandidateCall<T> = (candidate: Candidate, provider: LLMProvider, attempt: Attempt, index: number) => Promise<T>;

type Resolved = Required<Omit<GatewayOptions, 'observer'>> & { observer: GatewayObserver };

const NO_OWN_TIMEOUTS: ReadonlyMap<ProviderName, number> = new Map();
const DEFAULT_DEGRADED = 'The assistant is temporarily unavailable. Please try again later.';

/**
 * Runs one call across a route: for each candidate provider, up to
 * `maxAttempts` attempts through its breaker with full-jitter backoff (or the
 * provider's retry-after), all inside the overall deadline; then the next
 * candidate; then degraded mode. Streams are retried and failed over only
 * until their first event.
 */
export class Gateway {
  readonly #o: Resolved;

  constructor(options: GatewayOptions) {
    this.#o = {
      maxAttempts: 3, backoff: { baseMs: 250, capMs: 8000 }, timeoutMs: 600_000, maxTimeoutMs: 600_000, attemptTimeoutMs: 30_000, streamIdleMs: 60_000,
      degradedMode: 'error', degradedMessage: DEFAULT_DEGRADED, timeouts: new Timeouts(), observer: {}, attemptTimeouts: NO_OWN_TIMEOUTS,
      ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
    } as Resolved;
  }

  complete(req: Request, route: Route, signal: AbortSignal, options: CallOptions = {}): Promise<Outcome & { response: Response }> {
    return this.run(route, signal, async (cand, provider, attempt) => {
      const response = await provider.complete(cand.model === req.model ? req : { ...req, model: cand.model }, attempt.signal);
      attempt.release();
      return { response };
    }, { ...options, stream: false, degraded: (outcome) => ({ ...outcome, response: collect(this.degradedEvents(route.requested)) }) });
  }

  openStream(req: Request, route: Route, signal: AbortSignal, options: CallOptions = {}): Promise<StreamOpen> {
    return this.run(route, signal, (cand, provider, attempt) => this.firstEvent(provider, cand.model === req.model ? req : { ...req, model: cand.model }, attempt),
      { ...options, stream: true, degraded: (outcome) => this.degradedStream(outcome, route.requested) });
  }

  /** Starts a canonical stream on one attempt and waits for its first event; the idle timeout runs after it. */
  async firstEvent(provider: LLMProvider, r: Request, attempt: Attempt): Promise<Omit<StreamOpen, keyof Outcome>> {
    const it = provider.stream(r, attempt.signal)[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) throw new LlmError('truncated', `${provider.name}: empty stream`, { provider: provider.name });
    attempt.idle(this.#o.streamIdleMs, provider.name);
    let finished = false;
    const rest: AsyncIterator<StreamEvent> = {
      next: async () => {
        const n = await it.next();
        if (n.done) { finished = true; attempt.release(); } else attempt.touch();
        return n;
      },
    };
    // Closing a stream that ended costs nothing; one still running is aborted upstream (an Error is costly: only then).
    const close = () => {
      attempt.release();
      if (finished || attempt.signal.aborted) return;
      finished = true;
      attempt.controller.abort(new LlmError('aborted', 'stream closed'));
      void it.return?.();
    };
    return { first: first.value, rest, close };
  }

  /** The canned answer of degraded mode. */
  degradedResponse(model: string): Response {
    return collect(this.degradedEvents(model));
  }

  /** The canned answer of degraded mode as an open stream. */
  degradedStream(outcome: Outcome, model: string): StreamOpen {
    const events = this.degradedEvents(model);
    let i = 1;
    return { ...outcome, first: events[0], rest: { next: async () => (i < events.length ? { done: false, value: events[i++] } : { done: true, value: undefined }) }, close: () => {} };
  }

  /** A request's deadline from its `x-stainless-timeout` header (resilience/budget.ts), for `CallOptions.deadlineMs`. */
  deadlineFor(stainlessTimeout: string | string[] | undefined): number {
    return requestDeadline(stainlessTimeout, { defaultMs: this.#o.timeoutMs, maxMs: this.#o.maxTimeoutMs });
  }

  /** Longest silence between two stream events once streaming (0: none). */
  get streamIdleMs(): number {
    return this.#o.streamIdleMs;
  }

  degradedEvents(model: string): StreamEvent[] {
    return [
      { type: 'start', id: `degraded-${Date.now().toString(36)}`, model },
      { type: 'text', text: this.#o.degradedMessage },
      { type: 'end', stopReason: 'stop', usage: { inputTokens: 0, outputTokens: 0 } },
    ];
  }

  /**
   * The retry/breaker/fallback loop, for any kind of call: `call` makes one attempt at one candidate (a
   * canonical provider call, or a raw pass-through) on `attempt.signal`, and throws LlmError on failure.
   * A fallback candidate whose call throws `invalid_request` (a request it cannot translate) is skipped.
   */
  async run<T>(route: Route, callerSignal: AbortSignal, call: CandidateCall<T>, options: CallOptions & { degraded?: (outcome: Outcome) => T } = {}): Promise<T & Outcome> {
    const o = this.#o;
    const timeoutMs = options.deadlineMs ?? o.timeoutMs;
    const stream = options.stream ?? false;
    // One controller for the whole call: the caller going away, or the overall deadline.
    const overall = new AbortController();
    const onCaller = () => overall.abort(new LlmError('aborted', 'the caller went away'));
    if (callerSignal.aborted) onCaller(); else callerSignal.addEventListener('abort', onCaller, { once: true });
    const deadline = Date.now() + timeoutMs;
    const deadlineEntry = o.timeouts.add(timeoutMs, overall, () => new LlmError('deadline', `no answer within the ${timeoutMs} ms deadline`));
    let attempts = 0;
    let tried = -1;
    const failures: LlmError[] = [];
    const outcome = (c: Candidate | undefined, i: number, isDegraded = false): Outcome => ({
      provider: c ? c.provider : 'none', model: c ? c.model : route.requested, attempts, fallback: i > 0, degraded: isDegraded,
    });
    const degraded = (): T & Outcome => {
      const out = outcome(undefined, 1, true);
      if (!options.degraded) throw new LlmError('unavailable', 'all providers failed');
      return Object.assign(options.degraded(out) as T & object, out) as T & Outcome;
    };
    try {
      candidates: for (let i = 0; i < route.candidates.length; i++) {
        const cand = route.candidates[i];
        const provider = o.providers.get(cand.provider);
        const breaker = o.breakers.get(cand.provider);
        if (!provider || !breaker) continue;
        tried = i;
        let last: LlmError | undefined;
        for (let n = 1; n <= o.maxAttempts; n++) {
          if (overall.signal.aborted) throw overall.signal.reason;
          if (!breaker.allows) { last = new LlmError('breaker_open', `${cand.provider}: circuit breaker is open`, { provider: cand.provider }); break; }
          attempts++;
          const msLeft = deadline - Date.now();
          const timeout = attemptTimeout(stream, msLeft, o.attemptTimeouts.get(cand.provider) ?? o.attemptTimeoutMs);
          // An attempt cut to what is left of the deadline times out with it: that is the deadline, whichever timer fires first.
          const endsAtDeadline = timeout >= msLeft;
          const attempt = new Attempt(overall.signal, o.timeouts, timeout, cand.provider);
          try {
            const value = await breaker.fire(() => call(cand, provider, attempt, i));
            return Object.assign(value as T & object, outcome(cand, i)) as T & Outcome;
          } catch (err) {
            attempt.release();
            const e = err instanceof LlmError ? err : new LlmError('network', `${cand.provider}: ${String((err as Error)?.message ?? err)}`, { provider: cand.provider });
            if (overall.signal.aborted) throw overall.signal.reason;
            if (e.kind === 'timeout' && endsAtDeadline) throw new LlmError('deadline', `no answer within the ${timeoutMs} ms deadline`);
            if (e.kind === 'invalid_request' && i > 0) {
              // This fallback cannot carry the request (e.g. a field of the other dialect): skip it, keep the earlier failures.
              attempts--;
              o.observer.fallback?.(cand.provider, route.candidates[i + 1]?.provider ?? 'degraded', 'untranslatable');
              continue candidates;
            }
            last = e;
            o.observer.attemptFailed?.(cand.provider, e);
            if (e.kind === 'breaker_open') break;
            if (!e.fallbackable) throw e;
            const wait = nextDelay(e, n, o.maxAttempts, deadline - Date.now(), o.backoff, Math.random, timeout);
            if (wait === undefined) break;
            o.observer.retry?.(cand.provider, e.kind);
            await sleep(wait, overall.signal);
          }
        }
        if (last) failures.push(last.provider ? last : new LlmError(last.kind, last.message, { provider: cand.provider, cause: last }));
        const next = route.candidates[i + 1];
        if (next) o.observer.fallback?.(cand.provider, next.provider, last?.kind ?? 'unknown');
        else if (o.degradedMode === 'message') o.observer.fallback?.(cand.provider, 'degraded', last?.kind ?? 'unknown');
      }
      if (o.degradedMode === 'message' && options.degraded) return degraded();
      throw finalError(failures);
    } catch (err) {
      const e = err instanceof LlmError ? err : new LlmError('network', String((err as Error)?.message ?? err));
      if (e.kind === 'deadline' && o.degradedMode === 'message' && options.degraded) {
        o.observer.fallback?.(route.candidates[Math.max(0, tried)].provider, 'degraded', 'deadline');
        return degraded();
      }
      throw new GatewayError(e, outcome(route.candidates[tried], tried));
  } finally {
      o.timeouts.clear(deadlineEntry);
      callerSignal.removeEventListener('abort', onCaller);
    }
  }
}
