import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { formatJSON } from '../../src/format/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { type TaskRecord } from '../../src/records/index.js';
import { Terminal } from './support/tmux.js';

// The real binary in a real terminal (tmux): what a person sees and types.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const demo = generateDemoRecords({ count: 240 });
let home: string;

before(() => {
  home = mkdtempSync(join(tmpdir(), 'ipc-ui-home-'));
});

after(() => {
  rmSync(home, { recursive: true, force: true });
});

function ipc(args: string, options: { rows?: number; columns?: number } = {}): Terminal {
  return new Terminal(`node ${bin} ${args}`, { cwd: home, env: { HOME: home, NO_COLOR: undefined }, ...options });
}

const prompt = (n: number) => (s: string) => s.includes(`In [${n}]:`);

test("typing a documentation query: rc.db_query({'completed': None}, keys=['msg_id', 'submitted', 'started'])", async () => {
  const t = ipc('--demo');
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type("rc.db_query({'completed': None}, keys=['msg_id', 'submitted', 'started'])");
    t.send('Enter');
    let s = await t.waitFor(prompt(2), 'the answer');
    const pending = demo.filter((r) => r['completed'] === null).map((r) => r['msg_id'] as string);
    assert.ok(pending.length > 0);
    for (const id of pending) assert.ok(s.includes(id), `${id} is listed`);
    assert.match(s, /msg_id\s+submitted\s+started\s+queue wait/);
    // A multi-line paste is one input: it waits for Enter.
    t.paste("rc.db_query({\n    'queue': 'mux',\n    'completed': None,\n}, 'msg_id')");
    s = await t.waitFor((s) => s.includes("   ...: }, 'msg_id')"), 'the pasted lines');
    assert.ok(!s.includes('Out[2]'));
    t.send('Enter');
    s = await t.waitFor(prompt(3), 'the pasted statement run');
    assert.match(s, /Out\[2\]: \d+ records × 1 key/);
  } finally {
    t.close();
  }
});

test('scrolling a 100,000-row result: PgDn, End and / search answer at once', async () => {
  const file = join(home, 'tasks.jsonl');
  const keys = ['msg_id', 'submitted', 'started', 'completed', 'engine_uuid', 'queue', 'stdout'];
  const records = generateDemoRecords({ count: 100_000, seed: 5 });
  writeFileSync(file, records.map((r) => formatJSON(pick(r, keys))).join('\n') + '\n');
  const t = ipc(`--dictdb --load ${file}`, { rows: 30 });
  try {
    await t.waitFor(prompt(1), 'the prompt after loading', { timeoutMs: 30_000 });
    t.type("rc.db_query({}, ['msg_id', 'submitted', 'started', 'completed', 'stdout'])");
    t.send('Enter');
    let s = await t.waitFor((s) => /row 1 of 100001/.test(s), 'the viewer', { timeoutMs: 20_000 });
    t.send('PageDown', 'PageDown', 'PageDown');
    // 30 rows: a header, 28 rows of records, a status line; a page is 28 rows.
    s = await t.waitFor((s) => /row 85 of 100001/.test(s), 'three pages down');
    const t0 = Date.now();
    t.send('End');
    s = await t.waitFor((s) => /row 100001 of 100001/.test(s), 'the last row');
    const elapsed = Date.now() - t0;
    // Generous for a loaded CI machine: drawing the last screen itself takes about a millisecond (bench:ui).
    assert.ok(elapsed < 2000, `End took ${elapsed} ms`);
    const target = records[50_000]!['msg_id'] as string;
    t.type('/' + target);
    t.send('Enter');
    s = await t.waitFor((s) => s.includes('>' + target), 'the search hit', { timeoutMs: 10_000 });
    t.send('Enter');
    s = await t.waitFor((s) => s.includes(`${target} · lines 1–`) || s.includes(`Task ${target}`), 'the record view');
    t.send('q');
    await t.waitFor((s) => /row \d+ of 100001/.test(s), 'back in the viewer');
    t.send('q');
    s = await t.waitFor(prompt(2), 'the prompt');
    assert.match(s, /Out\[1\]: 100001 records × 5 keys/);
  } finally {
    t.close();
  }
});

test("opening a failed task's traceback with %show keeps the engine's colours", async () => {
  const failed = demo.find((r) => r['error'] !== null)!;
  const id = failed['msg_id'] as string;
  const { ename, evalue } = failed['error'] as { ename: string; evalue: string };
  const t = ipc('--demo', { rows: 60 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type(`%show ${id}`);
    t.send('Enter');
    const s = await t.waitFor((s) => s.includes(`${ename}: ${evalue}`) && (s.includes('In [2]:') || s.includes(' · lines ')), 'the record view');
    assert.ok(s.includes(`Task ${id}`));
    assert.match(s, /Traceback \(most recent call last\)/);
    const coloured = t.screenAnsi();
    assert.match(coloured, new RegExp(`\\x1b\\[31m${ename}`), 'the exception name is red, as the engine wrote it');
  } finally {
    t.close();
  }
});

test('NO_COLOR: the traceback and the prompt come without a colour; Ctrl-L clears the screen', async () => {
  const failed = demo.find((r) => r['error'] !== null)!;
  const t = new Terminal(`node ${bin} --demo`, { cwd: home, env: { HOME: home, NO_COLOR: '1' }, rows: 60 });
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type(`%show ${failed['msg_id'] as string}`);
    t.send('Enter');
    const s = await t.waitFor((s) => /Traceback \(most recent call last\)/.test(s), 'the record view');
    assert.ok(!/\x1b\[[0-9;]*m/.test(t.screenAnsi().replace(/\x1b\[(0|39|49)?m/g, '')), 'no colour on the screen');
    if (s.includes(' · lines ')) t.send('q');
    await t.waitFor(prompt(2), 'the prompt');
    t.send('C-l');
    await t.waitFor((s) => s.startsWith('In [2]:'), 'the prompt at the top of a clear screen');
  } finally {
    t.close();
  }
});

test('history across two sessions: Up recalls what the last session ran; ~/.ipc_history is 0600', async () => {
  const first = ipc('--demo');
  try {
    await first.waitFor(prompt(1), 'the first prompt');
    first.type('recent = rc.db_query({"started": {"$gte": hourago}}, ["msg_id"])');
    first.send('Enter');
    await first.waitFor(prompt(2), 'the assignment');
    first.send('C-d');
    await first.waitFor(() => first.dead(), 'the exit');
  } finally {
    first.close();
  }
  assert.equal(statSync(join(home, '.ipc_history')).mode & 0o777, 0o600);
  const second = ipc('--demo');
  try {
    await second.waitFor(prompt(1), 'the first prompt');
    second.send('Up');
    await second.waitFor((s) => s.includes('In [1]: recent = rc.db_query({"started": {"$gte": hourago}}, ["msg_id"])'), 'the recalled statement');
  } finally {
    second.close();
  }
});

test("Tab completes a key: rc.db_query({'sub⇥ gives 'submitted", async () => {
  const t = ipc('--demo');
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type("rc.db_query({'sub");
    t.send('Tab');
    await t.waitFor((s) => s.includes("In [1]: rc.db_query({'submitted"), 'the completion');
    const { x } = t.cursor();
    assert.equal(x, "In [1]: rc.db_query({'submitted".length, 'the cursor stands after the completed key');
  } finally {
    t.close();
  }
});

test('%watch re-runs a statement in place until Ctrl-C, then the prompt comes back', async () => {
  const t = ipc('--demo');
  try {
    await t.waitFor(prompt(1), 'the first prompt');
    t.type("%watch len(rc.db_query({'completed': None}, 'msg_id')) 0.3");
    t.send('Enter');
    const running = await t.waitFor((s) => /Every 0\.3s: len\(.*run [3-9], 0 changed/.test(s), 'three runs');
    assert.equal(running.split('\n').filter((l) => l.startsWith('Every 0.3s')).length, 1, 'one frame, updated in place');
    t.send('C-c');
    const s = await t.waitFor(prompt(2), 'the prompt after the watch');
    assert.match(s, /Every 0\.3s: .*run \d+, 0 changed/);
    assert.ok(!t.dead());
  } finally {
    t.close();
  }
});

function pick(r: TaskRecord, keys: readonly string[]): TaskRecord {
  const out: TaskRecord = {};
  for (const k of keys) if (k in r) out[k] = r[k]!;
  return out;
}
