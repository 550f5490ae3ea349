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
