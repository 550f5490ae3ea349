import { functionKey } from '../../analytics/index.js';
import { knownFunctionName, knownFunctionNameAt } from '../../payload/index.js';
import { EMPTY_DICT_TEXT } from '../../records/index.js';

/**
 * A column read's function names, most without a record: a row of an
 * apply request (its execute_input None, its content the text `{}`) is
 * named from its buffers alone when the name of that function's pickle is
 * known, the pickle repeating across a function's tasks. That is the name
 * its record gives: taskCode is None for it, and functionNameOf looks the
 * same bytes up first (task-call.ts, knownName); reading its record
 * decodes nothing (its header is None, its content and buffers left as
 * stored, a msg_id taken as it is), so it says nothing either. Any other
 * row is named from its record.
 */

/** Where a read's row has the columns an apply request is told by. */
export interface CallAt {
  readonly buffers: number;
  readonly content: number;
  readonly executeInput: number;
}

/** The function key of an apply request's row whose pickle's name is known; undefined for any other row. */
export function knownCallKey(row: readonly unknown[], at: CallAt): string | null | undefined {
  if (row[at.executeInput] !== null || row[at.content] !== EMPTY_DICT_TEXT) return undefined;
  return knownBytesKey(row[at.buffers]);
}

/**
 * The function key of an apply request (a packed row's flag says so, read
 * by the same test in SQL: packed-rows.ts) from its buffers as stored, when
 * its pickle's name is known; undefined when not.
 */
export function knownBytesKey(raw: unknown): string | null | undefined {
  if (!(raw instanceof Uint8Array)) return undefined;
  const name = knownFunctionName(raw);
  return name === undefined ? undefined : functionKey(name);
}

/**
 * knownBytesKey of a packed row's buffers as a slice holds them (blob-slices.ts,
 * PackedSlice): `length` bytes at `start` of `bytes`, -1 where the column
 * holds None or other than bytes (undefined: knownBytesKey's answer to both).
 */
export function knownBytesKeyAt(bytes: Uint8Array, start: number, length: number): string | null | undefined {
  if (length < 0) return undefined;
  const name = knownFunctionNameAt(bytes, start, start + length);
  return name === undefined ? undefined : functionKey(name);
}
