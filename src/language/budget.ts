import { getHeapStatistics } from 'node:v8';
import { memoryError as outOfMemory, type IpcError } from '../errors.js';

/**
 * The memory one statement may build. V8 does not fail an allocation
 * gracefully: past its heap limit the process dies. So every operation that
 * builds a value from a size the user chose (repeat, concatenation,
 * comprehension, range, join, big ints) charges its estimated size here first,
 * and a statement that would build too much gets a MemoryError instead; the
 * session goes on.
 */
const HEAP_LIMIT = getHeapStatistics().heap_size_limit;

/** A statement may build at most this share of the heap limit. */
const STATEMENT_SHARE = 0.25;
/** Whatever is charged, the heap as a whole stays below this share of its limit. */
const HEAP_SHARE = 0.7;
/** Charges below this size are only added up; larger ones also look at the heap itself. */
const LOOK_AT_HEAP = 1 << 20;

/** V8's longest string (2^29 - 24 characters on 64-bit builds). */
export const MAX_STRING_LENGTH = 2 ** 29 - 24;

let limit = Math.floor(HEAP_LIMIT * STATEMENT_SHARE);
let charged = 0;
let sinceHeapLook = 0;

/** Starts a statement's account. */
export function resetBudget(): void {
  charged = 0;
  sinceHeapLook = 0;
}

/** The bytes a statement may build (tests lower it). */
export function setStatementBudget(bytes: number | null): void {
  limit = bytes ?? Math.floor(HEAP_LIMIT * STATEMENT_SHARE);
}

export function memoryError(what: string): IpcError {
  return outOfMemory(`${what} would take more memory than the shell allows one statement; build it in smaller pieces or filter in the query`);
}

/** Charges `bytes` for building `what`; raises MemoryError past the budget. */
export function charge(bytes: number, what: string): void {
  if (!(bytes >= 0)) return;
  charged += bytes;
  sinceHeapLook += bytes;
  if (charged > limit) throw memoryError(what);
  if (bytes >= LOOK_AT_HEAP || sinceHeapLook >= LOOK_AT_HEAP) {
    sinceHeapLook = 0;
    if (getHeapStatistics().used_heap_size + bytes > HEAP_LIMIT * HEAP_SHARE) throw memoryError(what);
  }
}

/** Charges a list of `items` items: a pointer each, and `each` bytes more for what every item is (a tuple, a string). */
export function chargeItems(items: number, what = 'a list', each = 0): void {
  charge(items * (8 + each), what);
}

/** Charges a string of `length` characters, which V8 also caps by length. */
export function chargeString(length: number, what = 'a string'): void {
  if (length > MAX_STRING_LENGTH) throw memoryError(what);
  charge(length * 2, what);
}
