import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordList } from '../../src/client/index.js';
import { DEFAULT_KEYS, Timestamp, type TaskRecord } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { recordLines } from '../../src/format/index.js';
import { makePainter, stripAnsi } from '../../src/ui/style.js';
import { MAX_TEXT_WIDTH, TableModel, tableLines } from '../../src/ui/table-columns.js';
import { fitId, textWidth } from '../../src/ui/text-width.js';

const plain = makePainter(false);
const colour = makePainter(true);
const demo = generateDemoRecords({ count: 60, seed: 7 });

test('columns are the keys asked for, msg_id first, then queue wait and run time', () => {
  const m = new TableModel(demo, ['msg_id', 'submitted', 'started', 'completed', 'stdout']);
  assert.deepEqual(m.columns.map((c) => c.title), ['msg_id', 'submitted', 'started', 'completed', 'stdout', 'queue wait', 'run time']);
  const noTimes = new TableModel(demo, ['msg_id', 'queue']);
  assert.deepEqual(noTimes.columns.map((c) => c.title), ['msg_id', 'queue']);
});

test('datetimes show in local time with milliseconds, queue wait is started − submitted', () => {
  const rec: TaskRecord = {
    msg_id: 'a1',
    submitted: Timestamp.parse('2026-11-02T10:00:00.123456Z')!,
    started: Timestamp.parse('2026-11-02T10:00:01.623456Z')!,
    completed: null,
  };
  const m = new TableModel([rec], ['msg_id', 'submitted', 'started', 'completed']);
  const row = m.row(0, 1, 200, plain);
  assert.ok(row.includes((rec['submitted'] as Timestamp).toLocalString(3)), row);
  assert.match(row, /\.123 /);
  assert.match(row, /1\.500 s/);
  assert.match(row, /None/);
});

test('None is dimmed, long text is cut with … at the column width', () => {
  const rec: TaskRecord = { msg_id: 'b2', stdout: 'x'.repeat(200) + '\nsecond line', engine_uuid: null };
  const m = new TableModel([rec], ['msg_id', 'stdout', 'engine_uuid']);
  const row = m.row(0, 1, 300, colour);
  assert.ok(row.includes('\x1b[2mNone'), JSON.stringify(row));
  const cell = stripAnsi(row).split('  ').find((c) => c.startsWith('xxx'))!;
  assert.equal(textWidth(cell), MAX_TEXT_WIDTH);
  assert.ok(cell.endsWith('…'));
});

test('a row never exceeds the width, msg_id stays when scrolling right by columns', () => {
  const m = TableModel.of(new RecordList(['msg_id', ...DEFAULT_KEYS.filter((k) => k !== 'msg_id')], demo));
  for (const first of [1, 5, 12]) {
    for (let i = 0; i < m.rowCount; i++) assert.ok(textWidth(stripAnsi(m.row(i, first, 80, colour))) <= 80);
  }
  const header = stripAnsi(m.header(5, 200, plain));
  assert.ok(header.startsWith('msg_id'));
  assert.ok(header.includes(m.columns[5]!.title));
  assert.ok(!header.includes(' ' + m.columns[2]!.title + ' '));
});

test('wide characters are measured as two columns', () => {
  const recs: TaskRecord[] = [{ msg_id: 'c', stdout: '進捗: 50% 完了' }, { msg_id: 'd', stdout: 'ascii' }];
  const lines = tableLines(new TableModel(recs, ['msg_id', 'stdout']), 80, plain);
  const widths = lines.filter((l) => !l.startsWith('─')).map((l) => textWidth(l.trimEnd()));
  assert.equal(widths[1], 'msg_id'.length + 2 + 14);
  assert.equal(lines[0]!.indexOf('stdout'), lines[3]!.indexOf('ascii'));
});

test('the record view has every field: timing, streams in full, traceback colours, JSON header, buffer sizes', () => {
  const failed = demo.find((r) => r['error'] !== null)!;
  const lines = recordLines(failed, colour);
  const text = lines.join('\n');
  assert.ok(text.includes(failed['msg_id'] as string));
  assert.match(stripAnsi(text), /queue wait\s+\d+\.\d{3} s/);
  assert.match(stripAnsi(text), /run time\s+\d+\.\d{3} s/);
  assert.ok(text.includes('\x1b[0;31m'), 'the engine’s ANSI colours are kept');
  assert.match(stripAnsi(text), /"msg_type": "(apply|execute)_request"/);
  assert.match(stripAnsi(text), /buffers\s+\d+ buffers?, \d+ bytes/);
  const noColour = recordLines(failed, plain).join('\n');
  assert.ok(!noColour.includes('\x1b'), 'without colour no escape sequence is left');
  const withStdout = demo.find((r) => typeof r['stdout'] === 'string' && (r['stdout'] as string).includes('\n') && (r['stdout'] as string).length > 10)!;
  const out = recordLines(withStdout, plain);
  for (const l of (withStdout['stdout'] as string).trimEnd().split('\n')) assert.ok(out.includes('  ' + l));
});

test("the shell's settings reach the table: timezone 'utc' and maxColumnWidth", () => {
  const rec: TaskRecord = { msg_id: 'e5', submitted: Timestamp.parse('2026-11-02T10:00:00.123456Z')!, stdout: 'y'.repeat(100) };
  const m = new TableModel([rec], ['msg_id', 'submitted', 'stdout'], { utc: true, maxColumnWidth: 20 });
  const row = m.row(0, 1, 300, plain);
  assert.ok(row.includes('2026-11-02 10:00:00.123'), row);
  assert.equal(m.columns[2]!.width, 20);
});

test('an id too wide for its column loses its middle, never its _pid_n tail; one that fits stays whole', () => {
  const id = 'b8b2f21a-ce1ca21148f5823d01917b80_20931_14';
  assert.equal(fitId(id, 50), id + ' '.repeat(8));
  assert.equal(fitId(id, id.length), id);
  const short = fitId(id, 24);
  assert.equal(textWidth(short), 24);
  assert.ok(short.endsWith('_20931_14') && short.startsWith('b8b2f21a') && short.includes('…'), short);
  const uuid = '4f2a9c1e-8b7d-4e6f-9a3b-2c1d0e9f8a7b';
  assert.ok(fitId(uuid, 13).endsWith(uuid.slice(-6)), 'a uuid keeps its end too');
  const rec: TaskRecord = { msg_id: id, engine_uuid: '021c4e6d-6019f62345981736c5e26f05' };
  const m = new TableModel([rec], ['msg_id', 'engine_uuid'], { maxColumnWidth: 10 });
  assert.equal(m.columns[0]!.width, id.length, 'maxColumnWidth does not cut ids');
  assert.ok(m.row(0, 1, 200, plain).includes(id) && m.row(0, 1, 200, plain).includes(rec['engine_uuid'] as string));
  assert.ok(m.row(0, 1, 30, plain).startsWith(fitId(id, 30)));
});
