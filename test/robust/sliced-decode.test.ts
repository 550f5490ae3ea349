/**
 * A large pickle is decoded in slices before a statement reads it: the
 * event loop turns every few milliseconds even inside one pickle that runs
 * to its whole budget, so Ctrl-C stops the statement at once; the value, or
 * the sentence, is exactly what decoding it at once gives.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { taskResultValue } from '../../src/payload/index.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { createShell } from '../../src/shell/index.js';
import { DictDB } from '../../src/stores/dictdb.js';
import { repeated } from '../support/bombs.js';
import { abortAfter } from '../support/lateness.js';

const t0 = Timestamp.parse('2026-11-02T09:00:00.000000Z')!.us;

function record(i: number, result: Uint8Array): TaskRecord {
  const t = new Timestamp(t0 + i * 1000);
  return { msg_id: `big_1_${i}`, submitted: t, started: t, completed: t, result_content: { status: 'ok' }, result_buffers: [result] };
}

/** A protocol 4 pickle of one str, as BINUNICODE8. */
function strPickle(s: string): Uint8Array {
  const body = Buffer.from(s, 'utf8');
  const head = Buffer.alloc(11);
  head.set([0x80, 4, 0x8d]);
  head.writeBigUInt64LE(BigInt(body.length), 3);
  return Uint8Array.from(Buffer.concat([head, body, Buffer.from([0x2e])]));
}

/** A protocol 4 pickle of a list of n short strs (SHORT_BINUNICODE, APPENDS): at 90,000, megabytes, decoded in slices by the full decoder. */
function strListPickle(n: number): Uint8Array {
  const parts: number[] = [0x80, 4, 0x5d, 0x28];
  for (let i = 0; i < n; i++) {
    const b = Buffer.from(`é${i}${'x'.repeat(24)}`, 'utf8');
    parts.push(0x8c, b.length, ...b);
  }
  parts.push(0x65, 0x2e);
  return Uint8Array.from(parts);
}

/** What reading each record's result at once gives: the value, or the error's sentence. */
function atOnce(rec: TaskRecord): unknown {
  const copy: TaskRecord = { ...rec, result_buffers: (rec['result_buffers'] as Uint8Array[]).map((b) => b.slice()) };
  try {
    return taskResultValue(copy);
  } catch (e) {
    return (e as Error).message;
  }
}

test('values and sentences of large pickles decoded in slices equal those decoded at once', async () => {
  // text over a megabyte with a multi-byte character across each megabyte's boundary
  const text = ('a'.repeat(1024 * 1024 - 1) + 'é').repeat(3);
  const pickles = [strPickle(text), strListPickle(90_000), repeated([0x80, 4, 0x5d], [0x5d, 0x4b, 7, 0x61, 0x61], 500_000, [0x2e])];
  const db = new DictDB({ recordLimit: 100 });
  const records = pickles.map((p, i) => record(i, p));
  for (const r of records) await db.addRecord(r['msg_id'] as string, r);
  const shell = createShell({ client: await StoreClient.open(db) });
  const [x] = await shell.execute("x = db_query({}, keys=['msg_id', 'result'])");
  assert.equal(x?.error, undefined);
  const [got] = await shell.execute('[str(r["result"])[:200] for r in x]');
  const want = records.map((r) => atOnce(r));
  assert.equal(typeof want[0], 'string');
  assert.equal((want[0] as string).length, text.length);
  assert.ok(Array.isArray(want[1]) && (want[1] as unknown[]).length === 90_000);
  assert.match(String(want[2]), /runs more than 1,600,000 opcodes/);
  const [same] = await shell.execute("[r['result'] for r in x][:2] == [r['result'] for r in db_query({}, keys=['result'])][:2]");
  assert.equal(same?.value, true);
  // the decoded answer holds what decoding at once gives
  const [first] = await shell.execute("x[0]['result'] == 'a' * (1024 * 1024 - 1) + 'é' + 'a' * (1024 * 1024 - 1) + 'é' + 'a' * (1024 * 1024 - 1) + 'é'");
  assert.equal(first?.value, true);
  const [second] = await shell.execute("x[1]['result'][89999]");
  assert.equal(second?.value, (want[1] as unknown[])[89_999]);
  assert.ok(Array.isArray(got?.value));
  const [third] = await shell.execute("str(x[2]['result'])");
  assert.match(String(third?.value), /runs more than 1,600,000 opcodes/);
  const [viaGet] = await shell.execute("rc.get_result('big_1_1').get()[:3]");
  assert.deepEqual(viaGet?.value, (want[1] as unknown[]).slice(0, 3));
});

test('Ctrl-C while pickles that each run to the whole budget are decoded: the event loop turns within milliseconds', async () => {
  const bomb = repeated([0x80, 4, 0x5d], [0x5d, 0x4b, 7, 0x61, 0x61], 500_000, [0x2e]);
  const db = new DictDB({ recordLimit: 100 });
  for (let i = 0; i < 8; i++) await db.addRecord(`big_1_${i}`, record(i, bomb.slice()));
  const shell = createShell({ client: await StoreClient.open(db) });
  // one pickle runs to its budget in about 130 ms on a quiet machine: %show of one task is stopped at half the time
  // %show of another takes whole (each record's value is decoded once, so not the same task)
  const t = performance.now();
  const [whole] = await shell.execute("%show 'big_1_6'");
  assert.equal(whole?.error, undefined);
  const showMs = performance.now() - t;
  const stopAt: Record<string, number> = { "%show 'big_1_5'": Math.min(150, showMs / 2) };
  for (const statement of ["x = db_query({}, keys=['result'])", "rc.get_result(['big_1_0', 'big_1_1', 'big_1_2', 'big_1_3']).get()", "%show 'big_1_5'"]) {
    const ac = new AbortController();
    const lateness = abortAfter(stopAt[statement] ?? 150, ac);
    const [o] = await shell.execute(statement, { signal: ac.signal });
    assert.equal(o?.error?.kind, 'Interrupted', statement);
    const { late, lateCpu } = lateness();
    assert.ok(late < 100 || lateCpu < 100, `${statement}: the event loop turned ${late.toFixed(0)} ms late, ${lateCpu.toFixed(0)} ms of it working`);
    process.stdout.write(`# ${statement}: the timer fired ${late.toFixed(1)} ms late\n`);
  }
});
