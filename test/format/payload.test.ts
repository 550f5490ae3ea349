import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { payloadSections, recordLines } from '../../src/format/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/payloads.db', import.meta.url));
const PREFIX = '6615fe4b-d6830441901b78145a04522a_1076_';

test('the record view shows the Call with its file:line, the Result, the remote Error, the Code', async () => {
  const store = await openSQLiteStore({ path: FIXTURE });
  try {
    const add = payloadSections(await store.getRecord(`${PREFIX}2`));
    assert.deepEqual(add.map((s) => [s.title, s.text]), [['Call', "add(1, 2, 3, 4, scale=3, tag='t')"], ['Result', '30']]);
    assert.match(add[0]!.note!, /^<string>:\d+$/);
    const failed = payloadSections(await store.getRecord(`${PREFIX}55`));
    assert.deepEqual(failed.map((s) => [s.title, s.text]), [['Call', "fail('x')"], ['Error', "ValueError: bad value 'x'"]]);
    const execute = payloadSections(await store.getRecord(`${PREFIX}56`));
    assert.deepEqual(execute.map((s) => [s.title, s.text]), [['Code', 'a = 5\nprint(a)']]);
    // a view.map task: ipyparallel's map lambda shows as the map of the mapped function (here a lambda of the fixture's client)
    const mapped = payloadSections(await store.getRecord(`${PREFIX}53`));
    assert.deepEqual(mapped.map((s) => [s.title, s.text]), [['Call', 'map(<lambda>, range(1, 2))'], ['Result', '[1]']]);
    assert.match(mapped[0]!.note!, /^<string>:\d+$/);
    const lines = recordLines(await store.getRecord(`${PREFIX}2`)).join('\n');
    assert.match(lines, /\nCall  <string>:\d+\n  add\(1, 2, 3, 4, scale=3, tag='t'\)\n\nResult\n  30\n/);
  } finally {
    await store.close();
  }
});
