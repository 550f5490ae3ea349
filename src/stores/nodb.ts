import { noData } from '../errors.js';
import type { KeysInput, QueryInput } from '../query/index.js';
import type { TaskRecord } from '../records/index.js';
import { StoreBase, type Store, type StoreInfo, type StoreSummary } from './store.js';

/** A store that keeps nothing: writes are accepted and dropped, reads raise NoData. */
export class NoDB extends StoreBase implements Store {
  readonly info: StoreInfo = { kind: 'NoDB', location: 'nowhere (NoDB keeps no records)', writable: true, live: false };

  async addRecord(_msgId: string, _record: TaskRecord): Promise<void> {}
  async getRecord(_msgId: string): Promise<TaskRecord> {
    throw noData();
  }
  async updateRecord(_msgId: string, _changes: TaskRecord): Promise<void> {}
  async dropRecord(_msgId: string): Promise<void> {}
  async dropMatchingRecords(_query: QueryInput): Promise<number> {
    return 0;
  }
  async *findRecords(_query: QueryInput, _keys?: KeysInput): AsyncIterable<TaskRecord> {
    throw noData();
  }
  async getHistory(): Promise<string[]> {
    throw noData();
  }
  async summary(): Promise<StoreSummary> {
    return { count: 0, firstSubmitted: null, lastSubmitted: null, latestClient: null };
  }
  async close(): Promise<void> {}
}
