import { after, before } from 'node:test';
import { openMongoStore } from '../../src/stores/mongodb/index.js';
import { startMongoTarget, TARGET_LABEL, type MongoTarget } from '../support/mongo-target.js';
import { storeContract } from '../support/store-contract.js';

let target: MongoTarget;
before(async () => {
  target = await startMongoTarget();
});
after(async () => {
  await target?.close();
});

// A fresh database per store; BSON dates keep milliseconds, so the records are cut to them.
storeContract(
  `MongoDB, against ${TARGET_LABEL}`,
  async (records) => {
    const store = await openMongoStore({ url: target.url, database: target.freshDatabase(), write: true });
    for (const r of records) await store.addRecord(r['msg_id'] as string, r);
    return store;
  },
  { millisecondDates: true },
);
