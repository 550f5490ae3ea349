import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { generateDemoRecords, DictDB } from '../../src/stores/index.js';
import type { Store } from '../../src/stores/index.js';

/** The store's reads, as (query, keys) pairs, while the client answers. */
function countingStore(store: Store): { store: Store; reads: string[] } {
  const reads: string[] = [];
  const counted = new Proxy(store, {
    get(target, name, receiver) {
      const v = Reflect.get(target, name, receiver) as unknown;
      if (name !== 'findRecords' || typeof v !== 'function') return v;
      return (query: unknown, keys: unknown) => {
        reads.push(JSON.stringify([query, keys]));
        return (v as Store['findRecords']).call(target, query as never, keys as never);
      };
    },
  });
  return { store: counted, reads };
}

test('a query without derived keys is one read of the store (the engine map is not looked up)', async () => {
  const db = new DictDB();
  for (const r of generateDemoRecords({ count: 40 })) await db.addRecord(r['msg_id'] as string, r);
  const { store, reads } = countingStore(db);
  const rc = await StoreClient.open(store);
  const answer = await rc.dbQuery({ completed: null }, ['msg_id', 'started']);
  assert.equal(reads.length, 1, reads.join('\n'));
  assert.ok(answer.records.every((r) => r['started'] === null || r['started'] === undefined));
  // engine_id needs the engine map: that one read more, made once.
  await rc.dbQuery({}, ['engine_id']);
  await rc.dbQuery({}, ['engine_id']);
  assert.equal(reads.length, 4, reads.join('\n'));
});
