/**
 * The pickle budget is charged as the decoders run, not after: pickles of
 * tens of MB that would build gigabytes or run for seconds are refused with
 * one sentence, in bounded memory and time; ints, Fractions and Decimals
 * from text are refused past Python's 4,300 digits before any conversion;
 * numpy shapes are checked against their data as numpy checks them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { renderValue, repr } from '../../src/format/index.js';
import { derivedValue, taskResultValue, PyNdarray } from '../../src/payload/index.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { createShell } from '../../src/shell/index.js';
import { DictDB } from '../../src/stores/dictdb.js';
import { largeBombs } from '../support/bombs.js';
import { havePython, runPython } from '../support/python.js';

function resultRecord(data: Uint8Array, id = 'bomb_1_2'): TaskRecord {
  return { msg_id: id, result_buffers: [data], result_content: { status: 'ok' }, completed: null };
}

function decodeError(data: Uint8Array): string {
  try {
    taskResultValue(resultRecord(data));
  } catch (e) {
    assert.equal((e as { kind?: string }).kind, 'ValueError');
    return (e as Error).message;
  }
  assert.fail('the pickle decoded');
}

interface Report {
  readonly name: string;
  readonly kind: string;
  readonly message: string;
  readonly cpuMs: number;
  readonly maxRssKb: number;
}

/** The large bomb numbered `which`, decoded in a fresh process. */
async function decodeInChild(which: number): Promise<Report> {
  const script = fileURLToPath(new URL('../support/large-bomb-child.js', import.meta.url));
  const child = spawn(process.execPath, [script, String(which)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  return JSON.parse(out) as Report;
}

test('pickles of tens of MB that build much or run long are refused with one sentence, in bounded memory and CPU time', async () => {
  const bombs = [...largeBombs()];
  for (const [i, [name, , sentence]] of bombs.entries()) {
    const r = await decodeInChild(i);
    assert.equal(r.name, name);
    assert.equal(r.kind, 'ValueError', name);
    assert.equal(r.message, `cannot decode the result of task 'bomb_1_2': ${sentence}`, name);
    // CPU time, not wall time: the machine that runs the tests may be shared. Before, some ran for minutes or crashed the process.
    assert.ok(r.cpuMs < 2500, `${name}: ${r.cpuMs.toFixed(0)} ms of CPU`);
    // the process, the pickle itself (up to 60 MB) and what the decoders built before they stopped
    assert.ok(r.maxRssKb < 300 * 1024, `${name}: peak RSS ${r.maxRssKb} kB`);
  }
});

test('ints, Fractions and Decimals from text: up to 4,300 digits as Python reads them, past it one sentence', { skip: !havePython() }, async () => {
  const got = (await runPython(String.raw`
import pickle, struct
def call(mod, name, s):
    b = s.encode()
    return b'\x80\x04c' + mod + b'\n' + name + b'\n' + b'X' + struct.pack('<I', len(b)) + b + b'\x85R.'
ok = [call(b'builtins', b'int', '9' * 4300), call(b'fractions', b'Fraction', '7' * 4300 + '/' + '2' * 4299 + '1'),
      call(b'decimal', b'Decimal', '1.' + '5' * 4299), b'I' + b'8' * 4300 + b'\n.']
over = [call(b'builtins', b'int', '9' * 4301), call(b'fractions', b'Fraction', '7' * 9000), call(b'decimal', b'Decimal', '5' * 5000),
        b'I' + b'8' * 4400 + b'\n.', b'L' + b'8' * 4400 + b'L\n.']
try:
    pickle.loads(over[0])
    refused = False
except ValueError:
    refused = True
emit({'ok': ok, 'reprs': [repr(pickle.loads(p)) for p in ok], 'over': over, 'refused': refused})
`)) as { ok: Uint8Array[]; reprs: string[]; over: Uint8Array[]; refused: boolean };
  assert.equal(got.refused, true, "Python's int() refuses 4,301 digits too");
  for (const [i, data] of got.ok.entries()) assert.equal(repr(derivedValue(resultRecord(data), 'result')), got.reprs[i]);
  assert.deepEqual(got.over.map(decodeError), [
    "cannot decode the result of task 'bomb_1_2': an integer of 4,301 digits exceeds the limit of 4,300 digits",
    "cannot decode the result of task 'bomb_1_2': the text of a Fraction of 9,000 characters exceeds the limit of 4,300 digits",
    "cannot decode the result of task 'bomb_1_2': the text of a Decimal of 5,000 characters exceeds the limit of 4,300 digits",
    "cannot decode the result of task 'bomb_1_2': an integer of 4,400 digits exceeds the limit of 4,300 digits",
    "cannot decode the result of task 'bomb_1_2': an integer of 4,401 digits exceeds the limit of 4,300 digits",
  ]);
});

/** Pickles of numpy arrays as numpy writes them, and with the state a hostile pickle gives instead, with what numpy does on loading each. */
const ARRAYS = String.raw`
import pickle, numpy as np
from numpy.core.multiarray import _reconstruct
class Fake:
    def __init__(self, shape, data):
        self.shape, self.data = shape, data
    def __reduce__(self):
        return (_reconstruct, (np.ndarray, (0,), b'b'), (1, self.shape, np.dtype('f8'), False, self.data))
def outcome(p):
    try:
        return 'ok ' + repr(pickle.loads(p))
    except Exception as e:
        return type(e).__name__
good = [np.zeros((10**9, 0)), np.zeros((3, 0)), np.zeros((0,), 'i4'), np.arange(6.0).reshape(2, 3)]
bad = [Fake((-1,), b''), Fake((3,), b'x' * 16), Fake((2**40, 2**40, 0), b''), Fake((2**62,), b'')]
pickles = [pickle.dumps(a, 4) for a in good] + [pickle.dumps(f, 4) for f in bad]
emit({'pickles': pickles, 'outcomes': [outcome(p) for p in pickles], 'lens': [len(a) for a in good]})
`;

test('numpy shapes: a valid empty array is as numpy has it; a shape its data does not fit is refused, as numpy refuses it', { skip: !havePython() }, async () => {
  const got = (await runPython(ARRAYS)) as { pickles: Uint8Array[]; outcomes: string[]; lens: number[] };
  const good = got.pickles.slice(0, 4).map((p) => derivedValue(resultRecord(p), 'result'));
  assert.deepEqual(good.map((a) => `ok ${repr(a)}`), got.outcomes.slice(0, 4));
  assert.deepEqual(good.map((a) => (a as PyNdarray).shape[0]), got.lens);
  // JSON: tolist() where it is small, the repr where it would be a billion empty lists
  assert.equal(renderValue(good[0], 'json'), '{"$repr":"array([], shape=(1000000000, 0), dtype=float64)","$class":"numpy.ndarray"}');
  assert.equal(renderValue(good[1], 'json'), '[[],[],[]]');
  assert.deepEqual(got.outcomes.slice(4), ['TypeError', 'ValueError', 'MemoryError', 'MemoryError']);
  assert.deepEqual(got.pickles.slice(4).map(decodeError), [
    "cannot decode the result of task 'bomb_1_2': the pickle gives an array the shape (-1,), with a negative dimension",
    "cannot decode the result of task 'bomb_1_2': the pickle gives an array of shape (3,) and dtype float64 16 bytes of data, where it needs 24",
    "cannot decode the result of task 'bomb_1_2': the pickle gives an array the shape (1099511627776, 1099511627776, 0), too big for any memory",
    "cannot decode the result of task 'bomb_1_2': the pickle gives an array the shape (4611686018427387904,), too big for any memory",
  ]);

  // in the shell: len() as numpy's, tolist() of a billion empty lists a MemoryError, the session going on
  const db = new DictDB();
  const t = Timestamp.parse('2026-11-02T09:00:00.000000Z')!;
  for (const [i, p] of got.pickles.slice(0, 2).entries()) {
    db.addRecordSync(`a_1_${i}`, { msg_id: `a_1_${i}`, submitted: t, completed: t, result_content: { status: 'ok' }, result_buffers: [p] });
  }
  const shell = createShell({ client: await StoreClient.open(db) });
  const run = async (source: string) => (await shell.execute(source)).at(-1)!;
  assert.equal((await run("a = rc.get_result('a_1_0').get()\nlen(a)")).value, 10 ** 9);
  const tolist = await run('a.tolist()');
  assert.equal(tolist.error?.kind, 'MemoryError');
  assert.equal(tolist.error?.message, 'the lists of an array would take more memory than the shell allows one statement; build it in smaller pieces or filter in the query');
  assert.equal((await run('len(list(a))')).error?.kind, 'MemoryError');
  assert.equal(repr((await run("rc.get_result('a_1_1').get().tolist()")).value), '[[], [], []]');
  assert.equal(repr((await run('a')).value), 'array([], shape=(1000000000, 0), dtype=float64)');
});
