import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { jsonText } from '../../src/format/index.js';
import { floatRepr, tuple } from '../../src/records/index.js';
import { prng } from '../../src/stores/index.js';
import { unpickle } from '../../src/payload/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { havePython, runPython } from '../support/python.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/payloads.db', import.meta.url));

test('decoded values in JSON: natural forms where JSON has them, else $repr and $class', async () => {
  const store = await openSQLiteStore({ path: FIXTURE });
  try {
    const answer = await (await StoreClient.open(store)).dbQuery({ function: 'echo' }, ['result']);
    const json = answer.records.map((r) => jsonText(r['result']));
    for (const want of [
      '1180591620717411303424', // a big int, exact
      '[1,"two",3.0]', // a tuple (its 3.0 a float, as Python's json writes it)
      '[1,2,3]', // a set and a deque
      '"AHJhdw=="', // bytes in base64
      '{"z":1,"a":2}', // an OrderedDict
      '{"$repr":"inf","$class":"float"}',
      '{"$repr":"Decimal(\'3.14\')","$class":"decimal.Decimal"}',
      '{"$repr":"<__main__.Point object {\'x\': 1, \'y\': 2}>","$class":"__main__.Point"}',
      '{"nested":[[0,1,2],[1.5]]}', // a numpy array as its tolist()
      '[{"$repr":"{1: \'int key\', (2, 3): \'tuple key\'}","$class":"dict"}]',
    ]) {
      assert.ok(json.includes(want), want);
    }
    for (const text of json) JSON.parse(text);
  } finally {
    await store.close();
  }
});

/**
 * Where Python's own json writes a decoded result (numpy arrays by their
 * tolist(), numpy scalars by their item()), ipc writes the same text; the
 * rest (sets, bytes, datetimes, NaN...) Python's json refuses, and ipc
 * writes in its own forms above.
 */
test("decoded results in JSON are the text Python's json writes, wherever it writes one", { skip: !havePython() && 'needs python3-ipyparallel' }, async () => {
  const want = (await runPython(
    String.raw`
import json, pickle, sqlite3
import numpy as np
exec(open(INPUT['values']).read())
from ipyparallel.serialize import deserialize_object
def natural(o):
    if isinstance(o, np.ndarray) and o.dtype.kind in 'biuf':
        return o.tolist()
    if isinstance(o, np.generic) and o.dtype.kind in 'biuf':
        return o.item()
    raise TypeError(type(o).__name__)
db = sqlite3.connect(INPUT['db'])
out = {}
for msg_id, rbufs in db.execute("select msg_id, result_buffers from 'ipython-tasks' where result_buffers is not null and json_extract(result_content, '$.status') = 'ok'"):
    frames = pickle.loads(rbufs)
    if not frames:
        continue
    try:
        out[msg_id] = json.dumps(deserialize_object(frames)[0], default=natural, allow_nan=False, separators=(',', ':'), ensure_ascii=False)
    except (TypeError, ValueError):
        pass
emit(out)
`,
    { db: FIXTURE, values: fileURLToPath(new URL('../../../test/fixtures/payload-values.py', import.meta.url)) },
  )) as Record<string, string>;
  assert.ok(Object.keys(want).length >= 25, `Python wrote ${Object.keys(want).length} of the results`);
  const store = await openSQLiteStore({ path: FIXTURE });
  try {
    const answer = await (await StoreClient.open(store)).dbQuery({ msg_id: { $in: Object.keys(want) } }, ['result']);
    const wrong = answer.records
      .map((r) => [r['msg_id'] as string, jsonText(r['result'])] as const)
      .filter(([id, text]) => text !== want[id])
      .map(([id, text]) => `${id}\n  Python ${want[id]}\n  ipc    ${text}`);
    assert.deepEqual(wrong, []);
    assert.equal(answer.records.length, Object.keys(want).length);
  } finally {
    await store.close();
  }
});

test('a mapping with a key JSON has no text for stays its class in JSON: a Counter keyed by tuples', { skip: !havePython() && 'needs python3' }, async () => {
  const [data] = (await runPython(String.raw`
import collections, pickle
emit([pickle.dumps(collections.Counter({(1, 2): 3}), 4)])
`)) as Uint8Array[];
  assert.equal(jsonText(unpickle(data!)), '{"$repr":"Counter({(1, 2): 3})","$class":"collections.Counter"}');
  assert.equal(jsonText(new Map<unknown, unknown>([[tuple([1, 2]), 3]])), '{"$repr":"{(1, 2): 3}","$class":"dict"}');
});

test("a float's text is Python's repr of it, on doubles of every exponent and the edges of the plain form", { skip: !havePython() && 'needs python3' }, async () => {
  // random bit patterns (every exponent), decimal numbers, and the numbers around 1e-4 and 1e16 where the form changes
  const rnd = prng(2301);
  const bits = new Float64Array(3000);
  const words = new Uint32Array(bits.buffer);
  for (let i = 0; i < 1000; i++) {
    words[2 * i] = Math.floor(rnd() * 2 ** 32);
    words[2 * i + 1] = Math.floor(rnd() * 2 ** 32);
  }
  for (let i = 1000; i < 2000; i++) bits[i] = Number((rnd() * 10 ** Math.floor(rnd() * 40 - 20)).toPrecision(1 + Math.floor(rnd() * 17)));
  const edges = [1e-4, 1e16, 1e-5, 1e15, 0.1, 0.5, 1, 2, 123456789012345680, 9999999999999998, 1e21, 1e-7, 5e-324, Number.MAX_VALUE];
  for (let i = 2000; i < 3000; i++) {
    const e = edges[i % edges.length]!;
    const step = Math.floor((i - 2000) / edges.length) - 35;
    bits[i] = (i % 2 ? -1 : 1) * e * (1 + step * Number.EPSILON);
  }
  const finite = Array.from(bits).filter((x) => Number.isFinite(x));
  const want = (await runPython(
    String.raw`
import struct
xs = struct.unpack('<%dd' % (len(INPUT) // 8), INPUT)
emit([repr(x) for x in xs])
`,
    new Uint8Array(Float64Array.from(finite).buffer),
  )) as string[];
  const wrong = finite.map((x, i) => [floatRepr(x), want[i]!] as const).filter(([a, b]) => a !== b);
  assert.deepEqual(wrong.slice(0, 5), []);
  assert.equal(want.length, finite.length);
});
