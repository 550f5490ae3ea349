/**
 * Derived-key queries end to end: whole processes on a tasks.db of payload
 * tasks that ipyparallel's own serializer wrote (bench/make-payload-store.py),
 * each printing its answer as JSON lines: `ipc --sqlitedb FILE --format
 * jsonl -c "db_query(...)"` against the Python a user writes for the same
 * answer (ipyparallel's SQLiteDB.find_records, then unpack_apply_message /
 * deserialize_object on each record). Every process is a fresh one, so
 * each figure includes what a first run pays (start-up, V8 compiling the
 * decoder); the two sides take turns. Both answers are parsed and checked
 * equal, record by record.
 */
import { isDeepStrictEqual } from 'node:util';
import { IPC, best, cell, payloadStore, run, type Run } from './processes.js';

export interface Case {
  readonly name: string;
  readonly ipc: string;
  /** The body of the Python loop over `recs`; `out(d)` prints one answer record, `n` counts. */
  readonly keys: string;
  readonly py: string;
  /** Prints a count rather than records. */
  readonly count?: boolean;
}

export const CASES: Case[] = [
  {
    name: "function == 'summarize': args, result",
    ipc: `db_query({'function': 'summarize'}, keys=['args', 'result'])`,
    keys: `['buffers', 'result_buffers', 'result_content', 'completed']`,
    py: `
    f, args, kwargs = call(r)
    if f is not None and f.__name__ == 'summarize':
        out({'msg_id': r['msg_id'], 'args': list(args), 'result': result(r)})`,
  },
  {
    name: 'result > 40000: result',
    ipc: `db_query({'result': {'$gt': 40000}}, keys=['result'])`,
    keys: `['result_buffers', 'result_content', 'completed']`,
    py: `
    x = result(r)
    if big(x):
        out({'msg_id': r['msg_id'], 'result': x})`,
  },
  {
    name: "status == 'error': function, args",
    ipc: `db_query({'status': 'error'}, keys=['function', 'args'])`,
    keys: `['buffers', 'result_content', 'completed']`,
    py: `
    if status(r) == 'error':
        f, args, kwargs = call(r)
        out({'msg_id': r['msg_id'], 'function': f.__name__, 'args': list(args)})`,
  },
  {
    name: "len(function == 'square')",
    ipc: `len(db_query({'function': 'square'}))`,
    keys: `['buffers']`,
    py: `
    f, args, kwargs = call(r)
    if f is not None and f.__name__ == 'square':
        n += 1`,
    count: true,
  },
  {
    name: 'every task: function, result',
    ipc: `db_query({}, keys=['function', 'result'])`,
    keys: `['buffers', 'result_buffers', 'result_content', 'completed']`,
    py: `
    f, args, kwargs = call(r)
    out({'msg_id': r['msg_id'], 'function': None if f is None else f.__name__, 'result': result(r)})`,
  },
];

export function pythonScript(c: Case, path: string): string {
  return String.raw`
import json, os, sys, warnings
warnings.simplefilter('ignore')
from ipyparallel.controller.sqlitedb import SQLiteDB
from ipyparallel.serialize import deserialize_object, unpack_apply_message
SQLiteDB._check_table = lambda self: True  # 7.1 rejects its own table under SQLite >= 3.37
path = ${JSON.stringify(path)}
db = SQLiteDB(location=os.path.dirname(path), filename=os.path.basename(path), table='ipython-tasks')

def status(r):
    c = r.get('result_content')
    if isinstance(c, dict) and c.get('status') in ('ok', 'error', 'aborted'):
        return c['status']
    return 'ok' if r.get('completed') is not None else 'pending'

def call(r):
    if not r['buffers']:
        return None, None, None
    return unpack_apply_message(r['buffers'])

def result(r):
    if not r['result_buffers'] or status(r) != 'ok':
        return None
    return deserialize_object(r['result_buffers'])[0]

def big(x):
    num = lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 40000
    return num(x) or (isinstance(x, (list, tuple)) and any(num(v) for v in x))

write = sys.stdout.write
def out(d):
    write(json.dumps(d) + '\n')

n = 0
recs = db.find_records({'msg_id': {'$ne': None}}, keys=${c.keys})
for r in recs:${c.py}
if ${c.count ? 'True' : 'False'}:
    print(n)
`;
}

function answers(out: string): Map<string, unknown> | number {
  const lines = out.split('\n').filter((l) => l.length > 0);
  if (lines.length === 1 && /^\d+$/.test(lines[0]!)) return Number(lines[0]);
  const m = new Map<string, unknown>();
  for (const l of lines) {
    const d = JSON.parse(l) as Record<string, unknown>;
    m.set(String(d['msg_id']), d);
  }
  return m;
}

function same(a: Map<string, unknown> | number, b: Map<string, unknown> | number): boolean {
  if (typeof a === 'number' || typeof b === 'number') return a === b;
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!isDeepStrictEqual(v, b.get(k))) return false;
  return true;
}

export async function derivedQueries(count: number, repeat: number): Promise<void> {
  const path = await payloadStore(count);
  console.log(`\nderived-key queries, whole processes printing JSON lines, ${count.toLocaleString('en-US')} payload tasks, best of ${repeat} fresh processes each; seconds wall (CPU)`);
  console.log('query                                      answers         ipc          Python     Python/ipc wall (CPU)');
  let ipcSum = 0;
  let pySum = 0;
  let ipcCpu = 0;
  let pyCpu = 0;
  for (const c of CASES) {
    const ipcRuns: Run[] = [];
    const pyRuns: Run[] = [];
    for (let i = 0; i < repeat; i++) {
      ipcRuns.push(await run(process.execPath, [IPC, '--sqlitedb', path, '--format', 'jsonl', '-c', c.ipc], i === 0));
      pyRuns.push(await run('/usr/bin/python3', ['-c', pythonScript(c, path)], i === 0));
    }
    const a = answers(ipcRuns[0]!.out);
    const p = answers(pyRuns[0]!.out);
    if (!same(a, p)) throw new Error(`${c.name}: ipc and Python answered differently (${typeof a === 'number' ? a : a.size} and ${typeof p === 'number' ? p : p.size})`);
    const bi = best(ipcRuns);
    const bp = best(pyRuns);
    ipcSum += bi.seconds;
    pySum += bp.seconds;
    ipcCpu += bi.cpu;
    pyCpu += bp.cpu;
    const n = typeof a === 'number' ? a : a.size;
    console.log(
      `${c.name.padEnd(42)} ${String(n).padStart(7)}  ${cell(bi)}  ${cell(bp)}   ${(bp.seconds / bi.seconds).toFixed(1).padStart(5)}x (${(bp.cpu / bi.cpu).toFixed(1)}x)`,
    );
  }
  console.log(`${'all five'.padEnd(42)} ${''.padStart(7)}  ${ipcSum.toFixed(2).padStart(6)} (${ipcCpu.toFixed(2).padStart(5)})  ${pySum.toFixed(2).padStart(6)} (${pyCpu.toFixed(2).padStart(5)})   ${(pySum / ipcSum).toFixed(1).padStart(5)}x (${(pyCpu / ipcCpu).toFixed(1)}x)   target >= 5x, answers checked equal`);
}
