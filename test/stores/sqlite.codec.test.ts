import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Timestamp, Unreadable, type Value } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { decodeColumn, decodeTimestamp, pythonJSON } from '../../src/stores/sqlite/codec.js';
import { jsonText } from '../../src/format/index.js';
import { havePython, runPython } from '../support/python.js';

const where = () => 'a test record';

test('stored timestamp text of every form decodes to the instant Timestamp.parse gives', () => {
  const instant = fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2100, 0, 1) }).chain((ms) =>
    fc.tuple(fc.constant(ms), fc.integer({ min: 0, max: 999 }), fc.boolean()),
  );
  fc.assert(
    fc.property(instant, ([ms, micros, whole]) => {
      const t = new Timestamp(ms * 1000 + (whole ? -(ms % 1000) * 1000 : micros));
      for (const text of [t.toPythonIsoformat(), t.toISOString(), t.toPythonIsoformat().replace('+00:00', 'Z'), t.toLocalString(6), t.toLocalString(6).replace(' ', 'T')]) {
        assert.equal(decodeTimestamp(text)?.us, Timestamp.parse(text)?.us, text);
      }
    }),
    { numRuns: 500 },
  );
  for (const bad of ['2023-02-29T00:00:00Z', '2026-13-01T00:00:00+00:00', '2026-01-01T24:00:01Z', '2026-01-01T00:00:00.12345x+00:00']) {
    assert.equal(decodeTimestamp(bad)?.us, Timestamp.parse(bad)?.us, bad);
  }
});

test('dict text decodes with its dates; error text decodes to a dict; NaN is read', () => {
  const header = decodeColumn('header', '{"msg_id": "a", "date": "2026-11-21T11:04:59.320231Z", "n": [1, "2026-11-21T11:04:59Z"]}', where);
  assert.deepEqual(header, { msg_id: 'a', date: Timestamp.parse('2026-11-21T11:04:59.320231Z')!, n: [1, Timestamp.parse('2026-11-21T11:04:59Z')!] });
  assert.deepEqual(decodeColumn('error', '{"ename": "ValueError"}', where), { ename: 'ValueError' });
  assert.equal(decodeColumn('execute_input', '{"not": "decoded"}', where), '{"not": "decoded"}');
  assert.deepEqual(decodeColumn('result_content', '{"value": NaN}', where), { value: NaN });
  const broken = decodeColumn('header', '{broken', where);
  assert.ok(broken instanceof Unreadable, 'one bad column is a marker, not a failed answer');
  assert.equal(broken.sentence(), 'StoreError: the header of a test record holds text that is not JSON where ipyparallel writes a JSON dict; it is shown as <unreadable header>');
  const blob = decodeColumn('result_content', Buffer.from([0xff, 0x00, 0x01]), where);
  assert.ok(blob instanceof Unreadable);
  assert.match(blob.pyRepr(), /^<unreadable result_content: holds a blob that is not JSON/);
});

test("pythonJSON writes what Python's json.dumps(default=json_default) writes", { skip: !havePython() }, async () => {
  const records = generateDemoRecords({ count: 30, seed: 11 });
  const values: Value[] = records.flatMap((r) => [r['header']!, r['metadata']!, r['result_content'] ?? null, r['error'] ?? null]).filter((v) => v !== null);
  values.push({ text: 'é ✓ \u0000 \u007f 😀 "q" \\', list: [1, 2.5, -3, true, false, null], nested: { a: [] } });
  const theirs = (await runPython(
    String.raw`
from jupyter_client.jsonutil import json_default
emit([json.dumps(v, default=json_default) for v in INPUT])
`,
    values,
  )) as string[];
  assert.deepEqual(values.map(pythonJSON), theirs);
});

test('a dict or JSON text column nested deeper than JSON output can write is unreadable; one level less decodes and writes', () => {
  const nested = (n: number) => '{"a": '.repeat(n) + '1' + '}'.repeat(n);
  for (const key of ['header', 'result_content', 'error', 'execute_result']) {
    const deepest = decodeColumn(key, nested(999), where);
    assert.ok(!(deepest instanceof Unreadable), key);
    assert.ok(jsonText({ msg_id: 'm', [key]: deepest }).endsWith('1' + '}'.repeat(1000)), key);
    const deeper = decodeColumn(key, nested(1000), where);
    assert.ok(deeper instanceof Unreadable, key);
    assert.equal(deeper.sentence(), `StoreError: the ${key} of a test record is nested too deeply to read; it is shown as <unreadable ${key}>`);
  }
});
