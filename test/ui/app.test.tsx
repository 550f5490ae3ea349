import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordList } from '../../src/client/index.js';
import { mount, tail } from './support/mount.js';

const ENTER = '\r';
const DOWN = '\x1b[B';
const PGDN = '\x1b[6~';
const END = '\x1b[F';
const RIGHT = '\x1b[C';

/** msg_id of the first row, as drawn. */
function firstId(ui: { session: { table: { model: { records: { at(i: number): Record<string, unknown> | undefined } } } | null } }): string {
  return ui.session.table!.model.records.at(0)!['msg_id'] as string;
}

test('the banner names the store, the record count, the time span and rc.session.session', async () => {
  const ui = await mount();
  try {
    const f = await ui.until((f) => f.includes('In [1]:'), 'the first prompt');
    assert.match(f, /DictDB the embedded demo store/);
    assert.match(f, /241 task records, submitted \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} … /);
    assert.ok(f.includes(`rc.session.session = '${ui.session.shell.client.session.session}'`));
  } finally {
    ui.unmount();
  }
});

test("typing rc.db_query({'completed': None}, ['msg_id', 'submitted']) shows the pending tasks as a table", async () => {
  const ui = await mount();
  try {
    const pending = (await ui.session.shell.client.dbQuery({ completed: null }, ['msg_id'])).records.map((r) => r['msg_id'] as string);
    assert.ok(pending.length > 0);
    ui.stdin.write("rc.db_query({'completed': None}, ['msg_id', 'submitted'])");
    ui.stdin.write(ENTER);
    const f = await ui.until((f) => f.includes('In [2]:'), 'the next prompt');
    assert.match(f, /Out\[1\]: \d+ records × 2 keys/);
    assert.match(f, /msg_id\s+submitted/);
    for (const id of pending) assert.ok(f.includes(id), `pending task ${id} is listed`);
  } finally {
    ui.unmount();
  }
});

test('open brackets continue on a `...:` line; Enter on the closed statement runs it', async () => {
  const ui = await mount();
  try {
    ui.stdin.write("rc.db_query({'queue': 'mux',");
    ui.stdin.write(ENTER);
    await ui.until((f) => tail(f, 3).includes('   ...:'), 'the continuation prompt');
    ui.stdin.write("'completed': None}, 'msg_id')");
    ui.stdin.write(ENTER);
    const f = await ui.until((f) => f.includes('In [2]:'), 'the answer');
    assert.match(f, /In \[1\]: rc\.db_query\(\{'queue': 'mux',\n   \.\.\.: 'completed': None\}, 'msg_id'\)/);
    assert.equal(ui.session.history.entries.at(-1), "rc.db_query({'queue': 'mux',\n'completed': None}, 'msg_id')");
  } finally {
    ui.unmount();
  }
});

test('a bracketed paste of several lines is one input, run only on Enter', async () => {
  const ui = await mount();
  try {
    ui.stdin.write('\x1b[200~');
    ui.stdin.write('rc.db_query({\r    "queue": "task",\r    "completed": None,\r}, ["msg_id"])');
    ui.stdin.write('\x1b[201~');
    await ui.until((f) => tail(f, 5).includes('["msg_id"])'), 'the pasted text');
    assert.equal(ui.session.buffer.text.split('\n').length, 4);
    assert.ok(!ui.frame().includes('Out[1]'));
    ui.stdin.write(ENTER);
    await ui.until((f) => f.includes('In [2]:'), 'the answer');
  } finally {
    ui.unmount();
  }
});

test('Tab completes a TaskRecord key inside quotes', async () => {
  const ui = await mount();
  try {
    ui.stdin.write("rc.db_query({'sub");
    ui.stdin.write('\t');
    await ui.until(() => ui.session.buffer.text.startsWith("rc.db_query({'submitted"), 'the completed key');
    // Typing goes on while completions are pending.
    ui.stdin.write("': None})");
    await ui.until(() => ui.session.buffer.text.endsWith("': None})"), 'more typing');
  } finally {
    ui.unmount();
  }
});

test('Up recalls the previous statement and Ctrl-R finds an older one', async () => {
  const ui = await mount();
  try {
    for (const s of ['x = 1', "rc.db_query({'queue': 'mux', 'completed': None}, 'msg_id')", 'y = 2']) {
      ui.stdin.write(s);
      ui.stdin.write(ENTER);
    }
    await ui.until((f) => f.includes('In [4]:'), 'three inputs');
    ui.stdin.write('\x1b[A');
    await ui.until(() => ui.session.buffer.text === 'y = 2', 'Up');
    ui.stdin.write('\x15'); // Ctrl-U
    ui.stdin.write('\x12'); // Ctrl-R
    ui.stdin.write('mux');
    await ui.until((f) => f.includes("(reverse-i-search)'mux': rc.db_query"), 'the search line');
    ui.stdin.write('\x1b[C');
    await ui.until(() => ui.session.buffer.text === "rc.db_query({'queue': 'mux', 'completed': None}, 'msg_id')", 'the match taken');
  } finally {
    ui.unmount();
  }
});

test('a result taller than the screen opens the viewer, which draws only its window', async () => {
  const ui = await mount({ count: 2000, rows: 20 });
  try {
    ui.stdin.write("rc.db_query({}, ['msg_id', 'submitted', 'started', 'completed', 'stdout'])");
    ui.stdin.write(ENTER);
    let f = await ui.until((f) => /row 1 of 2001/.test(f), 'the viewer');
    assert.ok(ui.session.mode === 'table');
    assert.equal(f.split('\n').length, 20, 'the viewer fills the screen, no more');
    await ui.until(() => ui.stdout.frames.some((w) => w.includes('\x1b[?1049h')), 'the alternate screen');
    await ui.until(() => ui.stdout.frames.some((w) => w.includes(firstId(ui))), 'the rows drawn');
    assert.deepEqual(ui.session.table!.model.columns.map((c) => c.title).slice(-2), ['queue wait', 'run time']);
    ui.stdin.write(DOWN);
    ui.stdin.write(DOWN);
    f = await ui.until((f) => /row 3 of 2001/.test(f), 'Down');
    ui.stdin.write(PGDN);
    f = await ui.until((f) => /row 21 of 2001/.test(f), 'PgDn (a page is 18 rows)');
    ui.stdin.write(END);
    f = await ui.until((f) => /row 2001 of 2001/.test(f), 'End');
    const last = ui.session.table!.model.records.at(2000)!['msg_id'] as string;
    assert.ok(f.includes('>' + last), 'the last record is selected');
    // → selects the next column and scrolls only when it would not show whole; msg_id stays
    for (let i = 0; i < 3; i++) ui.stdin.write(RIGHT);
    f = await ui.until((f) => /column completed 4\/7/.test(f), '→ to the fourth column');
    assert.match(tail(f, 20), /msg_id\s+started\s+completed/);
    for (let i = 0; i < 6; i++) ui.stdin.write(RIGHT);
    f = await ui.until((f) => /column run time 7\/7/.test(f), '→ until the last column shows');
    assert.match(tail(f, 20), /msg_id\s+queue wait\s+run time/);
    ui.stdin.write('q');
    f = await ui.until((f) => f.includes('In [2]:'), 'back at the prompt');
    assert.match(f, /Out\[1\]: 2001 records × 5 keys/);
    assert.ok(ui.stdout.frames.some((w) => w.includes('\x1b[?1049l')), 'the main screen is back');
  } finally {
    ui.unmount();
  }
});

test('`/` searches the viewer and Enter opens the record view of the row found; q goes back', async () => {
  const ui = await mount({ count: 300, rows: 20 });
  try {
    const failed = (await ui.session.shell.client.dbQuery({ 'result_content.status': 'error' }, ['msg_id'])).records[0]!['msg_id'] as string;
    ui.stdin.write("rc.db_query({}, ['msg_id', 'submitted'])");
    ui.stdin.write(ENTER);
    await ui.until((f) => /row 1 of/.test(f), 'the viewer');
    ui.stdin.write('/');
    ui.stdin.write(failed);
    ui.stdin.write(ENTER);
    await ui.until((f) => f.includes('>' + failed), 'the row found');
    ui.stdin.write(ENTER);
    const f = await ui.until((f) => f.includes(`${failed} · lines 1–`), 'the record view');
    assert.match(f, /Task [0-9a-f_-]+ {2}error/);
    ui.stdin.write('q');
    await ui.until((f) => /row \d+ of 301/.test(tail(f, 2)), 'the viewer again');
    ui.stdin.write('q');
    await ui.until((f) => f.includes('In [2]:'), 'the prompt');
  } finally {
    ui.unmount();
  }
});

test('%show of a failed task gives the record view with the traceback in its engine colours', async () => {
  const ui = await mount({ colour: true, rows: 200 });
  try {
    const failed = (await ui.session.shell.client.dbQuery({ 'result_content.status': 'error' })).records[0]!;
    const id = failed['msg_id'] as string;
    ui.stdin.write(`%show ${id}`);
    ui.stdin.write(ENTER);
    const f = await ui.until((f) => f.includes('In [2]:'), 'the record view');
    const ename = (failed['error'] as { ename: string }).ename;
    assert.ok(f.includes(`Task ${id}`));
    assert.match(f, new RegExp(`error ${ename}: `));
    assert.match(f, /queue wait\s+\d+\.\d{3} s/);
    assert.ok(ui.frame(true).includes(`\x1b[31m${ename}\x1b[39m`), 'the traceback keeps its ANSI colours');
  } finally {
    ui.unmount();
  }
});

test('Ctrl-C cancels the running statement, not the session', async () => {
  const ui = await mount();
  try {
    const pending = (await ui.session.shell.client.dbQuery({ completed: null }, ['msg_id'])).records[0]!['msg_id'] as string;
    ui.stdin.write(`rc.wait(['${pending}'], 60)`);
    ui.stdin.write(ENTER);
    await ui.until(() => ui.session.mode === 'running', 'the statement running');
    ui.stdin.write('\x03');
    const f = await ui.until((f) => f.includes('In [2]:'), 'the prompt after Ctrl-C');
    assert.match(f, /^KeyboardInterrupt$/m);
    assert.equal(ui.exitCode(), null);
    ui.stdin.write('\x04'); // Ctrl-D on an empty line leaves
    await ui.until(() => ui.exitCode() === 0, 'the exit');
  } finally {
    ui.unmount();
  }
});

test('%watch re-runs the statement, marks the rows that changed, and Ctrl-C stops it', async () => {
  const ui = await mount();
  try {
    const pending = (await ui.session.shell.client.dbQuery({ completed: null }, ['msg_id'])).records[0]!['msg_id'] as string;
    ui.stdin.write("%watch rc.db_query({'completed': None}, ['msg_id', 'stdout']) 0.2");
    ui.stdin.write(ENTER);
    await ui.until((f) => /Every 0\.2s: [^]*?run 2, 0 changed/.test(f), 'two quiet runs');
    await ui.store.updateRecord(pending, { stdout: 'progress: 50%\n' });
    const f = await ui.until((f) => /run \d+, 1 changed/.test(f), 'the change seen');
    assert.ok(f.split('\n').some((l) => l.startsWith('* ') && l.includes(pending) && l.includes('progress: 50%')), 'the changed row is marked');
    ui.stdin.write('\x03');
    await ui.until((f) => f.includes('In [2]:'), 'the prompt');
    assert.equal(ui.session.mode, 'prompt');
  } finally {
    ui.unmount();
  }
});

test('without colour no escape sequence is drawn; a resize re-lays out the viewer', async () => {
  const ui = await mount({ colour: false, count: 500, rows: 20 });
  try {
    ui.stdin.write('rc.db_query({})');
    ui.stdin.write(ENTER);
    await ui.until((f) => /row 1 of 501/.test(f), 'the viewer');
    const raw = ui.frame(true);
    assert.ok(!/\x1b\[[0-9;]*m/.test(raw), 'no SGR sequence');
    ui.session.resize(60, 12);
    const f = await ui.until((f) => tail(f, 12).split('\n').every((l) => l.length <= 60) && /row 1 of 501/.test(f), 'the narrow layout');
    assert.ok(tail(f, 12).includes('msg_id'));
  } finally {
    ui.unmount();
  }
});

test('errors print one sentence and the session goes on', async () => {
  const ui = await mount();
  try {
    ui.stdin.write("rc.db_query({'submited': None})");
    ui.stdin.write(ENTER);
    const f = await ui.until((f) => f.includes('In [2]:'), 'the next prompt');
    assert.match(f, /(Key|Query)Error: .*did you mean 'submitted'/);
    assert.ok(!/\n\s+at /.test(f), 'no stack trace');
  } finally {
    ui.unmount();
  }
});

test('values show as Out[n] and can be used again as _ and Out[n]', async () => {
  const ui = await mount();
  try {
    ui.stdin.write('len(rc.db_query({}, "msg_id"))');
    ui.stdin.write(ENTER);
    ui.stdin.write('_ * 2');
    ui.stdin.write(ENTER);
    ui.stdin.write('Out[1] + Out[2]');
    ui.stdin.write(ENTER);
    const f = await ui.until((f) => f.includes('In [4]:'), 'three answers');
    assert.match(f, /Out\[1\]: 241\n/);
    assert.match(f, /Out\[2\]: 482\n/);
    assert.match(f, /Out\[3\]: 723\n/);
  } finally {
    ui.unmount();
  }
});

test('purge_results asks first: n keeps every record, y deletes the completed ones', async () => {
  const ui = await mount();
  try {
    const before = (await ui.session.shell.client.dbQuery({}, 'msg_id')).length;
    ui.stdin.write("rc.purge_results('all')");
    ui.stdin.write(ENTER);
    await ui.until((f) => /purge_results deletes every completed record .*Go on\? \[y\/N\]/.test(f), 'the question');
    ui.stdin.write('n');
    let f = await ui.until((f) => f.includes('In [2]:'), 'the prompt');
    assert.match(f, /not\s+confirmed, nothing was deleted/);
    assert.equal((await ui.session.shell.client.dbQuery({}, 'msg_id')).length, before);
    ui.stdin.write("rc.purge_results('all')");
    ui.stdin.write(ENTER);
    await ui.until((f) => /Go on\? \[y\/N\]\s*$/.test(f.trimEnd() + ' '), 'the question again');
    ui.stdin.write('y');
    f = await ui.until((f) => f.includes('In [3]:'), 'the prompt');
    const left = (await ui.session.shell.client.dbQuery({}, ['msg_id', 'completed'])).records;
    assert.ok(left.length < before && left.every((r) => r['completed'] === null), 'only the pending tasks are left');
  } finally {
    ui.unmount();
  }
});

test('a `/` search through many rows runs in slices: keys still answer and Esc stops it', async () => {
  const ui = await mount({ rows: 20 });
  try {
    const base = (await ui.session.shell.client.dbQuery({}, ['msg_id', 'submitted', 'stdout'])).records;
    const records = Array.from({ length: 400_000 }, (_, i) => ({ ...base[i % base.length]!, msg_id: `${i}` }));
    ui.session.showValue(new RecordList(['msg_id', 'submitted', 'stdout'], records), 1);
    ui.stdin.write('/');
    ui.stdin.write('1999-01-01');
    ui.stdin.write(ENTER);
    await ui.until((f) => /searching \/1999-01-01 \(\d+%, Esc stops\)/.test(f), 'the search under way');
    ui.stdin.write('\x1b');
    let f = await ui.until((f) => /search stopped/.test(f), 'the search stopped');
    assert.match(f, /row 1 of 400000/);
    ui.stdin.write('/');
    ui.stdin.write('399999');
    ui.stdin.write(ENTER);
    f = await ui.until((f) => /row 400000 of 400000/.test(f), 'the last row found', 20_000);
    assert.ok(f.includes('>399999'));
  } finally {
    ui.unmount();
  }
});

test('an answer that fits the height but not the width prints in the scrollback as blocks; the next keys reach the prompt', async () => {
  const ui = await mount({ rows: 40 });
  try {
    await ui.until((f) => f.includes('In [1]:'), 'the first prompt');
    ui.stdin.write("db_query({'completed': {'$ne': None}}, ['msg_id', 'submitted', 'started', 'completed', 'engine_uuid', 'queue', 'stdout'])[:2]");
    ui.stdin.write(ENTER);
    ui.stdin.write('1 + 1');
    ui.stdin.write(ENTER);
    const f = await ui.until((f) => f.includes('In [3]:'), 'both inputs run');
    assert.equal(ui.session.mode, 'prompt', 'no viewer opened');
    assert.match(f, /Out\[1\]: 2 records × 7 keys\n-\[ RECORD 1 \]-+\nmsg_id\s+│ \S+/);
    assert.match(f, /-\[ RECORD 2 \]/);
    assert.match(f, /run time\s+│ \d/);
    assert.match(f, /Out\[2\]: 2/);
  } finally {
    ui.unmount();
  }
});
