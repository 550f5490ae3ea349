/**
 * ipyparallel's own SQLiteDB, driven from tests: find_records on a file, and
 * add_record into one. Runs with Debian's /usr/bin/python3.
 */
import { basename, dirname } from 'node:path';
import type { TaskRecord, Value } from '../../src/records/index.js';
import { runPython } from './python.js';

const OPEN = String.raw`
import json, warnings
warnings.simplefilter('ignore')
from ipyparallel.controller.sqlitedb import SQLiteDB
# Under SQLite >= 3.37, SQLiteDB of 7.1 rejects its own tables (PRAGMA table_info
# reports the primary key's type as 'TEXT') and would create a new table instead
# of reading the one named; read the named table as it is.
SQLiteDB._check_table = lambda self: True
def open_db(location, filename, table):
    return SQLiteDB(location=location, filename=filename, table=table)
def plain(rec):
    # SQLiteDB leaves the JSON text of error and execute_result undecoded; decode it to compare.
    for k in ('error', 'execute_result'):
        v = rec.get(k)
        if isinstance(v, str) and v.startswith('{'):
            rec[k] = json.loads(v)
    return rec
def order(recs):
    import datetime
    low = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    return sorted(recs, key=lambda r: (r.get('submitted') or low, r['msg_id']))
`;

export interface PythonQuery {
  readonly query: unknown;
  readonly keys?: readonly string[] | null;
  /**
   * Where SQLiteDB answers wrongly: a Python expression of `r` (a record
   * with every key) saying whether it matches; the expected answer is then
   * every record filtered by it.
   */
  readonly correct?: string;
}

/** Each query's answer from SQLiteDB.find_records, ordered by submitted then msg_id. */
export async function pythonFindRecords(path: string, table: string, queries: readonly PythonQuery[]): Promise<TaskRecord[][]> {
  const body = OPEN + String.raw`
db = open_db(INPUT['dir'], INPUT['file'], INPUT['table'])
out = []
for q in INPUT['queries']:
    keys = q.get('keys')
    if q.get('correct'):
        test = eval('lambda r: ' + q['correct'])
        recs = order([r for r in db.find_records({'msg_id': {'$ne': None}}) if test(plain(r))])  # find_records({}) emits invalid SQL
        if keys:
            keys = ['msg_id'] + [k for k in keys if k != 'msg_id']
            recs = [{k: r[k] for k in keys} for r in recs]
    else:
        # fetch submitted too, to put the answer in order
        extra = keys and 'submitted' not in keys
        recs = db.find_records(q['query'], list(keys) + (['submitted'] if extra else []) if keys else None)
        recs = order(recs)
        if extra:
            for r in recs:
                del r['submitted']
    out.append([plain(r) for r in recs])
emit(out)
`;
  const input = { dir: dirname(path), file: basename(path), table, queries };
  return (await runPython(body, input)) as TaskRecord[][];
}

/** Adds records with SQLiteDB.add_record, then commits. */
export async function pythonAddRecords(path: string, table: string, records: readonly TaskRecord[]): Promise<void> {
  const body = OPEN + String.raw`
db = open_db(INPUT['dir'], INPUT['file'], INPUT['table'])
for r in INPUT['records']:
    db.add_record(r['msg_id'], r)
db._db.commit()
emit(db.table)
`;
  await runPython(body, { dir: dirname(path), file: basename(path), table, records: records as Value[] });
}
