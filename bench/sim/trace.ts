import { poisson, seededRandom } from './rng.ts';

export interface TraceOptions {
  seed: number;
  /** Default 6 h. */
  durationSeconds?: number;
  /** Baseline arrival rate range, jobs/s, following a slow wave. Default 0.5–5. */
  baseMin?: number;
  baseMax?: number;
  /** Bursts over the run. Default 10. */
  bursts?: number;
  /** Peak burst rate range, jobs/s. Default 12–36. */
  burstPeakMin?: number;
  burstPeakMax?: number;
  /** Idle windows (no arrivals), each 20–40 min. Default 2. */
  idleWindows?: number;
}

/** Arrivals per second: a slow baseline wave, ramped bursts, and idle windows where the queue empties. */
export interface Trace { arrivals: Uint16Array; rate: Float64Array }

export function burstyTrace(o: TraceOptions): Trace {
  const rand = seededRandom(o.seed);
  const n = o.durationSeconds ?? 6 * 3600;
  const baseMin = o.baseMin ?? 0.5;
  const baseMax = o.baseMax ?? 5;
  const rate = new Float64Array(n);
  const phase = rand() * 2 * Math.PI;
  for (let t = 0; t < n; t++) rate[t] = baseMin + (baseMax - baseMin) * (0.5 + 0.5 * Math.sin(phase + (2 * Math.PI * t) / (3 * 3600)));
  for (let b = 0; b < (o.bursts ?? 10); b++) {
    const start = Math.floor(rand() * (n - 900));
    const peak = (o.burstPeakMin ?? 12) + rand() * ((o.burstPeakMax ?? 36) - (o.burstPeakMin ?? 12));
    const rampUp = 60 + Math.floor(rand() * 120);
    const hold = 120 + Math.floor(rand() * 360);
    const rampDown = 60;
    for (let i = 0; i < rampUp + hold + rampDown && start + i < n; i++) {
      const f = i < rampUp ? i / rampUp : i < rampUp + hold ? 1 : 1 - (i - rampUp - hold) / rampDown;
      rate[start + i] += peak * f;
    }
  }
  for (let w = 0; w < (o.idleWindows ?? 2); w++) {
    const start = Math.floor(rand() * (n - 2400));
    const len = 1200 + Math.floor(rand() * 1200);
    for (let i = 0; i < len; i++) rate[start + i] = 0;
  }
  const arrivals = new Uint16Array(n);
  for (let t = 0; t < n; t++) arrivals[t] = poisson(rand, rate[t]);
  return { arrivals, rate };
}
