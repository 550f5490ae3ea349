/**
 * The texts a column worker sends once each (engine uuids, function names):
 * a text's index among every text sent so far, a text not sent before
 * added to the slice's list of new ones, which the main thread appends to
 * its own in the same order.
 */
export class SentTexts {
  private readonly index = new Map<string, number>();

  /** The index of `text`; when new, it is pushed onto `fresh`. */
  indexOf(text: string, fresh: string[]): number {
    let i = this.index.get(text);
    if (i === undefined) {
      i = this.index.size;
      this.index.set(text, i);
      fresh.push(text);
    }
    return i;
  }
}

/** The most texts a RegionIndex keeps: past them a text is cut out and looked up as any other. */
const MOST_REGIONS = 1024;

/**
 * Numbers of texts found as parts of a larger text (a packed row's engine
 * uuid in its slice's text: packed-rows.ts), without cutting each out: a
 * text seen before is found by its length and end characters and compared
 * in place; one not seen is cut out (a copy of its own, so that the slice's
 * text is not kept) and given its number by `miss`.
 */
export class RegionIndex {
  private readonly byKey = new Map<number, { readonly text: string; readonly value: number }[]>();
  private size = 0;

  constructor(private readonly miss: (text: string) => number) {}

  /** The number of `text[start, end)`. */
  get(text: string, start: number, end: number): number {
    const n = end - start;
    const key = n === 0 ? 0 : n * 0x10000 + ((text.charCodeAt(start) * 31 + text.charCodeAt(end - 1)) & 0xffff);
    let list = this.byKey.get(key);
    if (list) for (const e of list) if (e.text.length === n && text.startsWith(e.text, start)) return e.value;
    const own = ownText(text.slice(start, end));
    const value = this.miss(own);
    if (this.size < MOST_REGIONS) {
      if (!list) this.byKey.set(key, (list = []));
      list.push({ text: own, value });
      this.size++;
    }
    return value;
  }
}

/** A text of its own, not a view of a larger one (which it would keep). */
function ownText(t: string): string {
  return t.length < 13 ? t : Buffer.from(t, 'utf16le').toString('utf16le');
}
