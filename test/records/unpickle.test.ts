import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { repr } from '../../src/format/index.js';
import { unpickle, unpickleBuffers } from '../../src/payload/index.js';
import { fastUnpickle, NOT_FAST } from '../../src/payload/pickle-fast.js';
import { DEFAULT_LIMITS } from '../../src/payload/pickle.js';
import { bombs } from '../support/bombs.js';
import { havePython, runPython } from '../support/python.js';

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/payloads.db', import.meta.url));

/**
 * Every standard type ipc turns back into a value, pickled by Python with
 * each protocol; ipc's repr must be Python's repr of pickle.loads (numpy
 * scalars as numpy 1.x prints them).
 */
const VALUES = String.raw`
import datetime, decimal, fractions, collections, numpy as np
values = [
    0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31, 2**53, 2**64, -2**100, 10**40,
    # longs of 6 to 26 bytes either side of each boundary, read six bytes at a time
    *[s * 2**b + d for b in (40, 47, 48, 49, 55, 56, 63, 64, 65, 95, 96, 127, 200) for s in (1, -1) for d in (-1, 0, 1)],
    0.0, -0.0, 1.0, 2.5, 1e16, 1e-5, 0.1, 1/3, 123456789.125, float('inf'), float('-inf'), float('nan'),
    1+2j, -1.5j, complex(0, 0), complex(-0.0, 1),
    '', 'text', "it's", 'a"b', 'ünï\u2603\U0001F600', 'line\nbreak\t\\',
    b'', b'\x00\x01ab\xff', bytearray(b'xy'), None, True, False,
    (), (1,), (1, 'a', None), [], [1, [2, [3]]], {}, {'a': 1, 'b': [2]}, {1: 'one', (2, 3): 'pair'},
    set(), {1, 2, 3}, frozenset(), frozenset({4, 5}),
    datetime.datetime(2024, 1, 2, 3, 4, 5, 6), datetime.datetime(2024, 1, 2, 3, 4), datetime.datetime(2024, 1, 2, 3, 4, 5),
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
    datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2), 'X')),
    datetime.date(2024, 2, 29), datetime.time(3, 4), datetime.time(3, 4, 5), datetime.time(3, 0, 0, 7),
    datetime.timedelta(0), datetime.timedelta(days=1, seconds=5, microseconds=6), datetime.timedelta(seconds=-1),
    decimal.Decimal('1.10'), decimal.Decimal('-0'), fractions.Fraction(1, 3), fractions.Fraction(-6, 4),
    collections.OrderedDict([('b', 1), ('a', 2)]), collections.OrderedDict(), collections.defaultdict(list, {'k': [1]}),
    collections.deque([1, 2]), collections.deque([1], maxlen=3), collections.Counter('abracadabra'), collections.Counter(),
    range(10), range(1, 10, 2),
    np.float64(1.0), np.float64(2.5), np.float32(0.1), np.int64(7), np.int32(-3), np.bool_(True),
    np.arange(5), np.arange(3, dtype=np.int32), np.array([1.0, 2.5, 3.0]), np.array([0.1, 1e-7]), np.array([1e9, 2.0]),
    np.array([1.5, np.nan, -np.inf]), np.arange(2000), np.arange(2000.0) / 7, np.arange(12).reshape(3, 4),
    np.arange(24.0).reshape(2, 3, 4), np.arange(3000).reshape(30, 100), np.array([True, False]), np.array([], dtype=float),
    np.zeros((2, 0)), np.arange(6, dtype=np.uint8).reshape(2, 3).T, np.array(5), np.linspace(0, 1, 30),
]
`;

test('standard values decode to what Python unpickles, in protocols 0 to 5', { skip: !havePython() }, async () => {
  const out = (await runPython(
    VALUES + String.raw`
import pickle
cases = []
for v in values:
    for p in range(6):
        try:
            data = pickle.dumps(v, p)
        except Exception:
            continue
        cases.append([repr(pickle.loads(data)), data])
emit(cases)
`,
  )) as [string, Uint8Array][];
  assert.ok(out.length > 400);
  const wrong: string[] = [];
  for (const [want, data] of out) {
    let got: string;
    try {
      got = repr(unpickle(data));
    } catch (e) {
      got = `raised ${(e as Error).message}`;
    }
    if (got !== want) wrong.push(`want ${want}\n got ${got}`);
  }
  assert.equal(wrong.join("\n"), "");
});

/**
 * The fast decoder takes the plain pickles and must build exactly what the
 * full VM builds: the same reprs, the same tuples, the same dicts. Each
 * value is also nested in a result-like container (a dict of lists and
 * tuples, as a task returns), pickled with every protocol.
 */
test('the fast decoder gives what the full VM gives, or leaves the pickle to it', { skip: !havePython() }, async () => {
  const out = (await runPython(
    VALUES + String.raw`
import pickle
cases = []
for v in values + [{'result': [1, (2.5, 'x', None)], 'ok': True, 'n': -70000, 'big': 2**40, 'neg': -2**40, 'b': b'\x00'},
                   [(i, float(i), str(i)) for i in range(70)], {'ü': 'ünï', 'k' * 40: 'v' * 300},
                   {'a': 1, 2: 'b', 'c': (3,), (4, 5): None}, {'1': 0, 'x': 1, 2: 3}, {'__proto__': 1, 0.5: 2},
                   collections.Counter({'1': 2, 'x': 1}), collections.Counter({3: 1, 'y': 2})]:
    for p in range(6):
        for w in (v, {'value': v, 'pair': (v, [v])}):
            try:
                data = pickle.dumps(w, p)
            except Exception:
                continue
            kind = type(v).__module__ + '.' + type(v).__qualname__ if w is v and p >= 2 else None
            cases.append([data, kind])
emit(cases)
`,
  )) as [Uint8Array, string | null][];
  let taken = 0;
  const wrong: string[] = [];
  const kinds = new Set<string>();
  const kindsTaken = new Set<string>();
  for (const [data, kind] of out) {
    if (kind) kinds.add(kind);
    const quick = fastUnpickle(data, DEFAULT_LIMITS);
    if (quick === NOT_FAST) continue;
    taken++;
    if (kind) kindsTaken.add(kind);
    const full = unpickle(data, { fast: false });
    if (repr(quick) !== repr(full)) wrong.push(`fast ${repr(quick)}\nfull ${repr(full)}`);
    assert.deepEqual(quick, full);
    assert.equal(repr(unpickle(data)), repr(full));
  }
  assert.equal(wrong.join('\n'), '');
  assert.ok(taken > 600, `the fast decoder took only ${taken} of ${out.length} pickles`);
  // every type of the corpus, classes of the whitelist included, is taken in some protocol from 2 on
  assert.deepEqual([...kinds].filter((k) => !kindsTaken.has(k)), []);
});

/**
 * On the real controller's fixture the fast decoder takes every result and
 * every argument pickle, and gives what the full VM gives.
 */
test("the fast decoder takes the fixture's pickles and gives what the full VM gives", () => {
  const db = new Database(FIXTURE, { readonly: true });
  const rows = db.prepare(`SELECT buffers, result_buffers FROM "ipython-tasks"`).all() as { buffers: Uint8Array | null; result_buffers: Uint8Array | null }[];
  db.close();
  let pickles = 0;
  let taken = 0;
  for (const row of rows) {
    const results = row.result_buffers ? unpickleBuffers(row.result_buffers) : [];
    const call = row.buffers ? unpickleBuffers(row.buffers) : [];
    // the first frame of a result, and the info dict of a call, are pickles; other frames may be raw data
    for (const data of [results[0], call[1]]) {
      if (!data || data.length === 0) continue;
      pickles++;
      const quick = fastUnpickle(data, DEFAULT_LIMITS);
      if (quick === NOT_FAST) continue;
      taken++;
      const full = unpickle(data, { fast: false });
      assert.equal(repr(quick), repr(full));
      assert.deepEqual(quick, full);
    }
  }
  assert.ok(pickles > 100);
  assert.equal(taken, pickles);
});

test('the fast decoder runs nothing and counts every budget: bombs are left to the full VM', () => {
  for (const [name, data] of Object.entries(bombs())) assert.equal(fastUnpickle(data, DEFAULT_LIMITS), NOT_FAST, name);
  // a class and a call within budget are taken, inert
  const system = Uint8Array.from([
    0x80, 4, 0x8c, 5, ...Buffer.from('posix'), 0x94, 0x8c, 6, ...Buffer.from('system'), 0x94, 0x93, 0x94,
    0x8c, 2, ...Buffer.from('ls'), 0x94, 0x85, 0x94, 0x52, 0x94, 0x2e,
  ]);
  assert.equal(repr(fastUnpickle(system, DEFAULT_LIMITS)), "<posix.system('ls')>");
  assert.equal(fastUnpickle(system, { maxDepth: 100, maxItems: 3, maxBytes: 100 }), NOT_FAST);
  // a container fetched back from the memo is sharing: the full VM's to count
  const shared = Uint8Array.from([0x80, 4, 0x5d, 0x94, 0x5d, 0x94, 0x68, 1, 0x61, 0x2e]);
  assert.equal(fastUnpickle(shared, DEFAULT_LIMITS), NOT_FAST);
});

test('the fast decoder leaves over-budget and malformed pickles to the full VM', () => {
  const list = (n: number) => Uint8Array.from([0x80, 4, 0x5d, 0x28, ...Array.from({ length: n }, () => 0x4e), 0x65, 0x2e]);
  assert.equal(fastUnpickle(list(10), { maxDepth: 10, maxItems: 5, maxBytes: 100 }), NOT_FAST);
  assert.deepEqual(fastUnpickle(list(4), { maxDepth: 10, maxItems: 5, maxBytes: 100 }), [null, null, null, null]);
  const nested = Uint8Array.from([0x80, 4, ...Array.from({ length: 5 }, () => 0x5d), 0x61, 0x61, 0x61, 0x61, 0x2e]);
  assert.equal(fastUnpickle(nested, { maxDepth: 3, maxItems: 100, maxBytes: 100 }), NOT_FAST);
  assert.deepEqual(fastUnpickle(nested, { maxDepth: 10, maxItems: 100, maxBytes: 100 }), [[[[[]]]]]);
  assert.equal(fastUnpickle(Uint8Array.from([0x80, 4, 0x8c, 5, 0x61]), DEFAULT_LIMITS), NOT_FAST);
  assert.equal(fastUnpickle(Uint8Array.from([0x80, 4, 0x4e, 0x4e, 0x2e]), DEFAULT_LIMITS), NOT_FAST);
  assert.equal(fastUnpickle(Uint8Array.from([0x80, 4, 0x5d, 0x28, 0x4e, 0x30, 0x65, 0x2e]), DEFAULT_LIMITS), NOT_FAST);
});

test('an instance of another class whose state is an ndarray stays that instance; only numpy.ndarray becomes the array', { skip: !havePython() }, async () => {
  const made = (await runPython(String.raw`
import base64, pickle, numpy as np
class Holder:
    def __reduce__(self):
        return (Holder, (), np.array([1, 2, 3]))
    def __setstate__(self, state):
        self.data = state
emit([base64.b64encode(pickle.dumps(x, protocol=p)).decode() for p in (2, 4, 5) for x in (Holder(), np.array([1, 2, 3]))])
`)) as string[];
  for (let i = 0; i < made.length; i += 2) {
    const holder = unpickle(Buffer.from(made[i]!, 'base64'));
    const array = unpickle(Buffer.from(made[i + 1]!, 'base64'));
    assert.equal(repr(holder), '<__main__.Holder() array([1, 2, 3])>');
    assert.equal(repr(array), 'array([1, 2, 3])');
  }
});
