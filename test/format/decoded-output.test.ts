/**
 * Values that tasks returned, written by script mode's formats: the same
 * JSON form whether the value stands alone or sits in a record, and CSV
 * cells as Python's csv module writes str() of them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { renderValue } from '../../src/format/index.js';
import type { Shell } from '../../src/shell/api.js';
import type { Store } from '../../src/stores/store.js';
import { payloadId as ID, payloadShell } from '../support/payload-shell.js';
import { value } from '../shell/helpers.js';

let store: Store;
let shell: Shell;
before(async () => {
  ({ store, shell } = await payloadShell());
});
after(() => store.close());

test('a decoded value alone is written as JSON as it is inside a record', async () => {
  for (const n of [7, 23, 31, 33, 41, 45]) {
    const alone = renderValue(await value(shell, `rc.get_result('${ID(n)}').get()`), 'json');
    const inRecord = JSON.parse(renderValue(await value(shell, `db_query({'msg_id': '${ID(n)}'}, keys=['result'])`), 'json')) as { result: unknown }[];
    assert.deepEqual(JSON.parse(alone), inRecord[0]!.result, `result of task ${n}`);
  }
  assert.equal(renderValue(await value(shell, `rc.get_result('${ID(7)}').get()`), 'json'), '3.5');
  assert.deepEqual(JSON.parse(renderValue(await value(shell, `rc.get_result('${ID(31)}').get()`), 'json')), { $repr: "Decimal('3.14')", $class: 'decimal.Decimal' });
});

test('whole floats keep their point in JSON, as Python\'s json writes them', async () => {
  assert.equal(renderValue(await value(shell, '[7 / 7, 2.5, -0.0, 3, float(10 ** 15)]'), 'json'), '[1.0,2.5,-0.0,3,1000000000000000.0]');
});

test('CSV cells of decoded values: bytes as base64 text, numpy bools and floats as str() gives them', async () => {
  const csv = renderValue(await value(shell, `db_query({'msg_id': {'$in': ['${ID(14)}', '${ID(41)}', '${ID(18)}', '${ID(7)}']}}, keys=['result'])`), 'csv');
  assert.deepEqual(csv.split('\n'), ['msg_id,result', `${ID(7)},3.5`, `${ID(14)},AHJhdw==`, `${ID(18)},True`, `${ID(41)},False`]);
});
