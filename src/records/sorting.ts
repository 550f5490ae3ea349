import type { RecordSort, SortKey } from './answers.js';
import { taskStatus } from './task-state.js';
import { Timestamp } from './timestamp.js';
import { compareStrings, type TaskRecord } from './task-record.js';

/**
 * A record's place in a viewer's sort, for answers held in memory: the same
 * order SQLite gives a paged answer (numbers before text, None last).
 */
export type SortValue = number | string | null;

export function sortValue(rec: TaskRecord, by: SortKey): SortValue {
  switch (by.kind) {
    case 'key':
      return plain(rec[by.key]);
    case 'span': {
      const a = rec[by.from];
      const b = rec[by.to];
      return a instanceof Timestamp && b instanceof Timestamp ? b.us - a.us : null;
    }
    case 'engine': {
      const uuid = rec['engine_uuid'];
      if (typeof uuid !== 'string') return null;
      return by.ids.get(uuid) ?? uuid;
    }
    case 'status':
      return taskStatus(rec);
  }
}

function plain(v: unknown): SortValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Timestamp) return v.us;
  if (v instanceof Uint8Array) return null;
  return JSON.stringify(v) ?? null;
}

/** Ascending order of two sort values; None after everything (the caller keeps it last when descending too). */
export function compareSortValues(a: SortValue, b: SortValue): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  if (typeof a === 'number') return typeof b === 'number' ? a - b : -1;
  if (typeof b === 'number') return 1;
  return compareStrings(a, b);
}

/** The positions 0..n-1 of records in sorted order; ties keep their order, None stays last. */
export function sortedOrder(n: number, at: (i: number) => TaskRecord, sort: RecordSort): Uint32Array {
  const values: SortValue[] = new Array<SortValue>(n);
  for (let i = 0; i < n; i++) values[i] = sortValue(at(i), sort.by);
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  const sign = sort.descending ? -1 : 1;
  order.sort((i, j) => {
    const a = values[i]!;
    const b = values[j]!;
    if (a === null || b === null) return a === b ? i - j : a === null ? 1 : -1;
    return sign * compareSortValues(a, b) || i - j;
  });
  return order;
}
