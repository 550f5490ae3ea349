/**
 * Values kept by the bytes of some frames of a request, found by their
 * lengths and then compared byte for byte (no text is made of the bytes:
 * comparing is a memcmp, where a text key cost a string of each pickle).
 * A client submits the same function many times, so what is decoded from
 * its frames (its name, the function itself) is decoded once per distinct
 * function. At most `size` entries; then it starts afresh.
 */
export class FramesByBytes<T> {
  private readonly byLengths = new Map<string, { frames: Buffer[]; value: T }[]>();
  /** The entries of one frame, by its length (getSpan's: no key text a lookup). */
  private readonly oneFrame = new Map<number, { frames: Buffer[]; value: T }[]>();
  private size = 0;

  constructor(private readonly limit: number) {}

  /** The lengths key of frames, or null when they are too large to keep. */
  key(frames: readonly Uint8Array[]): string | null {
    let key = '';
    let total = 0;
    for (const f of frames) {
      total += f.length;
      key += `${f.length},`;
    }
    return total > 4096 ? null : key;
  }

  get(key: string | null, frames: readonly Uint8Array[]): T | undefined {
    if (key === null) return undefined;
    const list = this.byLengths.get(key);
    if (!list) return undefined;
    for (const e of list) if (sameFrames(e.frames, frames)) return e.value;
    return undefined;
  }

  /** The value kept for the one frame `data[start, start + length)`, found without a view of it. */
  getSpan(data: Uint8Array, start: number, length: number): T | undefined {
    if (length > 4096) return undefined;
    const list = this.oneFrame.get(length);
    if (!list) return undefined;
    for (const e of list) if (e.frames[0]!.compare(data, start, start + length) === 0) return e.value;
    return undefined;
  }

  set(key: string | null, frames: readonly Uint8Array[], value: T): void {
    if (key === null) return;
    if (this.size >= this.limit) {
      this.byLengths.clear();
      this.oneFrame.clear();
      this.size = 0;
    }
    let list = this.byLengths.get(key);
    if (!list) this.byLengths.set(key, (list = []));
    // copies: the cache outlives the record's buffers
    const entry = { frames: frames.map((f) => Buffer.from(f)), value };
    list.push(entry);
    if (frames.length === 1) {
      let one = this.oneFrame.get(frames[0]!.length);
      if (!one) this.oneFrame.set(frames[0]!.length, (one = []));
      one.push(entry);
    }
    this.size++;
  }
}

function sameFrames(kept: readonly Buffer[], frames: readonly Uint8Array[]): boolean {
  for (let i = 0; i < kept.length; i++) {
    const f = frames[i]!;
    if (!kept[i]!.equals(f)) return false;
  }
  return true;
}
