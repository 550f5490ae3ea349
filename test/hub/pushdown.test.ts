/**
 * What ipc sends a hub must be a superset of the answer on that hub's
 * backend. The backends here are ipyparallel's own DictDB and SQLiteDB
 * classes, fed the same demo records (some dated in +05:30, as another
 * writer may leave them), asked the query toHubQuery makes for them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MATCH_ALL, toHubQuery, type HubBackend } from '../../src/hub/pushdown.js';
import { compileQuery } from '../../src/query/index.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { DictDB } from '../../src/stores/dictdb.js';
import { runPython } from '../support/python.js';

const records = generateDemoRecords({ count: 120, seed: 7 }).map((r) => {
  const { label: _label, ...rest } = r;
  return rest as TaskRecord;
});
const store = new DictDB({ recordLimit: 10_000 });
for (const r of records) store.addRecordSync(r['msg_id'] as string, r);

const dated = records.map((r) => (r['submitted'] as Timestamp).us).sort((a, b) => a - b);
const mid = new Timestamp(dated[60]!);
const early = new Timestamp(dated[20]!);
const r0 = records.find((r) => typeof r['engine_uuid'] === 'string' && r['completed'] !== null)!;
const startedMid = records.map((r) => r['started']).filter((s): s is Timestamp => s instanceof Timestamp).sort((a, b) => a.us - b.us)[30]!;

const QUERIES: Record<string, unknown>[] = [
  {},
  { completed: null },
  { completed: { $ne: null } },
  { client_uuid: r0['client_uuid'], queue: 'task' },
  { client_uuid: r0['client_uuid'], completed: { $ne: null } },
  { engine_uuid: r0['engine_uuid'] },
  { engine_uuid: { $ne: r0['engine_uuid'] } },
  { engine_uuid: { $in: [r0['engine_uuid'], null] } },
  { engine_uuid: { $nin: [r0['engine_uuid']] } },
  { msg_id: { $in: [] } },
  { msg_id: { $in: [r0['msg_id'], 'nope'] } },
  { msg_id: { $gt: r0['msg_id'] } },
  { submitted: { $gt: mid } },
  { submitted: { $gte: early, $lt: mid } },
  { submitted: { $lte: mid } },
  { submitted: mid },
  { submitted: { $ge: mid.toISOString().replace('Z', '+05:30') } },
  { started: { $gte: startedMid } },
  { completed: { $lt: mid } },
  { $or: [{ queue: 'mux' }, { completed: null }] },
  { 'header.msg_type': 'execute_request' },
  { 'result_content.status': 'error' },
  { execute_input: { $regex: '^import' } },
  { stdout: { $exists: true } },
  { $and: [{ queue: 'task' }, { submitted: { $gt: early } }] },
];

const BACKENDS: Array<Exclude<HubBackend, 'NoDB' | 'MongoDB'>> = ['DictDB', 'SQLiteDB', 'unknown'];

test('toHubQuery sends each backend a query it runs without error and whose answer holds every match', async () => {
  const plans = QUERIES.map((q) => Object.fromEntries(BACKENDS.map((b) => [b, toHubQuery(compileQuery(q), b)])));
  const asked: Record<string, unknown[]> = { DictDB: [], SQLiteDB: [] };
  for (const p of plans) {
    asked['DictDB']!.push(p['DictDB']!.kind === 'send' ? p['DictDB']!.query : null, p['unknown']!.kind === 'send' ? p['unknown']!.query : null);
    asked['SQLiteDB']!.push(p['SQLiteDB']!.kind === 'send' ? p['SQLiteDB']!.query : null, p['unknown']!.kind === 'send' ? p['unknown']!.query : null);
  }
  const answers = (await runPython(`
import tempfile, datetime
from ipyparallel.controller.dictdb import DictDB
from ipyparallel.controller.sqlitedb import SQLiteDB
india = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
dbs = {'DictDB': DictDB(record_limit=100000), 'SQLiteDB': SQLiteDB(location=tempfile.mkdtemp(), filename='tasks.db')}
for i, r in enumerate(INPUT['records']):
    for name, db in dbs.items():
        rec = dict(r)
        if name == 'SQLiteDB' and i % 3 == 0:
            for k in ('submitted', 'started', 'completed', 'received'):
                if rec.get(k) is not None:
                    rec[k] = rec[k].astimezone(india)
        db.add_record(rec['msg_id'], rec)
out = {}
for name, db in dbs.items():
    out[name] = []
    for q in INPUT['asked'][name]:
        if q is None:
            out[name].append(None)
            continue
        try:
            out[name].append(sorted(r['msg_id'] for r in db.find_records(q, ['msg_id'])))
        except Exception as e:
            out[name].append({'error': repr(e)})
emit(out)
`, { records, asked })) as Record<string, Array<string[] | { error: string } | null>>;

  QUERIES.forEach((q, i) => {
    const expected = store.findRecordsSync(q, ['msg_id']).map((r) => r['msg_id'] as string);
    for (const backend of ['DictDB', 'SQLiteDB'] as const) {
      for (const [j, label] of [[2 * i, backend], [2 * i + 1, 'unknown']] as const) {
        const got = answers[backend]![j];
        const where = `${JSON.stringify(q)} sent to ${backend} as planned for ${label}: ${JSON.stringify(asked[backend]![j])}`;
        if (got === null) {
          assert.deepEqual(expected, [], `${where} was not sent, so it must match nothing`);
          continue;
        }
        assert.ok(Array.isArray(got), `${where} failed: ${JSON.stringify(got)}`);
        const have = new Set(got);
        for (const id of expected) assert.ok(have.has(id), `${where} lost ${id}`);
      }
    }
  });
});

test('toHubQuery pushes what each backend gets right and keeps the rest for ipc', () => {
  const plan = (q: unknown, b: HubBackend) => toHubQuery(compileQuery(q), b);
  assert.deepEqual(plan({}, 'SQLiteDB'), { kind: 'send', query: MATCH_ALL });
  assert.deepEqual(plan({ msg_id: { $in: [] } }, 'DictDB'), { kind: 'empty' });
  assert.deepEqual(plan({ client_uuid: 'a', queue: 'task' }, 'DictDB'), { kind: 'send', query: { client_uuid: { $eq: 'a' }, queue: { $eq: 'task' } } });
  assert.deepEqual(plan({ engine_uuid: { $in: ['e', null] } }, 'SQLiteDB'), { kind: 'send', query: MATCH_ALL });
  assert.deepEqual(plan({ engine_uuid: { $in: ['e', null] } }, 'DictDB'), { kind: 'send', query: { engine_uuid: { $in: ['e', null] } } });
  assert.deepEqual(plan({ engine_uuid: { $ne: 'e' } }, 'SQLiteDB'), { kind: 'send', query: MATCH_ALL });
  const t = Timestamp.parse('2026-01-31T12:00:00Z')!;
  // None first: DictDB stops at the first test that fails, before ordering a pending task's None
  assert.deepEqual(plan({ submitted: { $gt: t } }, 'DictDB'), { kind: 'send', query: { submitted: { $ne: null, $gte: t } } });
  assert.deepEqual(Object.keys((plan({ completed: { $lt: t, $gte: t.plus(-1e6) } }, 'DictDB') as { query: Record<string, object> }).query['completed']!), ['$ne', '$lt', '$gte']);
  assert.deepEqual(plan({ submitted: { $gt: t } }, 'unknown'), { kind: 'send', query: MATCH_ALL });
  // bounds on dates the running hub wrote itself (%top's): its UTC text compares right, so they go as they are
  assert.deepEqual(toHubQuery(compileQuery({ completed: { $gte: t } }), 'SQLiteDB', { ownDates: true }), { kind: 'send', query: { completed: { $gte: t } } });
  assert.deepEqual(plan({ submitted: { $gt: t } }, 'SQLiteDB'), { kind: 'send', query: { submitted: { $gte: Timestamp.parse('2026-01-29T12:00:00Z')! } } });
  const many = Array.from({ length: 5000 }, (_, i) => `id-${i}`);
  assert.deepEqual(plan({ msg_id: { $in: many } }, 'SQLiteDB'), { kind: 'send', query: MATCH_ALL });
  assert.deepEqual(plan({ $or: [{ queue: 'mux' }], 'header.msg_type': 'x', label: 'y' }, 'MongoDB'), { kind: 'send', query: MATCH_ALL });
});
