import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BSON, Binary, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { Timestamp } from '../../src/records/index.js';
import { decodeDocument, encodeRecord, precisionLoss } from '../../src/stores/mongodb/codec.js';

test('a stored document decodes into an ipc record: dates to instants, Binary to bytes, no _id', () => {
  const doc = {
    _id: new ObjectId('6b017ac2314189a5a47574c1'),
    msg_id: 'm',
    submitted: new Date('2026-11-02T10:00:00.123Z'),
    buffers: [new Binary(new Uint8Array([1, 2])), new Binary(new Uint8Array([3]), 4)],
    metadata: { retries: new Int32(2), timeout: new Double(1.5), big: Long.fromString('9007199254740993'), cost: Decimal128.fromString('1.10'), by: new ObjectId('6b017ac2314189a5a47574c1') },
    header: { date: new Date('2026-11-02T10:00:00.5Z'), after: [] },
    completed: null,
    far: new Date(8.64e15 + 1),
  };
  const rec = decodeDocument(doc);
  assert.deepEqual(rec, {
    msg_id: 'm',
    submitted: Timestamp.parse('2026-11-02T10:00:00.123Z'),
    buffers: [new Uint8Array([1, 2]), new Uint8Array([3])],
    metadata: { retries: 2, timeout: 1.5, big: 9007199254740992, cost: '1.10', by: '6b017ac2314189a5a47574c1' },
    header: { date: Timestamp.parse('2026-11-02T10:00:00.5Z'), after: [] },
    completed: null,
    far: null,
  });
  assert.ok(!(rec['buffers'] as Uint8Array[])[0]!.constructor.name.includes('Buffer'));
});

test('a record encodes as pymongo writes it, and BSON round-trips it to the millisecond', () => {
  const t = Timestamp.parse('2026-11-02T10:00:00.123456Z')!;
  const rec = { msg_id: 'm', submitted: t, buffers: [new Uint8Array([9])], header: { date: t, msg_type: 'apply_request' }, error: null };
  const doc = encodeRecord(rec);
  assert.ok(doc['submitted'] instanceof Date);
  assert.ok((doc['buffers'] as unknown[])[0] instanceof Binary);
  const back = decodeDocument(BSON.deserialize(BSON.serialize(doc), { promoteBuffers: true }));
  const ms = Timestamp.parse('2026-11-02T10:00:00.123Z');
  assert.deepEqual(back, { ...rec, submitted: ms, header: { date: ms, msg_type: 'apply_request' } });
  assert.deepEqual(precisionLoss(rec), ['submitted', 'header.date']);
  assert.deepEqual(precisionLoss(back), []);
});
