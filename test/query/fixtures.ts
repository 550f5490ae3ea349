/**
 * A handful of TaskRecords covering every kind of value a record holds:
 * text, datetimes, None and missing keys, dicts with nested lists and
 * numbers, non-ASCII text. Shared by the query tests.
 */
import assert from 'node:assert/strict';
import { IpcError } from '../../src/errors.js';
import { compileQuery, matches } from '../../src/query/index.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';

export const T = (iso: string): Timestamp => Timestamp.parse(iso)!;

export const T1 = T('2026-03-01T10:00:00.000001Z');
export const T2 = T('2026-03-01T10:00:00.500000Z');
export const T3 = T('2026-03-01T11:00:00Z');
export const T4 = T('2026-03-01T12:30:00.250000Z');

export const RECORDS: TaskRecord[] = [
  {
    msg_id: 'a',
    submitted: T1,
    started: T1.plus(1000),
    completed: T2,
    client_uuid: 'c1',
    engine_uuid: 'e1',
    queue: 'task',
    header: { msg_type: 'apply_request', session: 'c1', date: T1 },
    metadata: { targets: [0, 1], retries: 2, after: [], label: 'fit' },
    result_content: { status: 'ok', execution_count: 3 },
    stdout: 'step 1: loaded 1000 rows\n',
    stderr: '',
    error: null,
    label: 'fit',
    buffers: [new Uint8Array([1, 2, 3])],
  },
  {
    msg_id: 'b',
    submitted: T3,
    started: T3.plus(5),
    completed: null,
    client_uuid: 'c2',
    engine_uuid: 'e2',
    queue: 'mux',
    header: { msg_type: 'execute_request', session: 'c2', date: T3 },
    metadata: { targets: [2], retries: 0, after: ['a'] },
    result_content: null,
    stdout: 'température moyenne: 21.5 °C\n',
    stderr: 'UserWarning: careful\n',
    error: { ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: ['\u001b[0;31m---\u001b[0m', 'ZeroDivisionError: division by zero'] },
    label: null,
  },
  {
    // never submitted: most keys missing altogether
    msg_id: 'c',
    submitted: null,
    queue: 'task',
  },
  {
    msg_id: 'd',
    submitted: T2,
    started: T2.plus(1),
    completed: T4,
    client_uuid: 'c1',
    engine_uuid: null,
    queue: 'task',
    header: { msg_type: 'apply_request', session: 'c1', date: T2 },
    metadata: { targets: [], retries: 1, after: [] },
    result_content: { status: 'error', execution_count: 4 },
    stdout: '進捗: 50% 完了 ✓\n',
    stderr: '',
    error: { ename: 'KeyError', evalue: "'température'", traceback: [] },
    label: 'étape-2',
  },
];

/** The msg_ids of the fixture records a query matches, in fixture order. */
export function ids(query: unknown, records: readonly TaskRecord[] = RECORDS): string[] {
  const q = compileQuery(query);
  return records.filter((r) => matches(q, r)).map((r) => r['msg_id'] as string);
}

/** Asserts that compiling `query` fails with an IpcError of `kind` whose sentence matches `pattern`. */
export function assertQueryError(query: unknown, pattern: RegExp, kind = 'QueryError'): IpcError {
  let caught: unknown;
  try {
    compileQuery(query);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof IpcError, `expected an IpcError for ${JSON.stringify(query)}, got ${String(caught)}`);
  assert.equal(caught.kind, kind);
  assert.match(caught.message, pattern);
  assert.ok(!caught.message.includes('\n'), 'the error is one sentence on one line');
  return caught;
}
