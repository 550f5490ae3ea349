import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PickleError, firstBufferAt, firstBufferLength, firstBufferSpan, pickleBuffers, unpickle, unpickleBuffers } from '../../src/payload/index.js';
import { PyBytearray, isTuple } from '../../src/records/index.js';
import { havePython, runPython } from '../support/python.js';

// Empty, repeated (pickled once, then referenced from the memo), 255/256 bytes
// (the short and long opcodes), and one past the 64 KiB frame size.
const BUFFERS = [
  new Uint8Array(0),
  new Uint8Array(0),
  Uint8Array.from([0, 1, 2, 255]),
  new Uint8Array(255).fill(7),
  Uint8Array.from({ length: 256 }, (_, i) => i),
  Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) % 251),
];

test('reads the pickles Python writes with protocols 2 to 5', { skip: !havePython() }, async () => {
  const out = (await runPython(
    String.raw`
import pickle
bufs = INPUT
same = bufs[2]
items = bufs + [same, bytearray(b'ab'), memoryview(b'cd').tobytes()]
emit({str(p): pickle.dumps(items, p) for p in (2, 3, 4, 5)})
`,
    BUFFERS,
  )) as Record<string, Uint8Array>;
  const want = [...BUFFERS, BUFFERS[2]!, Uint8Array.from([97, 98]), Uint8Array.from([99, 100])];
  for (const p of ['2', '3', '4', '5']) assert.deepEqual(unpickleBuffers(out[p]!), want, `protocol ${p}`);
});

test('Python reads back equal what pickleBuffers writes', { skip: !havePython() }, async () => {
  const back = await runPython(
    String.raw`
import pickle
emit([pickle.loads(b) for b in INPUT])
`,
    [pickleBuffers(BUFFERS), pickleBuffers([])],
  );
  assert.deepEqual(back, [BUFFERS, []]);
});

test('anything but a pickled list of bytes is a PickleError', () => {
  assert.throws(() => unpickleBuffers(Uint8Array.from([0x80, 4, 0x4b, 3, 0x2e])), PickleError);
  assert.throws(() => unpickleBuffers(pickleBuffers(BUFFERS).subarray(0, 40)), /truncated/);
  assert.throws(() => unpickleBuffers(Uint8Array.from([0x80, 2, 0x63, ...Buffer.from('os\nsystem\n'), 0x8c, 2, 0x6c, 0x73, 0x85, 0x52, 0x2e])), /os\.system/);
});

/** What reading a pickle as a list of bytes gives: the list, or a PickleError (what it says is the VM's either way: unpickleBuffers leaves what it does not read to the VM). */
function outcome(read: () => Uint8Array[]): Uint8Array[] | 'PickleError' {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof PickleError)) throw e;
    return 'PickleError';
  }
}

/** Equal outcomes, compared byte for byte (assert.deepEqual only to say how they differ). */
function same(a: Uint8Array[] | 'PickleError', b: Uint8Array[] | 'PickleError'): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.length === b.length && a.every((x, i) => Buffer.compare(x, b[i]!) === 0);
}

/** The full VM's reading of a list of bytes (no reader of its own for the plain form), checked as unpickleBuffers checks it. */
function throughVM(data: Uint8Array): Uint8Array[] {
  const v = unpickle(data, { fast: false });
  if (!Array.isArray(v) || isTuple(v)) throw new PickleError(`not a list`);
  return v.map((x) => {
    if (x instanceof Uint8Array) return x;
    if (x instanceof PyBytearray) return x.bytes;
    throw new PickleError('not bytes');
  });
}

test("a plain pickled list of bytes, read without the VM, is the VM's reading: on the lists Python writes, and on every cut and changed byte of them", { skip: !havePython() }, async () => {
  const sizes = [0, 1, 2, 5, 1001];
  const pickles = (await runPython(
    String.raw`
import pickle, random
r = random.Random(5)
out = []
for n in INPUT:
    # items of 255/256 bytes (the short and long opcodes); past 1000 items (two MARK batches), short ones
    items = [bytes(r.randrange(256) for _ in range(r.choice([0, 1, 3] if n > 1000 else [0, 1, 3, 255, 256, 300]))) for _ in range(n)]
    for p in (3, 4, 5):
        out.append(pickle.dumps(items, p))
emit(out)
`,
    sizes,
  )) as Uint8Array[];
  let plain = 0;
  let tried = 0;
  const check = (data: Uint8Array, what: string) => {
    tried++;
    const vm = outcome(() => throughVM(data));
    const got = outcome(() => unpickleBuffers(data));
    if (!same(got, vm)) assert.deepEqual(got, vm, what);
    const first = firstBufferSpan(data);
    if (first) {
      plain++;
      assert.ok(Array.isArray(vm) && vm.length > 0, `${what}: a first item where the VM finds none`);
      assert.deepEqual(data.subarray(first[0], first[0] + first[1]), vm[0], `${what}: the first item`);
    }
    // the same pickle as a part of a slice's bytes, between others' (bytes that would go on with it: memo, APPEND,
    // STOP, the pickle's own bytes again), after 300 others (a length it announces is checked against its own)
    const before = new Uint8Array(300).fill(0x2e);
    const big = Buffer.concat([before, data, Uint8Array.from([0x94, 0x61, 0x65, 0x2e]), data]);
    const at = firstBufferAt(big, before.length, before.length + data.length);
    if (first) assert.deepEqual([at, firstBufferLength()], [first[0] + before.length, first[1]], `${what}: its first item within a larger buffer`);
    else assert.equal(at, -1, `${what}: a first item within a larger buffer where there is none alone`);
  };
  for (const [i, p] of pickles.entries()) {
    check(p, `pickle ${i}`);
    // every cut and every byte changed to an opcode of the form (or a neighbour of its own value); on a long list, its first
    // and last items' bytes and a few between
    const positions = p.length <= 120 ? p.keys() : [...Array(40).keys(), ...Array.from({ length: 20 }, (_, k) => p.length - 20 + k), ...Array.from({ length: 10 }, (_, k) => Math.floor(((k + 1) * p.length) / 11))];
    for (const at of positions) {
      check(p.subarray(0, at), `pickle ${i} cut at ${at}`);
      for (const b of [0x00, 0x2e, 0x28, 0x65, 0x61, 0x94, 0x71, 0x43, 0x42, 0xff, (p[at]! + 1) & 255]) {
        const changed = Uint8Array.from(p);
        changed[at] = b;
        check(changed, `pickle ${i}, byte ${at} made ${b}`);
      }
    }
    check(Uint8Array.from([...p, 0x2e]), `pickle ${i} with a byte after its STOP`);
  }
  // most of what Python writes is the plain form; the cuts and changes mostly are not
  assert.ok(plain > pickles.length, `${plain} of ${tried} read without the VM`);
});
