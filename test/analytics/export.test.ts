import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { renderSvg, renderTrace } from '../../src/format/index.js';
import { Timestamp, type TaskRecord } from '../../src/records/index.js';
import { PYTHON, havePython } from '../support/python.js';

// The exports: Chrome Trace Event JSON and an SVG Gantt chart of a real
// controller's tasks.db, checked by Python's JSON and XML parsers and drawn
// to PNG by rsvg-convert.
const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const fixture = join(root, 'test', 'fixtures', 'tasks.db');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-export-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function ipc(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

/** Python reads the trace with json (a full parse) and checks every event as the Trace Event format wants it. */
const CHECK_TRACE = String.raw`
import json, sys
d = json.load(open(sys.argv[1]))
events = d['traceEvents']
out = {'complete': 0, 'processes': {}, 'ids': [], 'bad': []}
for e in events:
    for k in ('ph', 'pid', 'tid', 'ts'):
        if k not in e: out['bad'].append([k, e])
    if e['ph'] == 'X':
        out['complete'] += 1
        if not (isinstance(e['ts'], int) and isinstance(e['dur'], int) and e['dur'] >= 0): out['bad'].append(['ts/dur', e])
        if e['ts'] < 1e15: out['bad'].append(['ts not in microseconds', e])
        for k in ('msg_id', 'function', 'status'):
            if k not in e['args']: out['bad'].append([k, e])
        out['ids'].append(e['args']['msg_id'])
    elif e['ph'] == 'M' and e['name'] == 'process_name':
        out['processes'][str(e['pid'])] = e['args']['name']
out['other'] = d['otherData']
print(json.dumps(out))
`;

test('%timeline --trace writes Chrome Trace Event JSON: one process per engine, one complete event per timed task', { skip: !havePython() }, () => {
  const file = join(dir, 'tasks.trace.json');
  const r = ipc('--sqlitedb', fixture, '-c', `%timeline --trace ${file}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /wrote .*tasks\.trace\.json .*ui\.perfetto\.dev/);
  const check = JSON.parse(execFileSync(PYTHON, ['-c', CHECK_TRACE, file], { encoding: 'utf8' }));
  assert.deepEqual(check.bad, []);
  assert.equal(check.complete, 18, 'the 18 tasks with a start and a completion');
  assert.deepEqual(check.other, { source: 'ipc', tasks: 18, untimed: 4 });
  assert.deepEqual(Object.values(check.processes).sort(), ['engine 0', 'engine 1']);
  // One event a line: a reader can parse the trace event by event, as it streams.
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.equal(lines[0], '{"displayTimeUnit":"ms","traceEvents":[');
  const events = lines.slice(1, lines.indexOf('],"otherData":{"source":"ipc","tasks":18,"untimed":4}}')).map((l) => JSON.parse(l.replace(/,$/, '')));
  assert.equal(events.filter((e) => e.ph === 'X').length, 18);
  const timed = execFileSync('sqlite3', [fixture, 'select msg_id from "ipython-tasks" where started is not null and completed is not null'], { encoding: 'utf8' }).trim().split('\n');
  assert.deepEqual([...check.ids].sort(), timed.sort());
});

test("%timeline --trace names each task by its function, as ipyparallel's deserialize_object unpickles it", { skip: !havePython() }, () => {
  const payloads = join(root, 'test', 'fixtures', 'payloads.db');
  const out = join(dir, 'functions.json');
  assert.equal(ipc('--sqlitedb', payloads, '-c', `%timeline --trace ${out}`).status, 0);
  const events = (JSON.parse(readFileSync(out, 'utf8')) as { traceEvents: { ph: string; args?: Record<string, unknown> }[] }).traceEvents;
  const ours: Record<string, unknown> = {};
  for (const e of events) if (e.ph === 'X') ours[e.args!['msg_id'] as string] = e.args!['function'];
  const theirs = JSON.parse(execFileSync(PYTHON, ['-c', String.raw`
import json, sqlite3, sys, pickle
from ipyparallel.serialize import deserialize_object
db = sqlite3.connect(sys.argv[1])
out = {}
for msg_id, bufs, header in db.execute("select msg_id, buffers, header from 'ipython-tasks' where started is not null and completed is not null"):
    apply = json.loads(header)['msg_type'] == 'apply_request'
    out[msg_id] = deserialize_object(pickle.loads(bufs))[0].__name__ if apply and bufs else None
print(json.dumps(out))
`, payloads], { encoding: 'utf8' })) as Record<string, unknown>;
  assert.deepEqual(ours, theirs);
  assert.ok(Object.values(ours).includes('<lambda>'));
});

test('ipc --format trace turns a db_query into the same trace, tasks named by their function', () => {
  const payloads = join(root, 'test', 'fixtures', 'payloads.db');
  for (const [store, name] of [[fixture, 'same.json'], [payloads, 'same-payloads.json']] as const) {
    const file = join(dir, name);
    ipc('--sqlitedb', store, '-c', `%timeline --trace ${file}`);
    const r = ipc('--sqlitedb', store, '--format', 'trace', '-c', 'db_query({})');
    assert.equal(r.status, 0, r.stderr);
    const timed = (text: string) => (JSON.parse(text) as { traceEvents: { ph: string }[] }).traceEvents.filter((e) => e.ph === 'X');
    const a = timed(r.stdout);
    assert.ok(a.length > 0);
    assert.deepEqual(a, timed(readFileSync(file, 'utf8')));
    if (store === payloads) assert.ok(a.some((e) => (e as { name?: string }).name === 'add'), 'tasks go by their function');
  }
});

test('an existing file is kept unless --force', () => {
  const file = join(dir, 'keep.svg');
  writeFileSync(file, 'precious');
  const r = ipc('--sqlitedb', fixture, '-c', `%timeline --svg ${file}`);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /keep\.svg exists; add --force to replace it/);
  assert.equal(readFileSync(file, 'utf8'), 'precious');
  assert.equal(ipc('--sqlitedb', fixture, '-c', `%timeline --svg ${file} --force`).status, 0);
  assert.match(readFileSync(file, 'utf8'), /^<\?xml/);
  const missing = ipc('--sqlitedb', fixture, '-c', `%timeline --svg ${join(dir, 'no', 'such', 'x.svg')}`);
  assert.match(missing.stderr, /cannot write .*x\.svg: no such directory/);
});

test('%timeline --svg writes an SVG that parses as XML and renders to PNG', { skip: !havePython() }, () => {
  const file = join(dir, 'tasks.svg');
  const r = ipc('--sqlitedb', fixture, '-c', `%timeline --svg ${file}`);
  assert.equal(r.status, 0, r.stderr);
  const parsed = JSON.parse(execFileSync(PYTHON, ['-c', String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = '{http://www.w3.org/2000/svg}'
print(json.dumps({'tag': root.tag, 'texts': [t.text for t in root.iter(ns + 'text')], 'fills': sorted({r.get('fill') for r in root.iter(ns + 'rect')})}))
`, file], { encoding: 'utf8' }));
  assert.equal(parsed.tag, '{http://www.w3.org/2000/svg}svg');
  for (const label of ['engine 0', 'engine 1', 'unassigned', 'ok', 'error', 'pending']) assert.ok(parsed.texts.includes(label), label);
  assert.ok(parsed.fills.includes('#e53935') && parsed.fills.includes('#43a047'), 'error and ok bars');
  const png = join(root, 'dist', 'test', 'analytics', 'tasks-timeline.png');
  execFileSync('rsvg-convert', [file, '-o', png]);
  assert.ok(statSync(png).size > 1000);
  assert.deepEqual([...readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
});

/** Tasks on eight engines, generated as they are read (never held). */
function* manyTasks(n: number): Generator<TaskRecord> {
  const t0 = Date.UTC(2026, 0, 1) * 1000;
  for (let i = 0; i < n; i++) {
    const engine = i % 8;
    const start = t0 + Math.floor(i / 8) * 1000;
    yield {
      msg_id: `m${i}`, engine_uuid: `e${engine}`,
      submitted: new Timestamp(start - 10), started: new Timestamp(start), completed: new Timestamp(start + 900),
      result_content: { status: i % 1000 === 0 ? 'error' : 'ok' }, result_metadata: { engine_info: { engine_id: engine, engine_uuid: `e${engine}` } },
    };
  }
}

test('both exports stream: 200,000 tasks go out in pieces, and the SVG stays the size of the chart', async () => {
  let pieces = 0;
  let bytes = 0;
  for await (const p of renderTrace(manyTasks(200_000))) {
    pieces++;
    bytes += p.length;
  }
  assert.ok(pieces > 50, `the trace came out in ${pieces} pieces`);
  assert.ok(bytes > 20e6, `${bytes} bytes`);
  let svg = 0;
  for await (const p of renderSvg(() => manyTasks(200_000))) svg += p.length;
  assert.ok(svg < 2e6, `the SVG of 200,000 tasks is ${svg} bytes`);
});
