/**
 * The blocks a column read's two threads take from each end of a part
 * (stores/sqlite/claims.ts): every rowid of the part in exactly one block
 * taken, the bottom's taken upward and the top's downward, whether the
 * takes alternate on one thread or race on two.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { Claims, blockRange } from '../../src/stores/sqlite/claims.js';

/** Whether ranges (lo, hi] cover (from, top] exactly, none overlapping. */
function coverExactly(ranges: readonly [number, number][], from: number, top: number): void {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  let at = from;
  for (const [lo, hi] of sorted) {
    assert.equal(lo, at, `a gap or an overlap at ${at}`);
    assert.ok(hi > lo, `an empty block at ${lo}`);
    at = hi;
  }
  assert.equal(at, top);
}

test('blocks taken from both ends, turn about, cover the part once: the bottom upward, the top downward', () => {
  for (const [from, top, least] of [[0, 10_000, 1024], [5000, 5001, 64], [100, 100_000, 1000], [0, 2048, 1024]] as const) {
    const claims = new Claims(blockRange(from, top, least));
    const low: [number, number][] = [];
    const high: [number, number][] = [];
    for (let k = 0; ; k++) {
      const got = k % 2 === 0 ? claims.takeLow(1 + (k % 3)) : claims.takeHigh(1 + (k % 4));
      if (!got) break;
      (k % 2 === 0 ? low : high).push(got);
    }
    assert.equal(claims.takeLow(1), null);
    assert.equal(claims.takeHigh(1), null);
    coverExactly([...low, ...high], from, top);
    // each side's blocks run on from the last it took
    for (let i = 1; i < low.length; i++) assert.equal(low[i]![0], low[i - 1]![1]);
    for (let i = 1; i < high.length; i++) assert.equal(high[i]![1], high[i - 1]![0]);
    assert.equal(claims.highStart(), high.length > 0 ? high[high.length - 1]![0] : top);
  }
});

test('a part of a billion rowids is cut into at most 65,535 blocks (each side counts its own in 16 bits)', () => {
  const range = blockRange(0, 1e9, 1024);
  assert.ok(range.count <= 0xffff, `${range.count} blocks`);
  assert.ok(range.size * range.count >= 1e9);
  const claims = new Claims(range);
  let taken = 0;
  for (let got = claims.takeHigh(4096); got; got = claims.takeHigh(4096)) taken += got[1] - got[0];
  assert.equal(taken, 1e9);
});

test('two threads racing for the blocks of one part take each block once', async () => {
  const range = blockRange(0, 4_000_000, 64);
  for (let round = 0; round < 3; round++) {
    const claims = new Claims(range);
    // the worker waits on this word, once its module is loaded, until it is set
    const start = new Int32Array(new SharedArrayBuffer(4));
    const url = new URL('../../src/stores/sqlite/claims.js', import.meta.url).href;
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData.url).then(({ Claims }) => {
        const claims = new Claims(workerData.range, workerData.word);
        const start = new Int32Array(workerData.start);
        parentPort.postMessage('ready');
        Atomics.wait(start, 0, 0);
        const got = [];
        for (let g = claims.takeHigh(1); g; g = claims.takeHigh(1)) got.push(g);
        parentPort.postMessage(got);
      });`;
    const worker = new Worker(code, { eval: true, workerData: { url, range, word: claims.buffer, start: start.buffer } });
    const next = () => new Promise<unknown>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    assert.equal(await next(), 'ready');
    const theirs = next();
    Atomics.store(start, 0, 1);
    Atomics.notify(start, 0);
    // once the worker has taken a block (on a busy machine it may be slow to wake), both take blocks at once
    const until = Date.now() + 10_000;
    while (claims.highStart() === range.top && Date.now() < until);
    const mine: [number, number][] = [];
    for (let g = claims.takeLow(1); g; g = claims.takeLow(1)) mine.push(g);
    const other = (await theirs) as [number, number][];
    await worker.terminate();
    assert.ok(other.length > 0, 'the worker took no block in 10 s');
    coverExactly([...mine, ...other], 0, 4_000_000);
    assert.equal(mine.length + other.length, range.count);
  }
});
