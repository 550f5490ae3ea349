/**
 * The demo store's records against a tasks.db written by a real ipcontroller
 * 7.1 (test/fixtures/tasks.db): the same keys, id forms, value kinds and
 * header and metadata fields; and ipyparallel's own SQLiteDB and
 * unpack_apply_message read demo records written to SQLite.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEMO_ANCHOR, demoEngineMap, generateDemoRecords } from '../../src/stores/index.js';
import { KEY_NAMES_7X, Timestamp, isDict, type Dict, type TaskRecord, type Value } from '../../src/records/index.js';
import { collect } from '../../src/stores/store.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { FIXTURE_DB } from '../cli/helpers.js';
import { runPython } from '../support/python.js';

const SESSION = /^[0-9a-f]{8}-[0-9a-f]{24}$/;
const MSG_ID = /^[0-9a-f]{8}-[0-9a-f]{24}_\d+_\d+$/;

let real: TaskRecord[];
const demo = generateDemoRecords({ count: 400, seed: 7, anchor: DEMO_ANCHOR });
let dir: string;

before(async () => {
  const store = await openSQLiteStore({ path: FIXTURE_DB, table: '*' });
  // SQLiteDB stores an empty buffer list as NULL and reads it back as [] (its _convert_bufs): read it so here too.
  real = (await collect(store.findRecords({}, [...KEY_NAMES_7X]))).map(({ table: _table, ...r }) => ({
    ...r,
    buffers: r['buffers'] ?? [],
    result_buffers: r['completed'] === null ? r['result_buffers'] ?? null : r['result_buffers'] ?? [],
  }) as TaskRecord);
  await store.close();
  dir = mkdtempSync(join(tmpdir(), 'ipc-demo-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function kind(v: Value | undefined): string {
  if (v === null || v === undefined) return 'None';
  if (v instanceof Timestamp) return 'datetime';
  if (v instanceof Uint8Array) return 'bytes';
  if (Array.isArray(v)) return 'list';
  if (isDict(v)) return 'dict';
  return typeof v;
}

/** Per key, the kinds of value it holds across the records. */
function kinds(records: readonly TaskRecord[], pick: (r: TaskRecord) => Dict | null = (r) => r): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of records) {
    const d = pick(r);
    if (!d) continue;
    for (const [k, v] of Object.entries(d)) {
      if (!out.has(k)) out.set(k, new Set());
      out.get(k)!.add(kind(v));
    }
  }
  return out;
}

const sorted = (m: Map<string, Set<string>>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, s]) => [k, [...s].sort()]));
const keySet = (d: Value | undefined) => (isDict(d) ? Object.keys(d).sort() : null);

test('every demo record has the keys of a 7.x record (no label), with the same kinds of value', () => {
  const realKeys = new Set(real.map((r) => Object.keys(r).sort().join(' ')));
  assert.deepEqual([...realKeys], [Object.keys(real[0]!).sort().join(' ')]);
  for (const r of demo) assert.equal(Object.keys(r).sort().join(' '), [...realKeys][0], String(r['msg_id']));
  assert.ok(!('label' in demo[0]!));
  const completed = (rs: TaskRecord[]) => rs.filter((r) => r['completed'] !== null);
  assert.deepEqual(sorted(kinds(completed(demo))), sorted(kinds(completed(real))));
});

test('ids have the 7.x form: msg_ids <session>_<pid>_<n>, client and engine ids 8-24 hex', () => {
  for (const records of [real, demo]) {
    const resubmissions = new Set(records.map((r) => r['resubmitted']));
    for (const r of records) {
      assert.match(r['msg_id'] as string, MSG_ID);
      assert.match(r['client_uuid'] as string, SESSION);
      if (r['engine_uuid'] !== null) assert.match(r['engine_uuid'] as string, SESSION);
      const h = r['header'] as Dict;
      assert.equal(h['msg_id'], r['msg_id']);
      // The hub resubmits under a msg_id of its own session; the header keeps the client's.
      assert.equal(h['session'], r['client_uuid']);
      if (!resubmissions.has(r['msg_id']) && !(r['msg_id'] as string).startsWith(h['session'] as string)) assert.fail(`${r['msg_id']} is not of its header's session`);
      if (isDict(r['result_header'])) {
        assert.match(r['result_header']['msg_id'] as string, MSG_ID);
        assert.equal(r['result_header']['session'], r['engine_uuid']);
      }
    }
  }
  assert.deepEqual(new Set(demo.map((r) => r['engine_uuid']).filter((u) => u !== null)), new Set(demoEngineMap(7).values()));
});

test('header, metadata, result_metadata and error hold the fields a 7.1 hub writes', () => {
  const shapes = (records: readonly TaskRecord[]) => {
    const s = new Set<string>();
    for (const r of records) {
      const errored = r['error'] !== null;
      s.add(`header ${keySet(r['header'])}`);
      s.add(`metadata ${r['queue']} ${keySet(r['metadata'])}`);
      if (r['result_metadata'] !== null) s.add(`result_metadata ${errored} ${keySet(r['result_metadata'])}`);
      if (errored) {
        const method = (r['header'] as Dict)['msg_type'];
        s.add(`error ${method} ${keySet(r['error'])} ${keySet((r['error'] as Dict)['engine_info'])}`);
        s.add(`result_content ${method} ${keySet(r['result_content'])}`);
      }
      if (r['completed'] === null) s.add(`pending started=${kind(r['started'])}`);
    }
    return [...s].sort();
  };
  assert.deepEqual(shapes(demo), shapes(real));
  const failed = demo.find((r) => r['error'] !== null)!;
  const info = (failed['result_metadata'] as Dict)['engine_info'] as Dict;
  assert.equal(demoEngineMap(7).get(info['engine_id'] as number), failed['engine_uuid'], 'the hub knows which engine failed');
  assert.equal(((failed['result_content'] as Dict)['engine_info'] as Dict)['engine_id'], -1, 'the engine itself does not');
});

test("ipyparallel's SQLiteDB reads demo records written to SQLite, and unpack_apply_message their buffers", async () => {
  const path = join(dir, 'tasks.db');
  const store = await openSQLiteStore({ path, write: true, create: true });
  for (const r of demo) await store.addRecord(r['msg_id'] as string, r);
  await store.close();
  const applied = demo.filter((r) => r['completed'] !== null && r['error'] === null && (r['header'] as Dict)['msg_type'] === 'apply_request');
  const python = (await runPython(`
import warnings
warnings.simplefilter('ignore')
from ipyparallel.controller.sqlitedb import SQLiteDB
from ipyparallel.serialize import unpack_apply_message, deserialize_object
SQLiteDB._check_table = lambda self: True
db = SQLiteDB(location=INPUT['dir'], filename='tasks.db', table='ipython-tasks')
out = {'count': len(db.find_records({'msg_id': {'$ne': None}}, keys=['msg_id'])), 'calls': {}}
for msg_id in INPUT['ids']:
    r = db.get_record(msg_id)
    f, args, kwargs = unpack_apply_message(r['buffers'])
    result, _ = deserialize_object(r['result_buffers'])
    out['calls'][msg_id] = [getattr(f, '__name__', repr(f)), repr(args), repr(sorted(kwargs)), type(result).__name__, r['submitted'].isoformat()]
emit(out)
`, { dir, ids: applied.map((r) => r['msg_id']) })) as { count: number; calls: Record<string, string[]> };
  assert.equal(python.count, demo.length);
  const names = new Set<string>();
  for (const r of applied) {
    const [name, , , , submitted] = python.calls[r['msg_id'] as string]!;
    names.add(name!);
    assert.equal(Timestamp.parse(submitted!)!.us, (r['submitted'] as Timestamp).us);
  }
  assert.ok(['square', 'shout', 'fit', 'normalize', 'len'].every((n) => names.has(n)), [...names].join(', '));
  const fit = applied.find((r) => python.calls[r['msg_id'] as string]![0] === 'fit')!;
  assert.deepEqual(python.calls[fit['msg_id'] as string]!.slice(1, 4), ['([1.0, 2.5, 4.0],)', "['alpha', 'iterations']", 'dict']);
  const normalize = applied.find((r) => python.calls[r['msg_id'] as string]![0] === 'normalize')!;
  assert.equal(python.calls[normalize['msg_id'] as string]![3], 'ndarray');
});
