/**
 * Pure ordering of the upstreams that serve one model: the first is the one to call, the others follow as
 * fallbacks. `u` are uniform random numbers in [0, 1) (Math.random in production, seeded in tests).
 */
export interface Choice {
  name: string;
  /** Relative share of traffic (`weight`, default 1). */
  weight: number;
  /** Whether its breaker lets a call through now: an open one goes last, where the gateway skips it. */
  allows: boolean;
  /** Observed latency (EWMA, ms); undefined before its first answer. */
  latencyMs?: number;
}

/** One upstream picked with probability proportional to its weight; `u` in [0, 1). */
export function weightedPick(choices: readonly Choice[], u: number): Choice {
  const total = choices.reduce((s, c) => s + c.weight, 0);
  let x = u * total;
  for (const c of choices) {
    x -= c.weight;
    if (x < 0) return c;
  }
  return choices[choices.length - 1];
}

/** `routing: weighted`: a weighted random first choice among the callable ones, then the rest by weight, open breakers last. */
export function orderByWeight(choices: readonly Choice[], u: number): string[] {
  const open = choices.filter((c) => c.allows);
  if (open.length === 0) return choices.map((c) => c.name);
  const first = weightedPick(open, u);
  const rest = open.filter((c) => c !== first).sort((a, b) => b.weight - a.weight);
  return [first, ...rest, ...choices.filter((c) => !c.allows)].map((c) => c.name);
}

/**
 * `routing: latency`: an upstream never measured first (so each gets its first sample); otherwise, with
 * probability `explore`, a weighted random one (a recovered or improved upstream is measured again rather than
 * judged forever by its old average); otherwise the lowest average. The rest follow by average.
 */
export function orderByLatency(choices: readonly Choice[], explore: number, u1: number, u2: number): string[] {
  const open = choices.filter((c) => c.allows);
  if (open.length === 0) return choices.map((c) => c.name);
  const byLatency = [...open].sort((a, b) => (a.latencyMs ?? -1) - (b.latencyMs ?? -1));
  const unmeasured = byLatency.find((c) => c.latencyMs === undefined);
  const first = unmeasured ?? (u1 < explore ? weightedPick(open, u2) : byLatency[0]);
  return [first, ...byLatency.filter((c) => c !== first), ...choices.filter((c) => !c.allows)].map((c) => c.name);
}
