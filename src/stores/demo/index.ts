import { Timestamp } from '../../records/index.js';
import { DictDB } from '../dictdb.js';
import { generateDemoRecords, type DemoOptions } from './generate.js';

export { generateDemoRecords, demoEngineMap, prng, DEMO_ANCHOR, type DemoOptions } from './generate.js';

/**
 * The embedded demo store: a DictDB of generated records whose newest
 * submission is a few minutes old, so that `hourago` queries find something.
 */
export function openDemoStore(options: DemoOptions = {}): DictDB {
  const anchor = options.anchor ?? new Timestamp(Math.floor(Date.now() / 60_000) * 60_000_000);
  const records = generateDemoRecords({ ...options, anchor });
  const db = new DictDB({ location: 'the embedded demo store', recordLimit: Math.max(1024, records.length) });
  for (const r of records) db.addRecordSync(r['msg_id'] as string, r);
  return db;
}
