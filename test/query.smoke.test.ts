import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DictDB, collect, generateDemoRecords } from '../src/index.js';

test("db_query({'completed': None}) finds the pending tasks of the demo records", async () => {
  const db = new DictDB();
  const records = generateDemoRecords({ count: 50 });
  for (const r of records) await db.addRecord(r['msg_id'] as string, r);
  const pending = await collect(db.findRecords({ completed: null }, ['msg_id', 'started']));
  const expected = records.filter((r) => r['completed'] === null).map((r) => r['msg_id']);
  assert.ok(expected.length > 0);
  assert.deepEqual(pending.map((r) => r['msg_id']).sort(), [...expected].sort());
  assert.deepEqual(Object.keys(pending[0]!), ['msg_id', 'started']);
});
