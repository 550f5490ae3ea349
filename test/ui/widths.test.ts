/**
 * Every table the shell draws, at 60, 80, 120 and 200 columns: no line is
 * wider than the terminal (a row never wraps), columns left out are named,
 * and ids are whole whenever there is room for them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fitTable, recordLines, renderErrors } from '../../src/format/index.js';
import { Text } from '../../src/records/index.js';
import { terminalRequest } from '../../src/shell/index.js';
import { makePainter, stripAnsi } from '../../src/ui/style.js';
import { TableModel, tableLines } from '../../src/ui/table-columns.js';
import { textWidth } from '../../src/ui/text-width.js';
import { RecordPager, TableViewer } from '../../src/ui/viewers.js';
import { demoShell, value } from '../shell/helpers.js';

const WIDTHS = [60, 80, 120, 200];
const plain = makePainter(false);
const colour = makePainter(true);

function fits(lines: readonly string[], width: number, what: string): void {
  for (const l of lines) assert.ok(textWidth(stripAnsi(l)) <= width, `${what} at ${width} columns: a line of ${textWidth(stripAnsi(l))}:\n${l}`);
}

test('%stats, %stats by client, %stats --hist and %errors fit 60 to 200 columns; ids whole where there is room', async () => {
  const { shell, records } = await demoShell({ count: 400 });
  let width = 0;
  shell.terminal = { history: () => [], columns: () => width, ask: async () => false };
  const clients = [...new Set(records.map((r) => r['client_uuid']).filter((c): c is string => typeof c === 'string'))];
  assert.ok(clients.length > 1 && clients.every((c) => c.length >= 30), 'client ids as long as uuids');
  for (width of WIDTHS) {
    const stats = ((await value(shell, '%stats')) as Text).text.split('\n');
    fits(stats, width, '%stats');
    assert.match(stats[0]!, /^engine\s+tasks\s+ok\s+error/);
    const note = stats.find((l) => l.startsWith('(not shown at'));
    if (width >= 120) assert.equal(note, undefined, `nothing left out at ${width}`);
    if (width === 60) assert.match(note ?? '', /^\(not shown at 60 columns: .*tasks\/s/, 'the columns left out are named');
    const byClient = ((await value(shell, '%stats by client')) as Text).text.split('\n');
    fits(byClient, width, '%stats by client');
    // columns are left out before an id is cut
    for (const c of clients) assert.ok(byClient.some((l) => l.startsWith(c + ' ')), `${c} whole at ${width}`);
    fits(((await value(shell, '%stats --hist run_time')) as Text).text.split('\n'), width, '%stats --hist');
    const errors = terminalRequest(await value(shell, '%errors'));
    assert.ok(errors?.kind === 'errors');
    const text = renderErrors(errors.report, false, width).split('\n');
    fits(text, width, '%errors');
    for (const s of errors.report.signatures) if (width >= 120) assert.ok(text.some((l) => l.includes(s.sample)), `sample ${s.sample} whole at ${width}`);
  }
});

test('an id gives way in its middle only when the columns that may be left out are gone', () => {
  const id = '0e3f5a2c-1b4d-4c6e-8f7a-9b0c1d2e3f4a';
  const { lines, dropped } = fitTable([{ title: 'client', left: true, id: true }, { title: 'tasks' }, { title: 'tasks/s', drop: 1 }], [[id, '12', '0.25']], 30);
  assert.deepEqual(dropped, ['tasks/s']);
  fits(lines, 30, 'a narrow table');
  assert.match(lines[1]!, /^0e3f5a2c-1b…b0c1d2e3f4a +12$/);
});

test('record tables, the viewer and the record pager fit 60 to 200 columns; the pager wraps at words under a hanging indent', async () => {
  const { records } = await demoShell({ count: 120 });
  const keys = ['msg_id', 'engine_uuid', 'submitted', 'started', 'completed', 'stdout', 'queue'];
  const model = new TableModel(records, keys);
  const long = records.find((r) => r['error'] !== null) ?? records[0]!;
  for (const width of WIDTHS) {
    fits(tableLines(model, width, colour), width, 'a record table');
    const v = new TableViewer(model, 1, { columns: width, rows: 20 }, () => undefined);
    fits(v.lines(colour), width, 'the table viewer');
    v.handleKey({ name: 'text', text: 'x', ctrl: false, meta: false, shift: false });
    fits(v.lines(colour), width, 'the viewer, one record per block');
    const source = [...recordLines(long, colour), `evalue: ${'a sentence of many words '.repeat(12)}`];
    const pager = new RecordPager('r', source, 'prompt', { columns: width, rows: 20 });
    pager.handleKey({ name: 'end', text: '', ctrl: false, meta: false, shift: false });
    const all = source.flatMap((l) => new RecordPager('r', [l], 'prompt', { columns: width, rows: 200 }).lines(plain).slice(0, -1).filter((x) => x !== ''));
    fits(all, width, 'the record pager');
    const sentence = all.slice(all.findIndex((l) => l.startsWith('evalue: ')));
    assert.ok(sentence.length > 1, 'the long line wraps');
    for (const l of sentence.slice(1)) assert.match(l, /^ {2}\S/, 'under a hanging indent');
    const words = new Set(['evalue:', 'a', 'sentence', 'of', 'many', 'words']);
    for (const l of sentence) for (const w of l.trim().split(/ +/)) assert.ok(words.has(w), `a word broken at ${width}: ${l}`);
  }
});
