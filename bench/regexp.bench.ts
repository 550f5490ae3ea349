/**
 * What V8's linear-time fallback (which the command turns on for user
 * patterns) costs and buys, measured through pythonRegExp, the compiler of
 * every $regex: ordinary patterns over 200,000 real-form msg_ids with and
 * without the fallback, and the catastrophic `^([0-9a-f-]+)+X$` on texts of
 * growing length (without the fallback only n=24 is measured: every four
 * characters more take about sixteen times longer).
 *
 *   npm run bench:regexp            (RUNS=3 npm run bench:regexp for a quick look)
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pythonRegExp } from '../src/query/patterns.js';

const RUNS = Number(process.env['RUNS'] ?? 7);
const FALLBACK = ['--enable-experimental-regexp-engine-on-excessive-backtracks', '--regexp-backtracks-before-fallback=10000'];
const ORDINARY = ['^b8b2f21a-[0-9a-f]+_\\d+_\\d+$', '_(\\d+)5$', 'error|Error', '^(a|b|c|\\d)+_\\d+$', '(?i)CE1CA2'];
const LENGTHS = [24, 28, 1000, 100_000];

function child(): void {
  const ids = Array.from({ length: 200_000 }, (_, i) => `b8b2f21a-ce1ca21148f5823d01917b80_20931_${i}`);
  const patterns = ORDINARY.map((p) => pythonRegExp(p, '', 'msg_id').re);
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    let n = 0;
    for (const re of patterns) for (const id of ids) if (re.test(id)) n++;
    times.push(performance.now() - t0);
    if (n === 0) throw new Error('no pattern matched');
  }
  times.sort((a, b) => a - b);
  const evil: Record<number, number> = {};
  const re = pythonRegExp('^([0-9a-f-]+)+X$', '', 'msg_id').re;
  for (const n of LENGTHS) {
    const t0 = performance.now();
    re.test('a'.repeat(n));
    evil[n] = performance.now() - t0;
  }
  process.stdout.write(JSON.stringify({ ordinary: times[Math.floor(times.length / 2)], evil }));
}

function run(flags: readonly string[], evilTimeoutMs: number): { ordinary: number; evil: Record<number, number | null> } | null {
  const r = spawnSync(process.execPath, [...flags, fileURLToPath(import.meta.url), 'child'], { encoding: 'utf8', timeout: evilTimeoutMs });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout) as { ordinary: number; evil: Record<number, number> };
}

if (process.argv[2] === 'child') child();
else {
  const on = run(FALLBACK, 120_000);
  if (!on) throw new Error('the run with the fallback failed');
  // Without the fallback the catastrophic pattern never ends: only the ordinary figure is measured there.
  const off = spawnSync(process.execPath, ['-e', `
    const { pythonRegExp } = await import(${JSON.stringify(new URL('../src/query/patterns.js', import.meta.url).href)});
    const ids = Array.from({ length: 200000 }, (_, i) => 'b8b2f21a-ce1ca21148f5823d01917b80_20931_' + i);
    const pats = ${JSON.stringify(ORDINARY)}.map((p) => pythonRegExp(p, '', 'msg_id').re);
    const t = [];
    for (let r = 0; r < ${RUNS}; r++) { const t0 = performance.now(); for (const re of pats) for (const id of ids) re.test(id); t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    const re = pythonRegExp('^([0-9a-f-]+)+X$', '', 'msg_id').re;
    const t0 = performance.now(); re.test('a'.repeat(24));
    process.stdout.write(JSON.stringify({ ordinary: t[Math.floor(t.length / 2)], evil24: performance.now() - t0 }));
  `, '--input-type=module'], { encoding: 'utf8', timeout: 120_000 });
  const plain = JSON.parse(off.stdout) as { ordinary: number; evil24: number };
  console.log(`ordinary patterns, 5 x 200,000 msg_ids, median of ${RUNS} (ms):`);
  console.log(`  backtracking only      ${plain.ordinary.toFixed(1)}`);
  console.log(`  with the fallback      ${on.ordinary.toFixed(1)}   ratio ${(on.ordinary / plain.ordinary).toFixed(2)}`);
  console.log("'^([0-9a-f-]+)+X$' on 'a' * n (ms):");
  console.log(`  backtracking only      n=24: ${plain.evil24.toFixed(1)} (each 4 more characters: about 16 times longer)`);
  for (const n of LENGTHS) console.log(`  with the fallback      n=${n}: ${on.evil[n]!.toFixed(1)}`);
}
