/**
 * Ctrl-C (SIGINT) while a script decodes the results of many tasks: every
 * decode is bounded by the pickle budget, and between two records the event
 * loop turns every few milliseconds, so the signal is seen: exit 130, and
 * the next statement does not run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { createShell } from '../../src/shell/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { IPC, ROOT, isolatedEnv, tempDir } from '../cli/helpers.js';
import { abortAfter } from '../support/lateness.js';

let home: ReturnType<typeof tempDir>;
let db: string;

/** A pickle (protocol 4) of list(range(n)): n BININTs and one APPENDS, which the fast decoder reads. */
function rangePickle(n: number): Uint8Array {
  const out = new Uint8Array(5 + 5 * n + 2);
  out.set([0x80, 4, 0x5d, 0x28], 0);
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    out[4 + 5 * i] = 0x4a;
    view.setInt32(5 + 5 * i, i, true);
  }
  out.set([0x65, 0x2e], 4 + 5 * n);
  return out;
}

before(async () => {
  home = tempDir('ipc-decode-interrupt-');
  db = join(home.dir, 'tasks.db');
  const store = await openSQLiteStore({ path: db, write: true, create: true });
  const result = rangePickle(20_000);
  const t0 = Timestamp.parse('2026-11-02T09:00:00.000000Z')!.us;
  const records: TaskRecord[] = [];
  for (let i = 0; i < 1500; i++) {
    const t = new Timestamp(t0 + i * 1000);
    records.push({ msg_id: `r_1_${i}`, submitted: t, started: t, completed: t, result_content: { status: 'ok' }, result_buffers: [result] });
  }
  await store.addRecords(records);
  await store.close();
});
after(() => home.remove());

/** Runs the script, sends SIGINT once the first output (or `delayMs`) has come, and says how long ipc took to end after it. */
async function interrupted(script: string, format: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const child = spawn(process.execPath, [IPC, '--sqlitedb', db, '--format', format], { cwd: ROOT, env: isolatedEnv(home.dir), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let sent = 0;
  const send = () => {
    if (sent) return;
    sent = performance.now();
    child.kill('SIGINT');
  };
  child.stdout.setEncoding('utf8').on('data', (d) => {
    stdout += d;
    // the first output is the sign that the statement is under way: decoding is, half a second on
    setTimeout(send, 500);
  });
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  child.stdin.end(script);
  // a script that prints nothing is interrupted after a while, whatever it is doing then
  const timer = setTimeout(send, 6000);
  const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  clearTimeout(kill);
  return { code, stdout, stderr, ms: performance.now() - sent };
}

for (const [what, statement, format] of [
  ['a streamed answer', "db_query({}, keys=['result'])", 'jsonl'],
  // an assignment prints nothing of its own: a print before it says when it starts
  ['an assigned answer', "print('reading')\nx = db_query({}, keys=['result'])", 'table'],
] as const) {
  test(`SIGINT while ${what} decodes 1,500 results: exit 130, and the next statement does not run`, async () => {
    const r = await interrupted(`${statement}\nprint('next')\n`, format);
    assert.equal(r.code, 130, r.stderr);
    assert.ok(!r.stdout.includes('next'), 'the next statement ran');
    assert.match(r.stderr, /line \d: Interrupted/);
    // wall time, which includes ending the process, on a machine that may be shared (before: the whole
    // answer was decoded first, about a minute here); the decodes between two looks at the signal take milliseconds
    assert.ok(r.ms < 20_000, `ipc ended ${r.ms.toFixed(0)} ms after SIGINT`);
    process.stdout.write(`# ${what}: ipc ended ${r.ms.toFixed(0)} ms after SIGINT\n`);
    if (format === 'jsonl') assert.ok(r.stdout.split("\n").length < 1500, 'the answer was cut short');
  });
}

test('Ctrl-C in the shell while a query decodes: the event loop turns every few milliseconds, the statement stops, the next runs', async () => {
  const store = await openSQLiteStore({ path: db });
  try {
    const shell = createShell({ client: await StoreClient.open(store) });
    // how long the whole statement takes on this machine, so that the Ctrl-C below comes well into its decoding
    // (reading the first records from the file is the store's part, not timed here), however fast the machine
    const t0 = performance.now();
    const [whole] = await shell.execute("y = db_query({}, keys=['result'])");
    assert.equal(whole?.error, undefined);
    const took = performance.now() - t0;
    const ac = new AbortController();
    const lateness = abortAfter(Math.round(took * 0.6), ac);
    const [o] = await shell.execute("x = db_query({}, keys=['result'])", { signal: ac.signal });
    assert.equal(o?.error?.kind, 'Interrupted');
    const { late, lateCpu } = lateness();
    assert.ok(late < 100 || lateCpu < 100, `the event loop turned ${late.toFixed(0)} ms late, ${lateCpu.toFixed(0)} ms of it working`);
    process.stdout.write(`# the timer fired ${late.toFixed(1)} ms late\n`);
    const [next] = await shell.execute('6 * 7');
    assert.equal(next?.value, 42);
  } finally {
    await store.close();
  }
});
