/**
 * The points of a scaling curve: every one in a full run; with `CURVE_POINTS=sparse` (`npm run bench -- --quick`)
 * the first, the middle and the last only, so the quick run keeps each curve's shape and range in a third of the time.
 */
export function curvePoints<T>(all: readonly T[]): T[] {
  if (process.env.CURVE_POINTS !== 'sparse' || all.length <= 3) return [...all];
  return [all[0], all[Math.floor(all.length / 2)], all[all.length - 1]];
}
