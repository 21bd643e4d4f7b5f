/** The job fields lag needs (a BullMQ `Job` has them). */
export interface JobTiming {
  timestamp: number;
  opts?: { delay?: number };
  attemptsMade?: number;
  attemptsStarted?: number;
}

/**
 * When a job first became ready: `timestamp + opts.delay`. Not `job.delay`,
 * which BullMQ resets to 0 when it promotes a delayed job.
 */
export function readyTime(job: JobTiming): number {
  const delay = Number(job.opts?.delay ?? 0);
  return job.timestamp + (Number.isFinite(delay) && delay > 0 ? delay : 0);
}

/** `now − ready time` in seconds, clamped at 0 (producer and worker clocks differ). */
export function lagSeconds(job: JobTiming, now: number): number {
  return Math.max(0, now - readyTime(job)) / 1000;
}

/**
 * The first attempt: no failed attempt yet, and started at most once (a
 * re-run after a stall has `attemptsStarted > 1`). Only first attempts feed
 * the lag histogram; retries are counted apart.
 */
export function isFirstAttempt(job: JobTiming): boolean {
  return (job.attemptsMade ?? 0) === 0 && (job.attemptsStarted ?? 1) <= 1;
}
