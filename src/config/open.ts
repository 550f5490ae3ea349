import { StoreClient, type Client, type ConfirmDestructive } from '../client/index.js';
import { IpcError, configError, storeError, withPlace } from '../errors.js';
import { FILE_CAPS, readBoundedFile } from '../files.js';
import { parseJSONLRecords } from '../format/index.js';
import { KEY_NAMES_7X, type TaskRecord } from '../records/index.js';
import { demoEngineMap, DictDB, NoDB, openDemoStore, type ReadyWorker, type Store } from '../stores/index.js';
import type { Settings, StoreSpec } from './resolve.js';
import { COLUMN_MAGICS, largeForColumnWorker } from './early-worker.js';

export interface Opened {
  readonly client: Client;
  /** The SQLite task tables, for %tables. */
  readonly tables?: () => Promise<readonly string[]>;
  /** One sentence for stderr about what was opened (a --load file without buffers). */
  readonly note?: string;
}

/** How many records the embedded demo store holds. */
export const DEMO_COUNT = 240;

/**
 * A script whose statements read a whole table as columns (`%stats`,
 * `%timeline`) on a SQLite store has a worker thread made ready while the
 * store opens: a large table's read gives it half of the table, and it takes
 * a few hundred milliseconds to start. It holds no file, and one that no
 * read takes is let go at exit.
 */
export async function prepareColumnReads(settings: Settings, script: string, early: ReadyWorker | null = null): Promise<void> {
  const spec = settings.store;
  // a file too small to hold a table that large: no worker (making one costs a small script's start-up a tenth)
  if (spec.kind !== 'sqlite' || !COLUMN_MAGICS.test(script) || !largeForColumnWorker(spec.path)) {
    if (early) void early.worker.terminate();
    return;
  }
  const sqlite = await import('../stores/sqlite/index.js');
  sqlite.readyColumnWorker(early);
}

/**
 * Opens what the settings name. Heavy drivers (better-sqlite3, mongodb,
 * zeromq) load only when their store is asked for, so that start-up stays fast.
 */
export async function openClient(settings: Settings, confirm: ConfirmDestructive): Promise<Opened> {
  const spec = settings.store;
  const why = settings.chosenByFlag ? undefined : settings.origin;
  if (spec.kind === 'none') throw configError(spec.why);
  if (spec.kind !== 'hub') return openStore(spec, why, settings, confirm);
  const { openHubClient } = await import('../client/hub-client.js');
  try {
    const client = await openHubClient({
      connectionFile: spec.connectionFile,
      ...(spec.timeoutMs !== null ? { timeoutMs: spec.timeoutMs } : {}),
      maxMessageBytes: spec.maxMessageBytes,
      ...(spec.probeMs !== undefined ? { connectTimeoutMs: spec.probeMs } : {}),
      ...(settings.session ? { session: settings.session } : {}),
      ...(why ? { origin: why } : {}),
      // The hub deletes records for purge_results: the same --write and confirmation as a store.
      confirm: async (question) => {
        if (!settings.write) throw storeError(`${question.replace(/\. Go on\?$/, '')}; start ipc with --write to allow it`);
        return confirm(question);
      },
      // %abort and %retry act on the cluster, not on a store: a confirmation (--yes in a script), no --write
      confirmAction: confirm,
    });
    return { client };
  } catch (e) {
    const fallback = settings.fallback;
    if (spec.probeMs === undefined || !fallback || fallback.store.kind === 'hub' || !(e instanceof IpcError)) throw e;
    // A connection file left by a controller that has stopped: open what it wrote instead.
    const reason = `no controller answered at ${spec.connectionFile} (${e.message.replace(/\.$/, '')})`;
    if (fallback.store.kind === 'none') {
      throw configError(`no store was found: ${reason}, and ${fallback.store.why.replace(/^no store was found: /, '')}`);
    }
    return openStore(fallback.store, `${fallback.origin}; ${reason}`, settings, confirm);
  }
}

/** What opening a store gives, beside the store itself, for the client and the session. */
interface OpenedStore {
  readonly store: Store;
  /** The SQLite task tables, for %tables. */
  readonly tables?: Opened['tables'];
  /** How the banner names it, when not by the store's own location. */
  readonly source?: string;
  /** The keys an answer has, when the store says (a 7.x hub's records have no label). */
  readonly columns?: readonly string[] | null;
  /** The engine map it comes with (the demo store's). */
  readonly engines?: Map<number, string>;
  readonly note?: string;
}

type StoreKind = Exclude<StoreSpec, { kind: 'hub' | 'none' }>['kind'];

/**
 * The store backends by kind: a new backend is one entry here (and its
 * folder under stores/). Heavy drivers load inside their entry, only when
 * their store is asked for.
 */
const STORE_KINDS: { readonly [K in StoreKind]: (spec: Extract<StoreSpec, { kind: K }>, settings: Settings) => Promise<OpenedStore> } = {
  demo: async () => ({
    store: openDemoStore({ count: DEMO_COUNT }),
    source: 'the embedded demo store (DictDB)',
    columns: KEY_NAMES_7X,
    engines: demoEngineMap(),
  }),
  dictdb: async (spec) => {
    const { db, note } = await openDictDB(spec);
    // Records of a 7.x hub have no label: an answer then has none either.
    const columns = spec.load && !db.findRecordsSync({ label: { $exists: true } }, ['msg_id']).length ? KEY_NAMES_7X : null;
    return { store: db, columns, ...(note ? { note } : {}) };
  },
  nodb: async () => ({ store: new NoDB() }),
  sqlite: async (spec, settings) => {
    const sqlite = await import('../stores/sqlite/index.js');
    const opened = await sqlite.openSQLiteStore({ path: spec.path, ...(spec.table ? { table: spec.table } : {}), write: settings.write, mmap: settings.mmap });
    return {
      store: opened,
      tables: async () => sqlite.listTaskTables(spec.path).map((t) => `${t.name}  (${t.count} record${t.count === 1 ? '' : 's'})`),
      columns: [...new Set(opened.tables.flatMap((t) => t.keys))],
    };
  },
  mongodb: async (spec, settings) => {
    const { openMongoStore } = await import('../stores/mongodb/index.js');
    const store = await openMongoStore({
      ...(spec.url ? { url: spec.url } : {}),
      ...(spec.database ? { database: spec.database } : {}),
      ...(spec.timeoutMs !== null ? { serverSelectionTimeoutMs: spec.timeoutMs } : {}),
      allowJs: spec.allowJs,
      write: settings.write,
    });
    return { store };
  },
};

async function openStore(spec: Exclude<StoreSpec, { kind: 'hub' | 'none' }>, origin: string | undefined, settings: Settings, confirm: ConfirmDestructive): Promise<Opened> {
  const open = STORE_KINDS[spec.kind] as (spec: StoreSpec, settings: Settings) => Promise<OpenedStore>;
  const { store, tables, source, columns, engines: storeEngines, note } = await open(spec, settings);
  const client = await StoreClient.open(store, {
    session: settings.session,
    ...(settings.sessionOrigin ? { sessionOrigin: settings.sessionOrigin } : {}),
    ...(source ? { source } : {}),
    ...(origin ? { origin } : {}),
    columns: columns ?? null,
    engines: settings.engines ?? storeEngines ?? null,
    write: settings.write,
    confirm,
  });
  return { client, ...(tables ? { tables } : {}), ...(note ? { note } : {}) };
}

async function openDictDB(spec: Extract<StoreSpec, { kind: 'dictdb' }>): Promise<{ db: DictDB; note?: string }> {
  let records: ReturnType<typeof parseJSONLRecords> = [];
  if (spec.load) {
    let text: string;
    try {
      text = readBoundedFile(spec.load, 'records file', FILE_CAPS.records, storeError);
    } catch (e) {
      if (e instanceof IpcError) throw e;
      throw storeError(`cannot read ${spec.load} (--load): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    records = parseJSONLRecords(text, spec.load);
  }
  const db = new DictDB({
    location: spec.load ? `memory, loaded from ${spec.load}` : 'memory',
    recordLimit: spec.recordLimit ?? Math.max(1024, records.length),
    ...(spec.sizeLimit !== undefined ? { sizeLimit: spec.sizeLimit } : {}),
    ...(spec.cullFraction !== undefined ? { cullFraction: spec.cullFraction } : {}),
  });
  for (const r of records) {
    try {
      db.addRecordSync(r['msg_id'] as string, r);
    } catch (e) {
      if (e instanceof IpcError) throw withPlace(e, String(spec.load));
      throw e;
    }
  }
  const note = spec.load ? withoutBuffersNote(records, spec.load) : undefined;
  return { db, ...(note ? { note } : {}) };
}

/**
 * What --load says when the file holds records but no buffer keys (written
 * without keys='*'): the payload keys then have nothing to decode.
 */
function withoutBuffersNote(records: readonly TaskRecord[], file: string): string | undefined {
  if (records.length === 0 || records.some((r) => Object.hasOwn(r, 'buffers') || Object.hasOwn(r, 'result_buffers'))) return undefined;
  return `${file} holds no buffers or result_buffers, so function, args, kwargs and result answer None; export with db_query({}, keys='*') to keep them`;
}

/** The kinds of store ipc opens, as the registry lists them. */
export const STORE_KIND_NAMES = Object.keys(STORE_KINDS) as readonly StoreKind[];
