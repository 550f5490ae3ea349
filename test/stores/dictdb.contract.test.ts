import { DictDB } from '../../src/stores/index.js';
import { storeContract } from '../support/store-contract.js';

storeContract('DictDB', async (records) => {
  const db = new DictDB({ recordLimit: 100_000 });
  for (const r of records) db.addRecordSync(r['msg_id'] as string, r);
  return db;
});
