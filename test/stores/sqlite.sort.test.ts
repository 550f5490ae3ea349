/**
 * The SQLite store sorts a large answer held out of submitted order in
 * slices: the same order as one sort, with the event loop turning every few
 * milliseconds, so that Ctrl-C is seen while a million rows sort.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sortInSlices } from '../../src/stores/sqlite/sort.js';
import { prng } from '../../src/stores/index.js';

function indexOf(n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => i);
}

test('the sliced sort gives the order one sort gives, across run boundaries and with ties', async () => {
  const rnd = prng(7);
  for (const n of [0, 1, 2, 1000, (1 << 14) - 1, 1 << 14, (1 << 14) + 1, 3 * (1 << 14) + 17, 100_003]) {
    const keys = Float64Array.from({ length: n }, () => Math.floor(rnd() * (n / 3 + 1)));
    const compare = (a: number, b: number) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b);
    const want = indexOf(n).sort(compare);
    const got = indexOf(n);
    await sortInSlices(got, compare);
    assert.deepEqual(got, want, `n = ${n}`);
  }
});

test('sorting a million rows lets the event loop turn: no gap between two ticks much past the slice', async () => {
  const rnd = prng(11);
  const n = 1_000_000;
  const keys = Float64Array.from({ length: n }, () => rnd());
  const index = indexOf(n);
  // each gap is measured in wall time and in the process's CPU time: on a loaded machine the process may wait for a
  // processor mid-slice (wall time only), while a sort that does not give the loop back works through the gap
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let longest = 0;
  let longestCpu = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    longest = Math.max(longest, now - last);
    longestCpu = Math.max(longestCpu, (cpu.user + cpu.system) / 1000);
    last = now;
    lastCpu = process.cpuUsage();
    ticks++;
  }, 1);
  try {
    await sortInSlices(index, (a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : a - b));
  } finally {
    clearInterval(timer);
  }
  for (let i = 1; i < n; i++) assert.ok(keys[index[i - 1]!]! <= keys[index[i]!]!, 'sorted');
  assert.ok(ticks > 10, `the loop turned ${ticks} times`);
  // a slice is 8 ms of work; one run of 16,384 sorted at once is a few more on a shared machine (the whole sort at once: over a second)
  assert.ok(longestCpu < 100, `the loop waited while the process worked ${longestCpu.toFixed(0)} ms`);
  assert.ok(longest < 500, `the longest the loop waited was ${longest.toFixed(0)} ms`);
});
