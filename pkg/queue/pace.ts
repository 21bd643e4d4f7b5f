/**
 * Pacing for load generation (pure): when the i-th job is due so that `count`
 * jobs go out at `ratePerSec`, in batches of `batch` (one addBulk each).
 */
export function batchSchedule(count: number, ratePerSec: number, batch: number): Array<{ at: number; size: number }> {
  if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError('batch must be a positive integer');
  if (!(ratePerSec >= 0) || !Number.isFinite(ratePerSec)) throw new RangeError('rate must be a finite number >= 0');
  const out: Array<{ at: number; size: number }> = [];
  for (let sent = 0; sent < count; sent += batch) {
    // rate 0: as fast as Redis takes them.
    out.push({ at: ratePerSec === 0 ? 0 : (sent / ratePerSec) * 1000, size: Math.min(batch, count - sent) });
  }
  return out;
}
