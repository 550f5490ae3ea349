import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BSON, BSONRegExp, Binary, DBRef, Decimal128, Double, Int32, Long, ObjectId } from 'mongodb';
import { generateDemoRecords } from '../../src/stores/index.js';
import { CursorBatch, ReadPlan, readDocument } from '../../src/stores/mongodb/bson-read.js';
import { decodeDocument, encodeRecord } from '../../src/stores/mongodb/codec.js';

/** What the store answered before it read raw documents: the driver's objects, then decodeDocument. */
const throughDriver = (bytes: Uint8Array, keys?: readonly string[]) => decodeDocument(BSON.deserialize(bytes, { promoteBuffers: true }), keys);

function same(doc: Record<string, unknown>, keys?: readonly string[]): void {
  const bytes = BSON.serialize(doc);
  const direct = readDocument(bytes, keys);
  assert.deepEqual(direct, throughDriver(bytes, keys));
  assert.deepEqual(Object.keys(direct), Object.keys(throughDriver(bytes, keys)));
}

test('raw documents read directly give the records the driver-decoded documents give, demo records with and without keys', () => {
  for (const r of generateDemoRecords({ count: 300, seed: 9 })) {
    const doc = { _id: new ObjectId(), ...encodeRecord(r) };
    same(doc);
    same(doc, ['msg_id', 'completed', 'buffers', 'header', 'absent']);
  }
});

test('every BSON type a record can hold reads as the driver reads it', () => {
  same({
    _id: new ObjectId(),
    msg_id: 'é-ü-中',
    'ключ': 'x',
    n: new Int32(-7),
    d: new Double(2.5),
    big: Long.fromString('9007199254740993'),
    neg: Long.fromString('-5'),
    t: new Date('2026-11-02T10:00:00.123Z'),
    old: new Date(-1e12),
    far: new Date(8.64e15 + 1),
    ok: true,
    no: false,
    none: null,
    bytes: [new Binary(new Uint8Array([1, 2])), new Binary(new Uint8Array([3]), 4), new Binary(new Uint8Array([5, 6, 7]), 2)],
    nested: { a: [1, { b: [] }], '2': 'two', '1': 'one' },
    oid: new ObjectId('6b017ac2314189a5a47574c1'),
  });
  const proto = BSON.serialize(JSON.parse('{"__proto__": {"x": 1}, "msg_id": "p"}'));
  assert.deepEqual(readDocument(proto), throughDriver(proto));
  assert.equal(Object.getPrototypeOf(readDocument(proto)), Object.prototype);
  assert.ok(!((readDocument(BSON.serialize({ b: [new Binary(new Uint8Array([1]))] }))['b'] as Uint8Array[])[0]!.constructor.name.includes('Buffer')));
});

test('types task records do not use are handed to the driver, so the answer is the same', () => {
  same({ msg_id: 'r', re: new BSONRegExp('a.b', 'i') });
  same({ msg_id: 'c', cost: Decimal128.fromString('1.10') });
  same({ msg_id: 'f', ref: new DBRef('tasks', new ObjectId('6b017ac2314189a5a47574c1')) });
  same({ msg_id: 'k', deep: { list: [{ ts: new BSON.Timestamp({ t: 1, i: 2 }) }] } });
});

test('text that is not UTF-8 is refused with a sentence', () => {
  const bytes = Buffer.from(BSON.serialize({ msg_id: 'abc' }));
  bytes[bytes.indexOf('abc') + 1] = 0xff;
  assert.throws(() => readDocument(bytes), /not valid UTF-8/);
});

test('a document cut off inside a field name is refused with a sentence, not read past its end', () => {
  const bytes = BSON.serialize({ msg_id: 'abc' }).subarray(0, 8);
  assert.throws(() => readDocument(bytes), /ends inside a field name/);
  assert.throws(() => readDocument(bytes, ['msg_id']), /ends inside a field name/);
});

/** Every record of a batch, read one by one as the store reads them. */
const all = (batch: CursorBatch) => {
  const out = [];
  for (let r = batch.read(); r !== undefined; r = batch.read()) out.push(r);
  return out;
};
/** A find reply's `cursor` document, as the store gets it with `raw: true`. */
const cursorDocument = (docs: Record<string, unknown>[], id: Long) => BSON.serialize({ id, ns: 'ipython-tasks.task_records', firstBatch: docs });

test('a whole batch read from the reply gives each document the record the driver-decoded document gives, and the cursor id', () => {
  const docs: Record<string, unknown>[] = generateDemoRecords({ count: 200, seed: 4 }).map((r) => ({ _id: new ObjectId(), ...encodeRecord(r) }));
  docs.splice(50, 0, { msg_id: 'r', re: new BSONRegExp('a.b', 'i') }, { msg_id: 'é', header: { msg_id: 'é', 'ключ': '中' } });
  for (const keys of [['msg_id', 'completed', 'header', 'buffers', 're', 'absent'], ['msg_id']]) {
    const batch = new CursorBatch(cursorDocument(docs, Long.fromString('8070450532247928839')), new ReadPlan(keys));
    assert.equal(batch.id.toString(), '8070450532247928839');
    assert.deepEqual(all(batch), docs.map((d) => throughDriver(BSON.serialize(d), keys)));
  }
  const empty = new CursorBatch(cursorDocument([], Long.ZERO), new ReadPlan(['msg_id']));
  assert.ok(empty.id.isZero());
  assert.deepEqual(all(empty), []);
});

test('texts kept for reuse never stand for other bytes: many distinct short texts in one answer, each read right', () => {
  const docs = Array.from({ length: 6000 }, (_, i) => {
    const id = `m${i.toString(36)}`;
    return { msg_id: id, header: { msg_id: id, session: `s${i % 7}` }, queue: i % 2 ? 'task' : 'mux' };
  });
  assert.deepEqual(all(new CursorBatch(cursorDocument(docs, Long.ZERO), new ReadPlan(['msg_id', 'header', 'queue']))), docs);
});
