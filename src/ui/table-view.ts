import { RecordList, sortedOrder, type RecordSort } from '../records/index.js';
import type { Rows } from './table-columns.js';

/**
 * What the table viewer changes of an answer's look without changing the
 * answer (Out[n] stays as it was): the rows' order, which rows show, which
 * columns in which order. Each is a view over the rows beneath it.
 */

/** Rows of another list picked by position (a sort's order, a filter's matches). */
export class IndexedRows implements Rows {
  constructor(
    readonly base: Rows,
    readonly index: Uint32Array,
  ) {}

  get length(): number {
    return this.index.length;
  }

  at(i: number): ReturnType<Rows['at']> {
    const k = this.index[i];
    return k === undefined ? undefined : this.base.at(k);
  }

  /** Where row i of this view is in the list beneath it. */
  baseIndex(i: number): number {
    return this.index[i] ?? -1;
  }
}

/**
 * The rows sorted: an answer kept in the store is sorted there (SQL) and
 * stays paged; rows in memory are sorted here. Ties keep their order.
 */
export function sortRows(rows: Rows, sort: RecordSort): Rows {
  if (rows instanceof RecordList) {
    const inStore = rows.sortedInStore(sort);
    if (inStore) return inStore;
  }
  return new IndexedRows(rows, sortedOrder(rows.length, (i) => rows.at(i)!, sort));
}

/** Where row i of a view is in `answer`, or -1 when a store's sort made the view (it does not say). */
export function answerIndex(rows: Rows, i: number, answer: Rows): number {
  let k = i;
  let r: Rows = rows;
  while (r instanceof IndexedRows && r !== answer) {
    k = r.baseIndex(k);
    r = r.base;
  }
  return r === answer ? k : -1;
}
