import { storeError } from '../../errors.js';
import type { Store } from '../store.js';

export interface MongoOptions {
  /** Default mongodb://localhost:27017 */
  readonly url?: string;
  /** Default 'ipython-tasks' */
  readonly database?: string;
  readonly write?: boolean;
  readonly serverSelectionTimeoutMs?: number;
  /** Allow $where, $function, $accumulator. */
  readonly allowJs?: boolean;
}

/** Opens the database that `ipcontroller --mongodb` writes. */
export async function openMongoStore(options: MongoOptions): Promise<Store> {
  throw storeError(`the MongoDB store is not available yet (${options.url ?? 'mongodb://localhost:27017'})`);
}
