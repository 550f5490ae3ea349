/**
 * Every apply request and result of the demo store decodes in ipc to what
 * ipyparallel's own unpack_apply_message and deserialize_object give.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { repr } from '../../src/format/index.js';
import { DEMO_ANCHOR, generateDemoRecords } from '../../src/stores/index.js';
import { derivedValue } from '../../src/payload/index.js';
import { isDict, taskStatus, type TaskRecord } from '../../src/records/index.js';
import { DEMO_PAYLOADS } from '../../src/stores/demo/pickles.js';
import { decodeApply, decodeResult, functionName } from '../../src/payload/apply-message.js';
import { havePython, runPython } from '../support/python.js';

const fromBase64 = (bufs: readonly string[]) => bufs.map((b) => new Uint8Array(Buffer.from(b, 'base64')));

test("every demo payload decodes to what ipyparallel's unpack_apply_message and deserialize_object give", { skip: !havePython() }, async () => {
  const want = (await runPython(String.raw`
import base64
from ipyparallel.serialize import unpack_apply_message, deserialize_object
out = []
for p in INPUT['payloads']:
    f, args, kwargs = unpack_apply_message([base64.b64decode(b) for b in p['buffers']], {})
    row = {'name': f.__name__, 'args': repr(args), 'kwargs': repr(kwargs)}
    if p['resultBuffers']:
        row['result'] = repr(deserialize_object([base64.b64decode(b) for b in p['resultBuffers']])[0])
    out.append(row)
emit(out)
`, { payloads: DEMO_PAYLOADS })) as Record<string, string>[];
  assert.equal(want.length, DEMO_PAYLOADS.length);
  const wrong: string[] = [];
  DEMO_PAYLOADS.forEach((p, i) => {
    const call = decodeApply(fromBase64(p.buffers));
    const got: Record<string, string> = { name: functionName(call.function) ?? 'None', args: repr(call.args), kwargs: repr(call.kwargs) };
    if (p.resultBuffers.length > 0) got['result'] = repr(decodeResult(fromBase64(p.resultBuffers)));
    for (const k of Object.keys(want[i]!)) if (got[k] !== want[i]![k]) wrong.push(`${p.function} ${k}:\n  python ${want[i]![k]}\n  ipc    ${got[k]}`);
  });
  assert.equal(wrong.join('\n'), '');
});

test('every apply record of the demo store shows its function, args and, once it succeeded, its result', () => {
  const records = generateDemoRecords({ count: 2000, seed: 3, anchor: DEMO_ANCHOR });
  const applies = records.filter((r) => isDict(r['header']) && r['header']['msg_type'] === 'apply_request');
  assert.ok(applies.length > 1000, `${applies.length} apply records`);
  const names = new Set<string>();
  for (const r of applies as TaskRecord[]) {
    const name = derivedValue(r, 'function');
    assert.equal(typeof name, 'string', `${r['msg_id']} has no function`);
    names.add(name as string);
    assert.ok(Array.isArray(derivedValue(r, 'args')), `${r['msg_id']} has no args`);
    assert.ok(isDict(derivedValue(r, 'kwargs')), `${r['msg_id']} has no kwargs`);
    if (taskStatus(r) === 'ok' && name !== 'sleep') assert.notEqual(derivedValue(r, 'result'), null, `${r['msg_id']} (${name}) has no result`);
  }
  assert.deepEqual([...names].sort(), [...new Set(DEMO_PAYLOADS.map((p) => p.function))].sort());
});
