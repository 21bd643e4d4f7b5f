import { LRUCache } from 'lru-cache';
import type { Obj } from './check.ts';

/**
 * The output items of the Responses answers the proxy translated (messages, function calls), kept for a while by
 * id so that a later request may name them with `item_reference` — the Vercel AI SDK does, for the assistant text
 * of earlier turns, unless told `store: false`. Only the proxy's own items are here: their ids cannot collide with
 * OpenAI's, and a reference to anything else is refused (responses-request.ts). Bounded by count and by size; an
 * item evicted is refused like an unknown one. Per process: a sidecar's callers are its own pod's.
 */
export class ResponsesItemStore {
  readonly #items: LRUCache<string, Obj>;

  constructor(options: { maxItems?: number; maxBytes?: number } = {}) {
    this.#items = new LRUCache<string, Obj>({
      max: options.maxItems ?? 10_000,
      maxSize: options.maxBytes ?? 32 * 1024 * 1024,
      sizeCalculation: (item) => Math.max(1, JSON.stringify(item).length),
    });
  }

  /** Keeps the output items of an answer. */
  remember(output: unknown): void {
    if (!Array.isArray(output)) return;
    for (const item of output as Obj[]) if (typeof item?.id === 'string') this.#items.set(item.id, item);
  }

  find(id: string): Obj | undefined {
    return this.#items.get(id);
  }
}
