/**
 * The part of a table a column read's worker reads (from where it starts
 * to the last rowid when the read began), cut into blocks of rowids that
 * the worker takes from the bottom and the main thread, once its own part
 * is read, from the top: whichever thread is ahead reads more, and neither
 * waits for the other (a fresh worker reads its first rows slower than the
 * main thread, and the two halves of a table need not cost the same). One
 * 32-bit word of shared memory says how many blocks each side has taken,
 * changed by compare-and-exchange, so no block is read twice or missed.
 * Apart from the reader so that its worker thread loads nothing else.
 */

/** The blocks of a worker's part: rowids past `from` up to `top`, `size` rowids a block (the last may be shorter). */
export interface BlockRange {
  readonly from: number;
  readonly top: number;
  readonly size: number;
  readonly count: number;
}

/** At most this many blocks: each side's count fits in 16 bits of the word. */
const MOST_BLOCKS = 0xffff;

/** The blocks of the rowids past `from` up to `top`, at least `least` rowids each (a few milliseconds of reading). */
export function blockRange(from: number, top: number, least: number): BlockRange {
  const span = Math.max(0, top - from);
  const size = Math.max(least, Math.ceil(span / MOST_BLOCKS));
  return { from, top, size, count: Math.ceil(span / size) };
}

/** The blocks taken from each end of a BlockRange, shared by the threads that read it. */
export class Claims {
  private readonly word: Int32Array;

  /** `buffer`: the word another thread made (a new one when not given). */
  constructor(readonly range: BlockRange, buffer: SharedArrayBuffer = new SharedArrayBuffer(4)) {
    this.word = new Int32Array(buffer, 0, 1);
  }

  get buffer(): SharedArrayBuffer {
    return this.word.buffer as SharedArrayBuffer;
  }

  /** Takes up to `n` blocks from the bottom: the rowids (lo, hi] they hold, just above those taken before; null when no block is left. */
  takeLow(n: number): [number, number] | null {
    return this.take(n, false);
  }

  /** Takes up to `n` blocks from the top: the rowids (lo, hi] they hold, just below those taken before; null when no block is left. */
  takeHigh(n: number): [number, number] | null {
    return this.take(n, true);
  }

  private take(n: number, fromTop: boolean): [number, number] | null {
    for (;;) {
      const w = Atomics.load(this.word, 0);
      const lo = w & 0xffff;
      const hi = w >>> 16;
      const take = Math.min(n, this.range.count - lo - hi);
      if (take <= 0) return null;
      const next = fromTop ? lo | ((hi + take) << 16) : (lo + take) | (hi << 16);
      // another thread took blocks since the word was read: read it again
      if (Atomics.compareExchange(this.word, 0, w, next) !== w) continue;
      if (!fromTop) return [this.at(lo), this.at(lo + take)];
      const end = this.range.count - hi;
      return [this.at(end - take), this.at(end)];
    }
  }

  /** Where the blocks taken from the top begin (the range's top when none is). */
  highStart(): number {
    return this.at(this.range.count - (Atomics.load(this.word, 0) >>> 16));
  }

  /** The rowid block `b` starts past. */
  private at(b: number): number {
    return Math.min(this.range.top, this.range.from + b * this.range.size);
  }
}
