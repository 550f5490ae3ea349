/**
 * A hub reply whose header is nested past the stack: that column of that
 * record becomes the inert <unreadable …> value, listeners hear one StoreError
 * sentence, and the record's other columns are decoded as usual.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRecord } from '../../src/hub/decode.js';
import { Timestamp, Unreadable, isDict, onUnreadable, type Dict, type Value } from '../../src/records/index.js';
import { renderValue } from '../../src/format/index.js';

test('a 100,000-deep header from the hub is unreadable in that record alone', () => {
  let deep: Value = { submitted: '2026-11-02T09:00:00.000000Z' };
  for (let i = 0; i < 100_000; i++) deep = { d: deep };
  const heard: string[] = [];
  const stop = onUnreadable((u) => heard.push(u.sentence()));
  try {
    const rec = decodeRecord({ msg_id: 'm-1', header: deep as Dict, submitted: '2026-11-02T09:00:00.000000Z', stdout: 'hi' }, false);
    assert.ok(rec['header'] instanceof Unreadable);
    assert.ok(!isDict(rec['header']), 'queries do not look inside it');
    assert.ok(rec['submitted'] instanceof Timestamp);
    assert.equal(rec['stdout'], 'hi');
    assert.deepEqual(heard, ['StoreError: the header of record m-1 from the hub is nested too deeply to read; it is shown as <unreadable header>']);
    assert.equal(JSON.stringify(rec['header']), 'null');
    assert.match(renderValue(rec['header'], 'table'), /<unreadable header: is nested too deeply to read>/);
  } finally {
    stop();
  }
});
