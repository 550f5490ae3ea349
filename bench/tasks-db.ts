/**
 * A tasks.db of `count` records in ipyparallel 7.x's exact format, generated
 * once under bench/data/ (git-ignored) for the benchmarks that read a big
 * store: 20 clients, 16 engines over a day, 8% failed, the last few pending.
 */
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { KEY_NAMES_7X, Timestamp, type Value } from '../src/records/index.js';
import { pickleBuffers } from '../src/payload/index.js';
import { prng } from '../src/stores/index.js';
import { encodeColumn } from '../src/stores/sqlite/codec.js';
import { createTableSQL } from '../src/stores/sqlite/tables.js';

export const TABLE = 'ipython-tasks';
export const START = Timestamp.parse('2026-11-01T00:00:00Z')!;
const SPAN_US = 24 * 3600e6;
const CLIENTS = 20;
const ENGINES = 16;

function uuid(r: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(24)}`;
}

const FUNCTION_PICKLE = Uint8Array.from({ length: 420 }, (_, i) => (i * 37 + 11) % 256);

/** Writes count records as ipcontroller 7.x writes them: one transaction, one prepared insert. */
export function generateTasksDb(path: string, count: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = path + '.part';
  rmSync(tmp, { force: true });
  const db = new Database(tmp);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.exec(createTableSQL(TABLE, false));
  const insert = db.prepare(`INSERT INTO "${TABLE}" VALUES (${KEY_NAMES_7X.map(() => '?').join(', ')})`);
  const r = prng(42);
  const clients = Array.from({ length: CLIENTS }, () => uuid(r));
  const engines = Array.from({ length: ENGINES }, () => uuid(r));
  const step = SPAN_US / count;
  const t0 = performance.now();
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const rec = record(i, r, clients, engines, step, count);
      insert.run(...KEY_NAMES_7X.map((k) => encodeColumn(k, rec[k] ?? null)));
    }
  })();
  db.close();
  renameSync(tmp, path);
  console.log(`generated ${count} records in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${path}`);
}

function record(i: number, r: () => number, clients: string[], engines: string[], step: number, count: number): Record<string, Value> {
  const c = Math.floor(r() * clients.length);
  const session = clients[c]!;
  const msgId = `${session}_${1000 + c}_${i + 1}`;
  const submitted = new Timestamp(START.us + Math.floor(i * step) + Math.floor(r() * (step / 2)));
  const queue = r() < 0.6 ? 'task' : 'mux';
  const execute = r() < 0.2;
  const e = Math.floor(r() * engines.length);
  const engine = engines[e]!;
  const pending = i >= count - 2000 && r() < 0.5;
  const failed = !pending && r() < 0.08;
  const started = pending ? null : submitted.plus(300 + Math.floor(r() * 2000));
  const completed = pending || !started ? null : started.plus(1000 + Math.floor(r() * 500_000));
  const received = completed ? completed.plus(200 + Math.floor(r() * 800)) : null;
  const header = { msg_id: msgId, msg_type: execute ? 'execute_request' : 'apply_request', username: 'user' + c, session, date: submitted, version: '5.3' };
  const metadata = { after: [], follow: [], timeout: null, targets: queue === 'mux' ? [e] : [], retries: 0 };
  const content: Value = execute ? { code: `x = ${i} ** 2`, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true } : {};
  const rec: Record<string, Value> = {
    msg_id: msgId, header, metadata, content,
    buffers: execute ? [] : [FUNCTION_PICKLE, Uint8Array.from([0x80, 4, 0x4b, i & 0xff, 0x2e])],
    submitted, client_uuid: session, engine_uuid: pending && queue === 'task' ? null : engine,
    started, completed, resubmitted: null, received,
    result_header: null, result_metadata: null, result_content: null, result_buffers: null,
    queue, execute_input: execute ? `x = ${i} ** 2` : null, execute_result: null, error: null,
    stdout: r() < 0.3 ? `step ${i} done\n` : '', stderr: '',
  };
  if (completed) {
    const status = failed ? 'error' : 'ok';
    rec['result_header'] = { msg_id: uuid(r), msg_type: execute ? 'execute_reply' : 'apply_reply', username: 'user' + c, session: engine, date: completed, version: '5.3' };
    rec['result_metadata'] = { started, dependencies_met: true, engine, status, is_broadcast: false, is_coalescing: false, engine_id: e };
    if (failed) {
      const error = { ename: 'ValueError', evalue: `bad value ${i}`, traceback: ['Traceback (most recent call last):', `  File "<string>", line 1`, `ValueError: bad value ${i}`], engine_info: { engine_uuid: engine, engine_id: e, method: execute ? 'execute' : 'apply' } };
      rec['error'] = error;
      rec['result_content'] = { status: 'error', ...error };
    } else {
      rec['result_content'] = { status: 'ok' };
      rec['result_buffers'] = execute ? [] : [pickleBuffers([Uint8Array.from([i & 0xff])]).subarray(0, 12)];
    }
  }
  return rec;
}
