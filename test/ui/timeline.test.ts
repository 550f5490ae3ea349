import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { taskInterval } from '../../src/analytics/index.js';
import type { KeyEvent } from '../../src/ui/keys.js';
import { makePainter } from '../../src/ui/style.js';
import { TimelineModel, TimelineView } from '../../src/ui/timeline.js';
import { startOrder } from '../../src/ui/timeline-model.js';
import { Terminal } from './support/tmux.js';

const plain = makePainter(false);
const key = (name: KeyEvent['name'], text = ''): KeyEvent => ({ name, text, ctrl: false, meta: false, shift: false });
const typed = (text: string) => key('text', text);

const T0 = Date.UTC(2026, 0, 1) * 1000;
function rec(id: string, engine: number, start: number, end: number | null, status = 'ok'): TaskRecord {
  return {
    msg_id: id,
    engine_uuid: `uuid-${engine}`,
    submitted: new Timestamp(T0 + start * 1e6 - 1000),
    started: end === null ? null : new Timestamp(T0 + start * 1e6),
    completed: end === null ? null : new Timestamp(T0 + end * 1e6),
    result_content: end === null ? null : { status },
    result_metadata: { engine_id: engine },
  };
}

const records = [
  rec('a-long', 0, 0, 50),
  rec('b-fail', 1, 10, 20, 'error'),
  rec('c-late', 1, 60, 100),
  rec('d-pend', 0, 90, null),
];

function view(columns = 80, rows = 24): TimelineView {
  return new TimelineView(TimelineModel.build(records.map((r) => taskInterval(r))), { columns, rows });
}

test('one row per engine, bars where the tasks ran, an axis with readable ticks, in 80×24', () => {
  const lines = view().lines(plain);
  assert.equal(lines.length, 24);
  assert.ok(lines.every((l) => [...l].length <= 80));
  assert.match(lines[0]!, /4 tasks on 2 rows/);
  assert.match(lines[1]!, /┊0s +┊20s +┊40s +┊60s/);
  const e0 = lines[2]!;
  const e1 = lines[3]!;
  assert.match(e0, /^engine 0 {4}█+/);
  const bar = (line: string) => [...line.slice(12)].map((c) => (c === ' ' ? ' ' : '#')).join('');
  // engine 0: a task from 0 s to 50 s, then the pending one from 90 s to the end
  assert.match(bar(e0), /^#{30,36} +#+$/);
  assert.match(bar(e1), /^ {5,7}#{6,8} +#+$/);
  // without colour, a failed task and a pending one keep marks of their own
  assert.match(e1, /^engine 1 {5,}╳+ +█+$/);
  assert.match(e0, /[█▓] +┄+$/);
});

test('+ zooms in around the selected task, - zooms out, 0 fits, ←/→ pan', () => {
  const v = view();
  const full = v.to - v.from;
  v.handleKey(typed('+'));
  assert.ok(Math.abs(v.to - v.from - full / 2) < 1);
  v.handleKey(typed('+'));
  const zoomed = v.to - v.from;
  const from = v.from;
  v.handleKey(key('right'));
  assert.ok(v.from > from, 'panned right');
  v.handleKey(typed('-'));
  assert.ok(v.to - v.from > zoomed);
  v.handleKey(typed('0'));
  assert.equal(v.to - v.from, full);
});

test('↓ and n select tasks; / jumps to a msg_id; Enter opens the selected record; q closes', () => {
  const v = view();
  assert.equal(v.selectedId(), 'a-long');
  v.handleKey(key('down'));
  assert.equal(v.selectedId(), 'b-fail');
  assert.match(v.lines(plain).at(-1)!, /^b-fail error 10\.0 s/);
  v.handleKey(typed('n'));
  assert.equal(v.selectedId(), 'c-late');
  for (const ch of '/d-p') v.handleKey(typed(ch));
  assert.equal(v.lines(plain).at(-1)!.trimEnd(), '/d-p');
  v.handleKey(key('enter'));
  assert.equal(v.selectedId(), 'd-pend');
  assert.match(v.lines(plain).at(-1)!, /still pending/);
  assert.deepEqual(v.handleKey(key('enter')), { kind: 'open', msgId: 'd-pend' });
  for (const ch of '/zzz') v.handleKey(typed(ch));
  v.handleKey(key('enter'));
  assert.match(v.lines(plain).at(-1)!, /no task has a msg_id starting 'zzz'/);
  assert.deepEqual(v.handleKey(typed('q')), { kind: 'close' });
});

test('a live model keeps the window that follows the end', () => {
  const v = view();
  const later = [...records, rec('e-new', 2, 120, 130)];
  v.replaceModel(TimelineModel.build(later.map((r) => taskInterval(r))));
  assert.equal(v.model.rows.length, 3);
  assert.equal(v.to, v.model.last);
  assert.match(v.lines(plain).join('\n'), /engine 2/);
});

// The real binary in tmux on a real controller's store.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const fixture = join(root, 'test', 'fixtures', 'tasks.db');
let home: string;
before(() => {
  home = mkdtempSync(join(tmpdir(), 'ipc-timeline-home-'));
});
after(() => rmSync(home, { recursive: true, force: true }));

test('%timeline in a terminal: bars per engine, zoom, Enter opens the record view, q goes back', async () => {
  const t = new Terminal(`node ${bin} --sqlitedb ${fixture}`, { cwd: home, env: { HOME: home }, columns: 80, rows: 24 });
  try {
    await t.waitFor((s) => s.includes('In [1]:'), 'the prompt');
    t.type('%timeline');
    t.send('Enter');
    let s = await t.waitFor((x) => x.includes('22 tasks on 3 rows'), 'the timeline');
    assert.match(s, /^engine 0 {4}.*█/m);
    assert.match(s, /^engine 1 {4}.*█/m);
    assert.match(s, /^unassigned/m);
    const span = (x: string) => /\+ ([\d.]+ ms)/.exec(x)![1];
    const before = span(s);
    t.type('+');
    s = await t.waitFor((x) => span(x) !== before, 'the zoomed view');
    assert.notEqual(span(s), before);
    t.send('Enter');
    s = await t.waitFor((x) => x.includes('Timing') && x.includes('run time'), 'the record view');
    t.type('q');
    s = await t.waitFor((x) => x.includes('tasks on 3 rows'), 'back in the timeline');
    t.type('q');
    await t.waitFor((x) => x.includes('(timeline of 22 tasks closed)') && x.includes('In [2]:'), 'the prompt again');
  } finally {
    t.close();
  }
});

test("a row's tasks in start order, ties in arrival order: packed into one number where the span allows, else by comparison", () => {
  let seed = 9;
  const r = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const cases = [
    Float64Array.from({ length: 5000 }, () => 1.79e15 + Math.floor(r() * 2e9)),
    Float64Array.from({ length: 3000 }, () => 1.79e15 + Math.floor(r() * 50)),
    Float64Array.from({ length: 2000 }, (_, i) => (i % 2 ? 1.79e15 : 0) + Math.floor(r() * 1e6)),
    Float64Array.from({ length: 1000 }, () => 1.79e15 + r() * 1e6),
    Float64Array.from([3, 1, 2, 1, 3]),
  ];
  for (const starts of cases) {
    const want = Int32Array.from({ length: starts.length }, (_, j) => j).sort((x, y) => starts[x]! - starts[y]! || x - y);
    assert.deepEqual(startOrder(starts), want);
  }
});

test('a resubmitted task is marked: cyan in the chart, "resubmitted" when selected', () => {
  const again = { ...rec('r-orig', 0, 0, 5), resubmitted: 'r-new' };
  const v = new TimelineView(TimelineModel.build([again, rec('r-new', 0, 10, 20)].map((r) => taskInterval(r))), { columns: 80, rows: 24 });
  const colour = makePainter(true);
  assert.equal(v.selectedId(), 'r-orig');
  assert.match(v.lines(plain).at(-1)!, /^r-orig resubmitted 5\.00 s/);
  assert.match(v.lines(colour)[2]!, /\x1b\[36m/, 'cyan cells');
});
