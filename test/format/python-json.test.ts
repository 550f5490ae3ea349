import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { jsonText } from '../../src/format/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';

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
      '{"nested":[{"$repr":"array([0, 1, 2])","$class":"numpy.ndarray"},[1.5]]}',
      '[{"$repr":"{1: \'int key\', (2, 3): \'tuple key\'}","$class":"dict"}]',
    ]) {
      assert.ok(json.includes(want), want);
    }
    for (const text of json) JSON.parse(text);
  } finally {
    await store.close();
  }
});
