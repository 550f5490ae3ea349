/**
 * The robustness suite: ordinary and hostile input through the real
 * `node bin/ipc.js`, and generated statements (fast-check, from the
 * statement grammar, with random sizes). Whatever the input, the process
 * ends with status 0, 1, 2 or 130; stderr holds only `line N: Kind: sentence`
 * (with caret lines) or `ipc: sentence`; never an internal error or a stack
 * frame; within a time bound and a peak RSS bound.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { FIXTURE_DB, IPC, ROOT, isolatedEnv, runIpc, tempDir } from '../cli/helpers.js';
import { havePython, runPython } from '../support/python.js';
import { mkfifoSync } from './support/fifo.js';

let tmp: ReturnType<typeof tempDir>;
let env: NodeJS.ProcessEnv;
before(() => {
  tmp = tempDir('ipc-robust-');
  env = isolatedEnv(tmp.dir);
});
after(() => tmp.remove());

/** A child's heap is held small here so that the RSS bound is tight; the budget follows the heap limit. */
const HEAP_MB = 384;
const RSS_BOUND_KB = 900 * 1024;
const TIME_BOUND_MS = 30_000;

interface Checked {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly peakKb: number;
}

let runs = 0;
/** Runs ipc on `script` (a file), and checks what every run must satisfy. */
async function checked(script: string, args: readonly string[] = [], what = script.slice(0, 80)): Promise<Checked> {
  const file = join(tmp.dir, `s${++runs}.ipc`);
  const rss = join(tmp.dir, `rss${runs}`);
  writeFileSync(file, script);
  const t0 = performance.now();
  const run = await runIpc([...args, file], {
    env: { ...env, IPC_PEAK_RSS_FILE: rss },
    cwd: tmp.dir,
    timeoutMs: TIME_BOUND_MS,
    nodeArgs: [`--max-old-space-size=${HEAP_MB}`, '--import', join(ROOT, 'test', 'robust', 'support', 'peak-rss.mjs')],
  });
  const ms = performance.now() - t0;
  const peakKb = Number(readFileSync(rss, 'utf8'));
  assertWellFormed(run, what);
  assert.ok(peakKb < RSS_BOUND_KB, `${what}: peak RSS ${Math.round(peakKb / 1024)} MB`);
  return { ...run, ms, peakKb };
}

function assertWellFormed(run: { code: number | null; stderr: string }, what: string): void {
  assert.ok([0, 1, 2, 130].includes(run.code ?? -1), `${what}: exit status ${run.code}\n${run.stderr.slice(0, 500)}`);
  assert.doesNotMatch(run.stderr, /internal error|Exception in PromiseRejectCallback|MaxListenersExceededWarning|Warning:/, what);
  assert.doesNotMatch(run.stderr, /^\s+at .*:\d+:\d+\)?$/m, `${what}: a stack frame on stderr`);
  for (const line of run.stderr.split('\n')) {
    if (line === '' || line.startsWith('  ')) continue;
    assert.match(line, /^(line \d+: [A-Z][A-Za-z]+: .+|ipc: .+)$/, `${what}: stderr line ${JSON.stringify(line.slice(0, 200))}`);
    assert.ok(line.length < 1000, `${what}: a stderr line of ${line.length} characters`);
  }
}

test('the defects of the adversarial pass each end in one sentence', async () => {
  const cases: [string, string, RegExp | null][] = [
    ['runaway recursion', 'f = lambda x: x(x)\nf(f)\n1', /^line 2: RecursionError: maximum recursion depth exceeded$/m],
    ['200,000 statements', Array.from({ length: 200_000 }, (_, i) => `x${i} = ${i}`).join('\n') + '\nx199999', null],
    ['a table of 130,000 rows', "[{'a': i} for i in range(130000)]", null],
    ['a cyclic dict', "d = {}\nd['me'] = d\nd", null],
    ['ago past the year 1', "ago('999999999999999d')\nago('9999999d')", /^line 1: OverflowError: .*\nline 2: OverflowError: date value out of range/],
    ['a list doubled past the budget', 'a = [0] * 10**6\n' + 'a = a + a\n'.repeat(7) + 'len(a)', /MemoryError/],
    ['a string doubled past the budget', "s = 'x' * 10**8\ns = s + s\ns = s + s\nlen(s)", /MemoryError/],
    ['len of a large string', "s = 'x' * (5 * 10**6)\nlen(s)", null],
    ['a comprehension over a large list', 'a = [0] * 200000\nlen([x + 1 for x in a])', null],
    ['a 5,000-term sum', new Array(5000).fill('1').join('+'), null],
    ['100,000 chained attributes', 'rc' + '.b'.repeat(100_000), /^line 1: AttributeError: /],
    ['100,000 chained calls', 'len' + '(1)'.repeat(100_000), /^line 1: TypeError: /],
    ['100,000 nested parentheses', '('.repeat(100_000) + ')'.repeat(100_000), /^line 1: ParseError: the statement is nested more than 200 levels deep/],
    ['a 2 MB unknown name', 'x'.repeat(2_000_000), /^line 1: NameError: name 'x+… \(2000000 characters\)' is not defined$/m],
    ['a 100,000-star glob', `db_query({'msg_id': {'$glob': '${'*'.repeat(100_000)}x'}})`, null],
    ['a catastrophic $regex', "db_query({'msg_id': {'$regex': '^([0-9a-f-]+)+X$'}}, keys=['msg_id'])", null],
    ['division by zero', '1/0\n7 // 0\n7 % 0', /^line 1: ZeroDivisionError: division by zero\nline 2: ZeroDivisionError: integer division or modulo by zero\nline 3: ZeroDivisionError: integer modulo by zero\n$/],
  ];
  for (const [what, script, stderr] of cases) {
    const run = await checked(script, ['--demo', '--format', 'table'], what);
    if (stderr) assert.match(run.stderr, stderr, what);
    else assert.equal(run.stderr, '', what);
  }
});

test('--timeout past what a timer takes, a FIFO as --sqlitedb, a directory as --config, a 100,000-deep --load line: one sentence each', async () => {
  const fifo = join(tmp.dir, 'fifo');
  mkfifoSync(fifo);
  const deep = join(tmp.dir, 'deep.jsonl');
  writeFileSync(deep, `{"msg_id": "a", "header": ${'['.repeat(100_000)}${']'.repeat(100_000)}}\n`);
  for (const [args, want] of [
    [['--dictdb', '--load', deep, '-c', '1'], /^ipc: ParseError: line 1 of .*deep\.jsonl is nested too deeply to read/],
    [['--timeout', '2147484', '-c', '1'], /^ipc: ConfigError: --timeout takes a number of seconds above 0 and at most 2147483/],
    [['--sqlitedb', fifo, '-c', '1'], /^ipc: StoreError: .*fifo is not a regular file/],
    [['--config', tmp.dir, '-c', '1'], /^ipc: ConfigError: the configuration file .* is a directory, not a regular file/],
  ] as const) {
    const run = await runIpc(args, { env, cwd: tmp.dir, timeoutMs: 10_000 });
    assertWellFormed(run, args.join(' '));
    assert.match(run.stderr, want);
  }
});

/** Statements from the grammar with random sizes: literals, operators, calls, comprehensions, lambdas, subscripts. */
const size = fc.oneof(fc.integer({ min: 0, max: 12 }), fc.constantFrom(100, 10 ** 4, 10 ** 6, 10 ** 8, 2 ** 64));
const leaf = fc.oneof(
  size.map(String),
  fc.constantFrom("'x'", "'ab'", '[]', '[1, 2]', '{}', "{'a': 1}", 'None', 'True', '1.5', '-3', 'now', 'hourago', 'rc', 'nope', "b'x'", '(1,)'),
  fc.string({ maxLength: 6 }).map((s) => JSON.stringify(s)),
);
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.tuple(tie('expr'), fc.constantFrom('+', '-', '*', '/', '//', '%', '**', '==', '<', 'in', 'and', 'or', '|', '&'), tie('expr')).map(([a, op, b]) => `(${a} ${op} ${b})`),
    fc.tuple(fc.constantFrom('len', 'sum', 'sorted', 'list', 'str', 'repr', 'int', 'float', 'range', 'max', 'min', 'set', 'tuple', 'abs', 'reversed', 'enumerate', 'zip', 'ago', 'db_query'), tie('expr')).map(([f, a]) => `${f}(${a})`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `[${a} for x in ${b}]`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, i]) => `${a}[${i}]`),
    fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(lambda x: ${a})(${b})`),
    fc.tuple(tie('expr'), size).map(([a, n]) => `[${a}] * ${n}`),
    fc.tuple(tie('expr'), fc.integer({ min: 1, max: 400 })).map(([a, n]) => '('.repeat(n) + a + ')'.repeat(n)),
    tie('expr').map((a) => `'-'.join(${a})`),
    tie('expr').map((a) => `{'k': ${a}}`),
  ),
}));
const statement = fc.oneof(expr, expr.map((e) => `v = ${e}`), fc.constantFrom('v', 'f = lambda x: x(x)', 'f(f)', 'v = v + v', 'v * 3'));

test('generated statements: exit status, stderr, time and memory stay within bounds', async () => {
  const scripts = fc.sample(fc.array(statement, { minLength: 1, maxLength: 12 }), { numRuns: 12, seed: 13 });
  for (const lines of scripts) {
    const run = await checked(lines.join('\n'), ['--demo', '--format', 'jsonl']);
    assert.ok(run.ms < TIME_BOUND_MS);
  }
});

/** Starts `source` in script mode and sends `signal` once the statement is computing. */
function signalled(source: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; afterSignalMs: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [IPC, '--demo', '-c', source], { env, cwd: tmp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    let sentAt = 0;
    let timer: NodeJS.Timeout | undefined;
    // the signal goes once the script has printed its first line: the statement after it is computing, however slow the start was
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (timer || !d.includes('ready')) return;
      timer = setTimeout(() => {
        sentAt = performance.now();
        child.kill(signal);
      }, 300);
    });
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ipc did not end after ${signal}`));
    }, 15_000);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      clearTimeout(guard);
      resolve({ code, signal: sig, stderr, afterSignalMs: performance.now() - sentAt });
    });
  });
}

const SPIN = 'print("ready")\nlen([sum([y for y in range(10000)]) for x in range(10000)])\nprint("not reached")';

test('script mode: SIGINT stops a CPU-bound statement with exit status 130; SIGTERM and SIGHUP end it', async () => {
  const int = await signalled(SPIN, 'SIGINT');
  assert.equal(int.code, 130);
  assert.match(int.stderr, /^line 2: Interrupted: the statement was interrupted( \(Ctrl-C\))?\n$/);
  assert.ok(int.afterSignalMs < 500, `exit ${int.afterSignalMs.toFixed(0)} ms after SIGINT`);
  for (const sig of ['SIGTERM', 'SIGHUP'] as const) {
    const r = await signalled(SPIN, sig);
    assert.equal(r.signal, sig);
    assert.ok(r.afterSignalMs < 500, `exit ${r.afterSignalMs.toFixed(0)} ms after ${sig}`);
  }
});

test('script mode: SIGINT stops range() while it fills a list of 10**8 ints', async () => {
  // the list is made a piece at a time, the event loop turning between pieces (it took 20 s whole, unstoppable);
  // a piece that grows the list's store copies hundreds of megabytes, which no signal stops: the bound allows one
  const int = await signalled('print("ready")\nx = range(10**8)\nprint("not reached")', 'SIGINT');
  assert.equal(int.code, 130);
  assert.match(int.stderr, /^line 2: Interrupted: the statement was interrupted( \(Ctrl-C\))?\n$/);
  assert.ok(int.afterSignalMs < 3000, `exit ${int.afterSignalMs.toFixed(0)} ms after SIGINT`);
});

test('a 100,000-deep JSON header in a tasks.db: a StoreError naming the record and the column, and the rest of the answer is shown', { skip: !havePython() && 'needs /usr/bin/python3' }, async () => {
  const db = join(tmp.dir, 'deep.db');
  copyFileSync(FIXTURE_DB, db);
  const msgId = await runPython(String.raw`
import sqlite3
c = sqlite3.connect(INPUT)
mid = c.execute('select msg_id from "ipython-tasks" limit 1').fetchone()[0]
c.execute('update "ipython-tasks" set header = ? where msg_id = ?', ('[' * 100000 + ']' * 100000, mid))
c.commit()
emit(mid)`, db);
  const script = "n = len(db_query({}, keys=['msg_id']))\nn\ndb_query({}, keys=['msg_id', 'header'])\nr = db_query({'msg_id': " + JSON.stringify(String(msgId)) + "}, keys=['header'])\nr[0]['header']";
  const run = await checked(script, ['--sqlitedb', db, '--format', 'jsonl'], 'a deep header');
  const notes = run.stderr.split('\n').filter(Boolean);
  const note = `ipc: StoreError: the header of record ${String(msgId)} in table ipython-tasks of ${db} is nested too deeply to read; it is shown as <unreadable header>`;
  assert.deepEqual(notes, [note], 'one note per bad record, however often it is read');
  const [count, ...rest] = run.stdout.trim().split('\n');
  const lines = rest.slice(0, -1).map((l) => JSON.parse(l) as { msg_id: string; header: unknown });
  assert.equal(lines.length, Number(count), 'every record is written');
  assert.equal(lines.find((l) => l.msg_id === String(msgId))!.header, null);
  assert.ok(lines.filter((l) => l.msg_id !== String(msgId)).every((l) => l.header !== null && typeof l.header === 'object'));
  assert.equal(rest.at(-1), '"<unreadable header: is nested too deeply to read>"');
});

test("what the profile reader left out is one note on stderr when plain ipc uses the profile", async () => {
  const dir = join(tmp.dir, 'ipython');
  const profile = join(dir, 'profile_default');
  mkdirSync(profile, { recursive: true });
  copyFileSync(FIXTURE_DB, join(profile, 'tasks.db'));
  writeFileSync(join(profile, 'ipcontroller_config.py'), "c.SQLiteDB.table = 'ipython-tasks' if 1 else 'x'\nc.MongoDB.database = name\n");
  const run = await checked('len(db_query({})) > 0', ['--ipython-dir', dir], 'a profile with notes');
  assert.equal(run.stdout, 'True\n');
  assert.match(run.stderr, /^ipc: .*ipcontroller_config\.py, line 1: c\.SQLiteDB\.table is not a string literal \(.*\); ipc left it out \(and 1 more left out\)\n$/);
  const flagged = await checked('1', ['--ipython-dir', dir, '--sqlitedb', FIXTURE_DB], 'a profile not used');
  assert.equal(flagged.stderr, '');
});

test('a $regex that would backtrack without end and cannot fall back to the linear engine is refused with one sentence', async () => {
  const script = [
    "db_query({'msg_id': {'$regex': '^([0-9a-f-]+)+\\\\1X$'}}, keys=['msg_id'])",
    "db_query({'msg_id': {'$regex': '^([0-9a-f-]+)+(?=X)'}}, keys=['msg_id'])",
    "len(db_query({'msg_id': {'$regex': '^(.)\\\\1'}}, keys=['msg_id'])) >= 0",
    "len(db_query({'msg_id': {'$regex': '^([0-9a-f-]+)+X$'}}, keys=['msg_id']))",
  ].join('\n');
  const run = await checked(script, ['--sqlitedb', FIXTURE_DB], 'catastrophic patterns');
  assert.equal(run.code, 1);
  const lines = run.stderr.trim().split('\n');
  assert.equal(lines.length, 2);
  lines.forEach((l, i) => assert.match(l, new RegExp(`^line ${i + 1}: QueryError: the \\$regex pattern for 'msg_id' repeats a group that itself repeats .* uses a backreference or lookaround`)));
  assert.equal(run.stdout, 'True\n0\n');
  assert.ok(run.ms < 10_000, `${run.ms} ms`);
});
