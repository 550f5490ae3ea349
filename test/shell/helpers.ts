import { repr } from '../../src/format/index.js';
import { runPython } from '../support/python.js';
import { StoreClient } from '../../src/client/store-client.js';
import { DEMO_ANCHOR, demoEngineMap, generateDemoRecords } from '../../src/stores/index.js';
import { type TaskRecord } from '../../src/records/index.js';
import type { Outcome, Shell } from '../../src/shell/api.js';
import { createShell } from '../../src/shell/index.js';
import { DictDB } from '../../src/stores/dictdb.js';

export interface ShellFixture {
  readonly shell: Shell;
  readonly records: TaskRecord[];
  readonly db: DictDB;
}

/** A shell over a DictDB of the demo records at a fixed anchor, engines known. */
export async function demoShell(options: { write?: boolean; yes?: boolean; count?: number; engines?: boolean } = {}): Promise<ShellFixture> {
  const records = generateDemoRecords({ count: options.count ?? 60, seed: 3, anchor: DEMO_ANCHOR });
  const db = new DictDB();
  for (const r of records) db.addRecordSync(r['msg_id'] as string, r);
  const client = await StoreClient.open(db, {
    engines: options.engines === false ? null : demoEngineMap(3),
    write: options.write ?? false,
    confirm: async () => options.yes ?? false,
  });
  return { shell: createShell({ client }), records, db };
}

/** Runs one source and returns its single outcome, failing loudly if there is not exactly one. */
export async function one(shell: Shell, source: string): Promise<Outcome> {
  const out = await shell.execute(source);
  if (out.length !== 1) throw new Error(`expected one outcome from ${JSON.stringify(source)}, got ${out.length}`);
  return out[0]!;
}

/** The value of the last statement of `source`; throws the first error if any statement failed. */
export async function value(shell: Shell, source: string): Promise<unknown> {
  const out = await shell.execute(source);
  const failed = out.find((o) => o.error);
  if (failed) throw failed.error;
  return out.at(-1)?.value;
}

/** The shortest prefix of a msg_id that no other record's msg_id starts with. */
export function uniquePrefix(id: string, records: readonly TaskRecord[]): string {
  for (let n = 4; n < id.length; n++) {
    const p = id.slice(0, n);
    if (records.every((r) => r['msg_id'] === id || !(r['msg_id'] as string).startsWith(p))) return p;
  }
  return id;
}

/**
 * Each expression evaluated by Python (the script `body` reads INPUT and
 * emits one repr, or `!Kind…`, per expression) and by the shell; the lines
 * where the shell's repr differs.
 */
export async function mismatchesWithPython(expressions: readonly string[], body: string, setup: readonly string[] = []): Promise<string[]> {
  const want = (await runPython(body, expressions)) as string[];
  const { shell } = await demoShell({ count: 5 });
  for (const s of setup) await value(shell, s);
  const mismatches: string[] = [];
  for (let i = 0; i < expressions.length; i++) {
    const [o] = await shell.execute(expressions[i]!);
    const got = o?.error ? `!${o.error.kind}: ${o.error.message}` : repr(o?.value);
    if (got !== want[i]) mismatches.push(`${expressions[i]}: ipc ${got}, Python ${want[i]}`);
  }
  return mismatches;
}
