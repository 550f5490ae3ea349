import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { jsonText, toPlainJSON } from '../../src/format/json.js';
import { TimeDelta, Timestamp } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';

/** The form toISOString has always had: the Date's seconds, then six digits of microseconds. */
function referenceISO(t: Timestamp): string {
  const frac = ((t.us % 1_000_000) + 1_000_000) % 1_000_000;
  return new Date(Math.floor(t.us / 1000)).toISOString().slice(0, 19) + '.' + String(frac).padStart(6, '0') + 'Z';
}

test('Timestamp.toISOString is the Date-based text for every instant, in and out of years 1000 to 9999', () => {
  const edges = [0, -1, 1, 999_999, -1_000_000, 253402300799999999, 253402300800000000, -30610224000000000, -30610224000000001, 951782400000000, 4107542399999999];
  for (const us of edges) assert.equal(new Timestamp(us).toISOString(), referenceISO(new Timestamp(us)), String(us));
  fc.assert(fc.property(fc.integer({ min: -62135596800, max: 253402300799 }), fc.integer({ min: 0, max: 999_999 }), (s, f) => {
    const t = new Timestamp(s * 1e6 + f);
    return t.toISOString() === referenceISO(t);
  }), { numRuns: 20_000 });
});

const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.constant(null), fc.constant(undefined), fc.boolean(), fc.double(), fc.integer(), fc.string(), fc.string({ unit: 'binary' }),
    fc.integer({ min: -1e15, max: 4e15 }).map((us) => new Timestamp(us)),
    fc.integer({ min: -1e12, max: 1e12 }).map((us) => new TimeDelta(us)),
    fc.uint8Array({ maxLength: 8 }),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('msg_id', '0', '12', 'a"b', 'é', '__proto__', 'constructor', 'toString')), tie('node'), { maxKeys: 4 })),
})).node;

test('jsonText writes exactly what JSON.stringify writes of the plain copy', () => {
  const plain = (v: unknown) => JSON.stringify(toPlainJSON(v)) as string | undefined;
  fc.assert(fc.property(value, (v) => jsonText(v) === plain(v) || (plain(v) === undefined && jsonText(v) === 'null')), { numRuns: 5_000 });
  for (const r of generateDemoRecords({ count: 300 })) assert.equal(jsonText(r), plain(r));
});

test('a dict key named __proto__ is an ordinary key in every copy, store and output', async () => {
  const { DictDB } = await import('../../src/stores/dictdb.js');
  const { copyValue, extractDates } = await import('../../src/records/index.js');
  const header = extractDates(JSON.parse('{"__proto__": {"polluted": 1}, "msg_type": "apply_request"}'));
  const want = '{"__proto__":{"polluted":1},"msg_type":"apply_request"}';
  assert.equal(Object.getPrototypeOf(header), Object.prototype);
  assert.equal(jsonText(header), want);
  assert.equal(JSON.stringify(toPlainJSON(header)), want);
  assert.equal(jsonText(copyValue(header)), want);
  const db = new DictDB();
  await db.addRecord('m1', { msg_id: 'm1', header });
  const found = [];
  for await (const r of db.findRecords({ 'header.__proto__.polluted': 1 }, ['header'])) found.push(r);
  assert.equal(found.length, 1, 'the dotted path through __proto__ reaches the stored key');
  assert.equal(jsonText(found[0]!.header), want);
  assert.equal(jsonText((await db.getRecord('m1')).header), want);
  assert.equal(({} as { polluted?: number }).polluted, undefined);
});
