import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { repr } from '../../src/format/index.js';
import { Unreadable, type TaskRecord } from '../../src/records/index.js';
import { derivedValue, taskResultValue, unpickle } from '../../src/payload/index.js';
import { bombs } from '../support/bombs.js';
import { havePython, runPython } from '../support/python.js';

const MARKER = join(tmpdir(), `ipc-hostile-pickle-ran-${process.pid}`);

function resultRecord(data: Uint8Array): TaskRecord {
  return { msg_id: 'bomb_1_2', result_buffers: [data], result_content: { status: 'ok' }, completed: null };
}

test('a memory bomb is one ValueError sentence naming the record; as a derived key it is the unreadable marker', () => {
  for (const [name, data] of Object.entries(bombs())) {
    const marker = derivedValue(resultRecord(data), 'result');
    assert.ok(marker instanceof Unreadable, name);
    assert.match(marker.pyRepr(), /^<unreadable result: cannot be decoded: /, name);
    assert.throws(
      () => taskResultValue(resultRecord(data)),
      (e: Error & { kind?: string }) => {
        assert.equal(e.kind, 'ValueError', name);
        assert.match(e.message, /^cannot decode the result of task 'bomb_1_2': the (pickle is truncated|value exceeds the limit)|exceeds the \d+-byte limit/, name);
        assert.ok(!e.message.includes('\n'), name);
        return true;
      },
    );
  }
});

test('os.system through GLOBAL and REDUCE, in protocols 0 to 5, runs nothing and shows the call', { skip: !havePython() }, async () => {
  rmSync(MARKER, { force: true });
  const pickles = (await runPython(
    String.raw`
import os, pickle
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ${MARKER}',))
class Sneaky:
    def __reduce__(self):
        return (eval, ("__import__('os').system('touch ${MARKER}')",))
emit([pickle.dumps(Evil(), p) for p in range(6)] + [pickle.dumps([Sneaky()], p) for p in range(6)])
`,
  )) as Uint8Array[];
  for (const data of pickles.slice(0, 6)) assert.equal(repr(unpickle(data)), `<posix.system('touch ${MARKER}')>`);
  for (const data of pickles.slice(6)) assert.equal(repr(unpickle(data)), `[<builtins.eval("__import__('os').system('touch ${MARKER}')")>]`);
  assert.ok(!existsSync(MARKER));
});

test('decoding every bomb stays within 200 MB of memory', async () => {
  const script = fileURLToPath(new URL('../support/hostile-child.js', import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0);
  const report = JSON.parse(out) as { errors: number; maxRssKb: number };
  assert.equal(report.errors, Object.keys(bombs()).length);
  assert.ok(report.maxRssKb < 200 * 1024, `peak RSS ${report.maxRssKb} kB`);
});
