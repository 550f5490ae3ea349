import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PickleError, pickleBuffers, unpickleBuffers } from '../../src/payload/index.js';
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
