/**
 * The limits every statement runs within, in the shell itself: Python's
 * recursion limit, Ctrl-C that stops CPU-bound evaluation, a memory budget
 * that raises MemoryError, dict keys that cannot reach a prototype, values
 * that print whatever their depth or cycles, and messages that never echo a
 * huge input.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { IpcError } from '../../src/errors.js';
import { renderValue, repr } from '../../src/format/index.js';
import { setStatementBudget } from '../../src/language/budget.js';
import { demoShell, one, value } from '../shell/helpers.js';

after(() => setStatementBudget(null));

/** A statement that computes for many seconds, with no I/O. */
const SPIN = 'len([sum([y for y in range(10000)]) for x in range(10000)])';

test('recursion stops at depth 1000 with RecursionError, and the session goes on', async () => {
  const { shell } = await demoShell({ count: 5 });
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const ac = new AbortController();
    const [o] = await shell.execute('f = lambda x: x(x)\nf(f)', { signal: ac.signal });
    const outcomes = await shell.execute('f = lambda x: x(x)\nf(f)', { signal: ac.signal });
    assert.equal(o?.error, undefined);
    assert.equal(outcomes[1]?.error?.kind, 'RecursionError');
    assert.equal(outcomes[1]?.error?.message, 'maximum recursion depth exceeded');
    assert.equal(await value(shell, 'g = lambda n: 0 if n == 0 else 1 + g(n - 1)\ng(990)'), 990);
    assert.equal((await one(shell, 'g(1000)')).error?.kind, 'RecursionError');
    // one abort listener however deep the calls nest: no MaxListenersExceededWarning
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
  }
});

test('Ctrl-C stops a CPU-bound statement within 100 ms, and the next statement runs', async () => {
  const { shell } = await demoShell({ count: 5 });
  const ac = new AbortController();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    ac.abort();
  }, 300);
  const [o] = await shell.execute(SPIN, { signal: ac.signal });
  const latency = performance.now() - abortedAt;
  assert.equal(o?.error?.kind, 'Interrupted');
  assert.ok(latency < 100, `the statement stopped ${latency.toFixed(1)} ms after Ctrl-C`);
  assert.equal(await value(shell, '6 * 7'), 42);
});

test('calls of a key function run one after another: a 5,000-item sort by key is not a deep recursion', async () => {
  const { shell } = await demoShell({ count: 5 });
  assert.equal(await value(shell, 'sorted(range(5000), key=lambda x: -x)[0]'), 4999);
  assert.equal(await value(shell, 'max(range(5000), key=lambda x: -x)'), 0);
  assert.equal(await value(shell, 'len(list(map(lambda x: x, range(5000))))'), 5000);
});

test('Ctrl-C stops a sort of a million items', async () => {
  const { shell } = await demoShell({ count: 5 });
  await shell.execute('a = list(range(10**6, 0, -1))');
  const ac = new AbortController();
  let abortedAt = 0;
  setTimeout(() => {
    abortedAt = performance.now();
    ac.abort();
  }, 50);
  const [o] = await shell.execute('sorted(a)[0]', { signal: ac.signal });
  const latency = performance.now() - abortedAt;
  assert.equal(o?.error?.kind, 'Interrupted');
  assert.ok(latency < 100, `the sort stopped ${latency.toFixed(1)} ms after Ctrl-C`);
});

test('building past the memory budget is a MemoryError for that statement only', async () => {
  const { shell } = await demoShell({ count: 5 });
  setStatementBudget(64 * 2 ** 20);
  try {
    for (const source of [
      '[0] * 10**8', "'x' * 10**9", 'len(range(10**8))', '[0] * 2**70', "'ab' * 10**20", 'a = [0] * 10**6\nb = [a + a + a + a + a + a + a + a + a + a]',
      's = "x" * 10**7\nt = s + s + s + s', "'-'.join(['x' * 1000] * 100000)", '[x for x in range(10**7)]', 'list(range(10**7))', '2 ** (10**10)',
    ]) {
      const outcomes = await shell.execute(source);
      const err = outcomes.at(-1)?.error;
      assert.equal(err?.kind, 'MemoryError', source);
      assert.match(err!.message, /would take more memory than the shell allows one statement/);
    }
    assert.equal(await value(shell, 'len([0] * 1000)'), 1000);
  } finally {
    setStatementBudget(null);
  }
});

test("dict items named __proto__ are items: they never replace a dict's prototype", async () => {
  const { shell } = await demoShell({ count: 5 });
  assert.equal(repr(await value(shell, "d = {}\nd['__proto__'] = {'polluted': 1}\nd")), "{'__proto__': {'polluted': 1}}");
  assert.equal(await value(shell, "d.get('polluted', 5)"), 5);
  assert.equal(await value(shell, "'__proto__' in d"), true);
  assert.equal(repr(await value(shell, "del d['__proto__']\nd")), '{}');
  assert.equal((await one(shell, "del d['constructor']")).error?.kind, 'KeyError');
  const q = await value(shell, "q = {'msg_id': {'$ne': None}}\nq['__proto__'] = {'completed': None}\nq");
  assert.equal(Object.getPrototypeOf(q), Object.prototype);
});

test('cyclic values print as Python prints them; deep values print without overflowing', async () => {
  const { shell } = await demoShell({ count: 5 });
  assert.equal(repr(await value(shell, "d = {}\nd['me'] = d\nd")), "{'me': {...}}");
  assert.equal(repr(await value(shell, 'a = []\na.append(a)\na')), '[[...]]');
  let deep: unknown = [];
  for (let i = 0; i < 100_000; i++) deep = [deep];
  const text = repr(deep);
  assert.ok(text.startsWith('[[[[') && text.includes('...'));
  for (const format of ['json', 'jsonl', 'csv', 'table'] as const) {
    const d = await value(shell, "d = {}\nd['me'] = d\n[d]");
    try {
      const text = renderValue(d, format);
      assert.equal(format, 'table', 'only the table shows a circular value');
      assert.match(text, /\{'me': \{\.\.\.\}\}/);
    } catch (e) {
      assert.ok(e instanceof IpcError, `${format}: ${String(e)}`);
      assert.equal(e.message, 'the value is circular or nested more than 1000 levels deep, so it has no JSON text');
    }
  }
  let deepDict: unknown = {};
  for (let i = 0; i < 3000; i++) deepDict = { a: deepDict };
  assert.match(repr(deepDict), /^\{'a': \{'a': /);
});

test('deep and long statements: one sentence, or their value', async () => {
  const { shell } = await demoShell({ count: 5 });
  assert.equal(await value(shell, new Array(5000).fill('1').join('+')), 5000);
  assert.equal(await value(shell, 'x = [1]\n' + 'len(x' + '[:]'.repeat(20_000) + ')'), 1);
  for (const source of ['('.repeat(100_000) + ')'.repeat(100_000), '-'.repeat(100_000) + '1', '2' + '**2'.repeat(100_000), 'not '.repeat(50_000) + '1']) {
    const o = await one(shell, source);
    assert.equal(o.error?.kind, 'ParseError');
    assert.match(o.error!.message, /nested more than 200 levels deep/);
    assert.ok(o.error!.detail!.length < 300, 'the caret line shows only the part of the line around the error');
  }
});

test('messages quote at most about 80 characters of what was typed', async () => {
  const { shell } = await demoShell({ count: 5 });
  const t0 = performance.now();
  const o = await one(shell, 'x'.repeat(1_000_000));
  assert.equal(o.error?.kind, 'NameError');
  assert.ok(o.error!.message.length < 200, o.error!.message.slice(0, 300));
  assert.ok(performance.now() - t0 < 2000, 'no did-you-mean search over a huge name');
  const g = await one(shell, `db_query({'msg_id': {'$regex': '${'('.repeat(100_000)}'}})`);
  assert.ok(g.error && g.error.message.length < 300);
  const huge = 'k'.repeat(1_000_000);
  for (const source of [`db_query({'${huge}': 1})`, `db_query({'msg_id': {'$${huge}': 1}})`, `rc.${huge}`, `{'a': 1}['${huge}']`, `float('${huge}')`, `%${huge}`, `import ${huge}`]) {
    const o = await one(shell, source);
    assert.ok(o.error, source.slice(0, 40));
    assert.ok(o.error.message.length < 600, `${source.slice(0, 40)}: a message of ${o.error.message.length} characters`);
    assert.match(o.error.message, /… \(100000\d characters\)/);
  }
});

test('a $regex or $glob too large for V8 to compile is one QueryError, never an internal error', async () => {
  const { shell } = await demoShell({ count: 5 });
  for (const source of [
    "db_query({'msg_id': {'$regex': 'a' * 10**7}}, keys=['msg_id'])",
    "db_query({'msg_id': {'$regex': '(?:a|b)' * 10**6}}, keys=['msg_id'])",
    "db_query({'msg_id': {'$glob': '[a]' * 10**6}}, keys=['msg_id'])",
  ]) {
    const o = await one(shell, source);
    assert.equal(o.error?.kind, 'QueryError', `${source}: ${o.error?.kind}: ${o.error?.message.slice(0, 200)}`);
    assert.match(o.error!.message, /pattern .*is too large or nested too deeply to compile \(\d+ characters\); use a shorter pattern/);
  }
  assert.equal((await value(shell, "len(db_query({'msg_id': {'$regex': '.'}}, keys=['msg_id']))")), 5);
});
