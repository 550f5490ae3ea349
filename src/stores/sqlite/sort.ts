/**
 * Sorting a large answer without holding the event loop: runs of the index
 * are sorted, then merged pairwise, and every few milliseconds of that work
 * the loop turns once, so that Ctrl-C is seen while a million rows sort.
 */
import { LoopTurns } from '../../errors.js';

/** Indices per run sorted at once (each a few milliseconds). */
const RUN = 1 << 14;
/** Merged elements between two looks at the clock. */
const STEP = 1 << 12;
/** The longest the sort works before the event loop turns. */
const TURN_MS = 8;

/** Sorts `index` in place by `compare`, turning the event loop as it goes; `signal` (Ctrl-C) stops it there, raising Interrupted. */
export async function sortInSlices(index: Uint32Array, compare: (a: number, b: number) => number, signal?: AbortSignal): Promise<void> {
  const n = index.length;
  const turns = new LoopTurns(signal, TURN_MS);
  const turn = async () => {
    if (turns.due()) await turns.turn();
  };
  for (let start = 0; start < n; start += RUN) {
    index.subarray(start, Math.min(n, start + RUN)).sort(compare);
    await turn();
  }
  let from: Uint32Array = index;
  let to: Uint32Array = new Uint32Array(n);
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(n, lo + width);
      const hi = Math.min(n, lo + 2 * width);
      let i = lo;
      let j = mid;
      let k = lo;
      while (k < hi) {
        const stop = Math.min(hi, k + STEP);
        for (; k < stop; k++) to[k] = j >= hi || (i < mid && compare(from[i]!, from[j]!) <= 0) ? from[i++]! : from[j++]!;
        await turn();
      }
    }
    [from, to] = [to, from];
  }
  if (from !== index) index.set(from);
}
