/**
 * The battery of test/query/counting.test.ts, in part, through a live 7.1
 * hub holding the same records: a controller started with --sqlitedb, its
 * table then filled with the rows of the payload fixture. Every counting
 * form of the shell on the hub equals Python's answer.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { openHubClient, type HubClient } from '../../src/client/hub-client.js';
import { StoreClient } from '../../src/client/index.js';
import { DERIVED_KEYS } from '../../src/payload/index.js';
import { createShell } from '../../src/shell/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { havePython } from '../support/python.js';
import { countsOf, fixture, fixtureRecords, generateBattery, pythonLiteral, pythonReference, type BatteryQuery, type Reference } from '../query/battery.js';
import { Cluster } from './cluster.js';

const PAYLOADS = fixture('payloads.db');
/** How many of the battery's queries go through the hub. */
const SUBSET = 40;

const cluster = new Cluster('--sqlitedb');
let client: HubClient | undefined;
let battery: BatteryQuery[] = [];
let reference: Reference;

before(async () => {
  if (!havePython()) return;
  await cluster.startController();
  // the hub's own table, filled with the fixture's rows as they are
  const { columns } = await fixtureRecords(PAYLOADS);
  const db = new Database(join(cluster.profileDir, 'tasks.db'), { timeout: 10_000 });
  try {
    db.prepare('ATTACH DATABASE ? AS fx').run(PAYLOADS);
    const list = columns.map((c) => `"${c}"`).join(', ');
    db.exec(`INSERT INTO main."ipython-tasks" (${list}) SELECT ${list} FROM fx."ipython-tasks"`);
  } finally {
    db.close();
  }
  const sqlite = await openSQLiteStore({ path: PAYLOADS });
  try {
    const withDerived = (await (await StoreClient.open(sqlite)).dbQuery({}, [...columns.filter((k) => !k.endsWith('buffers')), ...DERIVED_KEYS])).records;
    // the engine map of a hub is the engines registered now (none here): engine_id is left to the stores' battery
    battery = generateBattery(withDerived, 100, 7101).filter((b) => !pythonLiteral(b.query).includes('"engine_id"')).slice(0, SUBSET);
  } finally {
    await sqlite.close();
  }
  reference = await pythonReference(PAYLOADS, null, battery);
  client = (await openHubClient({ connectionFile: cluster.connectionFile, timeoutMs: 10_000 })) as HubClient;
});

after(async () => {
  await client?.close();
  await cluster.stop();
});

test(`${SUBSET} queries of the battery through a live hub: db_query and every counting form equal Python's answer`, { skip: !havePython() }, async () => {
  assert.equal(battery.length, SUBSET);
  const shell = createShell({ client: client! });
  const wrong: string[] = [];
  for (const [i, b] of battery.entries()) {
    const want = reference.answers[i]!;
    const q = pythonLiteral(b.query);
    const got = (await client!.dbQuery(b.query, ['msg_id'])).records.map((r) => r['msg_id'] as string).sort();
    if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${q}: ipc ${got.length}, Python ${want.length}`);
    for (const [form, n] of await countsOf(shell, q, false)) if (n !== want.length) wrong.push(`${form.replace('Q', q)}: ${n}, Python ${want.length}`);
  }
  assert.equal(wrong.join('\n'), '');
  assert.ok(reference.answers.filter((a) => a.length > 0).length > SUBSET / 3, 'the subset finds records');
});
