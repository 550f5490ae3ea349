import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { INTERVAL_KEYS, taskInterval } from '../../src/analytics/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { TimelineBuilder } from '../../src/ui/timeline.js';
import { PYTHON, havePython } from '../support/python.js';

// Grouping by label (ipyparallel 9.1): %stats by label and the timeline's
// rows by label on the 9.x fixture, against ipyparallel's SQLiteDB reading
// the same file; a 7.x store, which has no label column, in one group.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const reference = join(root, 'test', 'analytics', 'stats-reference.py');
const tmp = mkdtempSync(join(tmpdir(), 'ipc-labels-'));
const ipp9 = join(tmp, 'ipp9-labels.db');
copyFileSync(join(root, 'test', 'fixtures', 'ipp9-labels.db'), ipp9);
const payloads = join(root, 'test', 'fixtures', 'payloads.db');

after(() => rmSync(tmp, { recursive: true, force: true }));

function ipc(store: string, statements: string, format = 'json'): string {
  return execFileSync(process.execPath, [bin, '--sqlitedb', store, '--format', format, '-c', statements], { encoding: 'utf8' });
}

type Row = Record<string, number | string | null>;

test('%stats by label and stats(by=label) on the 9.x fixture equal SQLiteDB.find_records grouped by label in Python', { skip: !havePython() }, () => {
  const [magic, fn] = ipc(ipp9, "%stats by label\nstats(db_query({}), by='label')").trim().split('\n').map((l) => JSON.parse(l)) as { groups: Row[]; total: Row }[];
  assert.deepEqual(fn, magic);
  const theirs = JSON.parse(execFileSync(PYTHON, [reference, ipp9, 'ipython-tasks', 'label'], { encoding: 'utf8' })) as { groups: Record<string, Row> };
  assert.deepEqual(magic!.groups.map((g) => JSON.stringify(g['label'])).sort(), Object.keys(theirs.groups).sort());
  for (const g of magic!.groups) {
    const t = theirs.groups[JSON.stringify(g['label'])]!;
    for (const k of ['count', 'ok', 'error', 'pending', 'timed']) assert.equal(g[k], t[k], `${g['label']} ${k}`);
    assert.ok(Math.abs((g['busy'] as number) - (t['busy'] as number)) < 1e-9);
  }
  assert.deepEqual(magic!.groups.map((g) => [g['label'], g['count'], g['error']]), [
    ['numpy', 3, 3], ['parse', 6, 3], ['train/batch-1', 40, 0], ['train/batch-2', 30, 0], [null, 25, 0],
  ]);
});

test('a 7.x store has no label: by label is one "(no label)" group of every task', () => {
  const table = ipc(payloads, '%stats by label', 'table');
  assert.match(table, /^label\s+tasks/);
  assert.match(table, /\n\(no label\)\s+58\s+57\s+1\s/);
  const data = JSON.parse(ipc(payloads, '%stats by label')) as { groups: Row[] };
  assert.deepEqual(data.groups.map((g) => [g['label'], g['count']]), [[null, 58]]);
});

test('the timeline by label: one row per label, the unlabelled last, each with its tasks', async () => {
  const store = await openSQLiteStore({ path: ipp9 });
  try {
    const b = new TimelineBuilder('label');
    for await (const r of store.findRecords({}, INTERVAL_KEYS)) b.add(taskInterval(r));
    const m = b.finish();
    assert.deepEqual(m.rows.map((r) => [r.label, r.starts.length]), [
      ['numpy', 3], ['parse', 6], ['train/batch-1', 40], ['train/batch-2', 30], ['(no label)', 25],
    ]);
    const byFunction = new TimelineBuilder('function');
    // the store itself derives nothing: the function is decoded from the buffers
    const keys = [...INTERVAL_KEYS.filter((k) => k !== 'function'), 'buffers'];
    for await (const r of store.findRecords({ label: 'parse' }, keys)) byFunction.add(taskInterval(r));
    assert.deepEqual(byFunction.finish().rows.map((r) => [r.label, r.starts.length]), [['parse', 6]]);
  } finally {
    await store.close();
  }
});

test('--rows is checked, and the exports keep one row per engine', () => {
  let stderr = '';
  try {
    ipc(ipp9, `%timeline --rows lable\n%timeline --rows label --svg ${join(tmp, 'x.svg')}\n%stats by lable`);
  } catch (e) {
    stderr = String((e as { stderr: string }).stderr);
  }
  assert.deepEqual(stderr.trim().split('\n'), [
    "line 1: TypeError: %timeline --rows takes engine, label, function, not 'lable' (did you mean 'label'?)",
    'line 2: TypeError: --trace and --svg write one row per engine; --rows label or function is for the chart in the terminal',
    "line 3: TypeError: stats cannot group by 'lable' (did you mean 'label'?); choose engine, function, client, queue, status, label",
  ]);
});
