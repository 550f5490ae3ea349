import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { histogram, renderHistogram } from '../../src/format/index.js';
import { PYTHON, havePython } from '../support/python.js';

// %stats on a real controller's tasks.db (two tables, errors, pending tasks
// without started/completed) against the same numbers computed from
// ipyparallel's own SQLiteDB.find_records in Python.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const fixture = join(root, 'test', 'fixtures', 'tasks.db');
const reference = join(root, 'test', 'analytics', 'stats-reference.py');

function ipc(...args: string[]): string {
  return execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

type Row = Record<string, number | string | null>;

function close(actual: unknown, expected: unknown, what: string): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
  } else {
    assert.equal(actual, expected, what);
  }
}

for (const table of ['ipython-tasks', 'ipython-tasks_1']) {
  for (const by of ['engine_id', 'status', 'queue']) {
    test(`%stats by ${by} on ${table} equals the numbers from SQLiteDB.find_records`, { skip: !havePython() }, () => {
      const ours = JSON.parse(ipc('--sqlitedb', fixture, '--table', table, '--format', 'json', '-c', `%stats by ${by}`)) as { groups: Row[]; total: Row; span: number };
      const theirs = JSON.parse(execFileSync(PYTHON, [reference, fixture, table, by], { encoding: 'utf8' })) as { groups: Record<string, Row>; total: Row; span: number };
      close(ours.span, theirs.span, 'span');
      assert.deepEqual(ours.groups.map((g) => JSON.stringify(g[by])).sort(), Object.keys(theirs.groups).sort());
      const check = (o: Row, t: Row, name: string) => {
        for (const [k, v] of Object.entries(t)) close(o[k], v, `${name} ${k}`);
      };
      for (const g of ours.groups) check(g, theirs.groups[JSON.stringify(g[by])]!, `${by}=${g[by]}`);
      check(ours.total, theirs.total, 'total');
      if (table === 'ipython-tasks') assert.equal(ours.total['untimed'], 4, 'the four pending tasks are counted, not timed');
    });
  }
}

test('%stats by function on a fixture of many functions equals the numbers from SQLiteDB.find_records and deserialize_object of the function', { skip: !havePython() }, () => {
  const payloads = join(root, 'test', 'fixtures', 'payloads.db');
  const ours = JSON.parse(ipc('--sqlitedb', payloads, '--format', 'json', '-c', '%stats by function')) as { groups: Row[]; total: Row };
  const theirs = JSON.parse(execFileSync(PYTHON, [reference, payloads, 'ipython-tasks', 'function'], { encoding: 'utf8' })) as { groups: Record<string, Row>; total: Row };
  const names = ours.groups.map((g) => JSON.stringify(g['function'])).sort();
  assert.deepEqual(names, Object.keys(theirs.groups).sort());
  assert.ok(names.includes('"<lambda>"') && names.includes('"add"') && names.includes('null'), names.join(' '));
  for (const g of ours.groups) {
    for (const [k, v] of Object.entries(theirs.groups[JSON.stringify(g['function'])]!)) close(g[k], v, `function=${g['function']} ${k}`);
  }
});

test('stats(records, by=...) returns the same numbers as %stats, as a dict for scripts', () => {
  const out = ipc('--sqlitedb', fixture, '--format', 'json', '-c', "%stats by status", '-c', "stats(db_query({}), by='status')").trim().split('\n');
  assert.equal(out.length, 2);
  assert.deepEqual(JSON.parse(out[0]!), JSON.parse(out[1]!));
});

test('the %stats table says how many records were not timed, and --format csv gives one row per engine and a total', () => {
  const table = ipc('--sqlitedb', fixture, '-c', '%stats');
  assert.match(table, /^engine\s+tasks\s+ok\s+error\s+pending\s+busy\s+util\s+idle\s+tasks\/s$/m);
  assert.match(table, /^total\s+22\s+15\s+3\s+4\s/m);
  assert.match(table, /4 of 22 records miss a start or completion time: counted, not timed/);
  const csv = ipc('--sqlitedb', fixture, '--format', 'csv', '-c', '%stats').trim().split('\n');
  assert.match(csv[0]!, /^engine_id,count,ok,error,aborted,pending,timed,untimed,busy,/);
  assert.equal(csv.length, 1 + 3 + 1, 'header, engines 0 and 1, the unassigned pending tasks, total');
});

test('bad arguments of %stats are one sentence', () => {
  const run = (s: string) => {
    try {
      ipc('--sqlitedb', fixture, '-c', s);
      return '';
    } catch (e) {
      return String((e as { stderr: string }).stderr);
    }
  };
  assert.match(run('%stats by engin'), /stats cannot group by 'engin'.*did you mean 'engine'/i);
  assert.match(run('%stats --hist run'), /%stats --hist draws run_time or queue_wait, not 'run'/);
  assert.match(run('%stats 42'), /a query dict such as .* not int/);
});

test('%stats --hist run_time: log bins when run times span decades, block bars', () => {
  const text = ipc('--sqlitedb', fixture, '-c', '%stats --hist run_time');
  assert.match(text, /run_time: 18 values, logarithmic bins/);
  assert.match(text, /4 records have no run_time/);
  assert.match(text, /█/);
  const linear = histogram('run_time', Float64Array.from([1, 2, 3, 4, 5]), 0, 4);
  assert.equal(linear.log, false);
  assert.deepEqual(linear.counts, [1, 1, 1, 2]);
  const log = histogram('run_time', Float64Array.from([0.001, 0.01, 0.1, 1, 10]), 0, 4);
  assert.equal(log.log, true);
  assert.deepEqual(log.counts, [1, 1, 1, 2]);
  assert.match(renderHistogram(log), /^ *1\.00 ms – 10\.0 ms {2}1 {2}█{20}$/m);
});

test('idle is what is left of the span: none, never below none, where a group kept several engines busy at once', async () => {
  const { StatsBuilder } = await import('../../src/analytics/index.js');
  const { Timestamp } = await import('../../src/records/index.js');
  const at = (s: number) => Timestamp.parse(new Date(Date.UTC(2026, 10, 1, 0, 0, s)).toISOString())!;
  // two tasks of one queue on two engines over the same ten seconds, one of another queue for five of them
  const task = (id: string, engine: string, queue: string, from: number, to: number) => ({
    msg_id: id, engine_uuid: engine, queue, submitted: at(from), started: at(from), completed: at(to), result_content: { status: 'ok' },
  });
  const b = new StatsBuilder('queue');
  for (const r of [task('a', 'e1', 'task', 0, 10), task('b', 'e2', 'task', 0, 10), task('c', 'e3', 'mux', 0, 5)]) b.add(r);
  const st = b.result();
  const group = (q: string) => st.groups.find((g) => g.key === q)!;
  assert.ok(Math.abs(group('task').utilisation! - 2) < 1e-9, 'two engine-seconds a second');
  assert.equal(group('task').idle_percent, 0);
  assert.ok(Math.abs(group('mux').idle_percent! - 50) < 1e-9, 'half the span left');
  assert.ok(Math.abs(st.total.idle_percent! - (100 - (25 / 30) * 100)) < 1e-9, 'the total: busy over span × engines');
});
