/**
 * One answer per question: a generated battery of queries, each asked in
 * every way the shell counts or lists an answer (len of the call, len of a
 * variable, a comprehension, stats totals, %stats totals, the viewer's paged
 * answer, script mode's jsonl and csv streams), on SQLite, DictDB and
 * MongoDB holding the same records, against Python's answer for them
 * (battery-reference.py, one process for every query).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { DERIVED_KEYS } from '../../src/payload/index.js';
import { createShell } from '../../src/shell/index.js';
import type { Shell } from '../../src/shell/api.js';
import { DictDB } from '../../src/stores/dictdb.js';
import { openMongoStore } from '../../src/stores/mongodb/index.js';
import { openSQLiteStore } from '../../src/stores/sqlite/index.js';
import { startMongoTarget, type MongoTarget } from '../support/mongo-target.js';
import { havePython } from '../support/python.js';
import { countsOf, fixture, fixtureRecords, generateBattery, pythonLiteral, pythonReference, type BatteryQuery, type Reference } from './battery.js';

const FIXTURES = [
  { name: 'payloads.db', title: 'a tasks.db of ipyparallel 7.1 (payloads.db)', engines: null, count: 100, seed: 7101 },
  { name: 'ipp9-labels.db', title: 'a tasks.db of ipyparallel 9.x with labels (ipp9-labels.db)', engines: 'ipp9-labels.engines.json', count: 100, seed: 9002 },
] as const;

for (const fx of FIXTURES) {
  describe(`every counting form agrees with Python on ${fx.title}`, { skip: !havePython() }, () => {
    const path = fixture(fx.name);
    const engines = fx.engines ? (JSON.parse(readFileSync(fixture(fx.engines), 'utf8')) as { engines: Record<string, string> }).engines : null;
    const engineMap = engines ? new Map(Object.entries(engines).map(([id, uuid]) => [Number(id), uuid])) : null;
    let battery: BatteryQuery[];
    let reference: Reference;
    let target: MongoTarget;
    const backends: { name: string; client: StoreClient; shell: Shell; paged: boolean }[] = [];
    const closers: (() => Promise<void>)[] = [];

    before(async () => {
      const { stored, columns } = await fixtureRecords(path);
      const sqlite = await openSQLiteStore({ path });
      closers.push(() => sqlite.close());
      const onSqlite = await StoreClient.open(sqlite, { engines: engineMap });
      const withDerived = (await onSqlite.dbQuery({}, [...columns.filter((k) => k !== 'buffers' && k !== 'result_buffers'), ...DERIVED_KEYS])).records;
      battery = generateBattery(withDerived, fx.count, fx.seed);
      reference = await pythonReference(path, engines, battery);
      assert.equal(reference.count, stored.length);

      const dict = new DictDB();
      for (const r of stored) dict.addRecordSync(r['msg_id'] as string, r);
      target = await startMongoTarget();
      const mongo = await openMongoStore({ url: target.url, database: target.freshDatabase(), write: true });
      closers.push(() => mongo.close(), () => target.close());
      for (const r of stored) await mongo.addRecord(r['msg_id'] as string, r);
      for (const [name, client, paged] of [
        ['SQLite', onSqlite, true],
        ['DictDB', await StoreClient.open(dict, { engines: engineMap, columns }), false],
        ['MongoDB', await StoreClient.open(mongo, { engines: engineMap, columns }), false],
      ] as const) {
        backends.push({ name, client, shell: createShell({ client }), paged });
      }
    });

    after(async () => {
      for (const close of closers.reverse()) await close();
    });

    test(`${fx.count} generated queries: a fixed battery that names every kind of key and test`, () => {
      assert.equal(battery.length, fx.count);
      const text = battery.map((b) => pythonLiteral(b.query)).join('\n');
      for (const needle of ['"function"', '"status"', '"result"', '"run_time"', '"engine_id"', '"header.msg_type"', '$glob', '$in', '$nin', 'None', '$or']) {
        assert.ok(text.includes(needle), `the battery tests ${needle}`);
      }
      assert.ok(battery.some((b) => Object.keys(b.query).some((k) => k.startsWith('kwargs.') || k.startsWith('args.') || k.startsWith('result.'))), 'a dotted derived key');
      // the same seed gives the same battery
      assert.deepEqual(generateBatteryAgain(), text);
      // the battery finds records: not every answer is empty, not every answer is everything
      const sizes = reference.answers.map((a) => a.length);
      assert.ok(sizes.filter((n) => n > 0 && n < reference.count).length > fx.count / 3, `answers of every size: ${sizes.join(' ')}`);
    });

    const generateBatteryAgain = () => battery.map((b) => pythonLiteral(b.query)).join('\n');

    test("db_query's answer is Python's, and ipyparallel's DictDB's where it is right", async () => {
      const wrong: string[] = [];
      for (const [i, b] of battery.entries()) {
        const want = reference.answers[i]!;
        const fromDictDB = reference.dictdb[i];
        if (fromDictDB) assert.deepEqual(fromDictDB, want, `ipyparallel's DictDB and the reference matcher on ${pythonLiteral(b.query)}`);
        for (const { name, client } of backends) {
          const got = (await client.dbQuery(b.query, ['msg_id'])).records.map((r) => r['msg_id'] as string).sort();
          if (JSON.stringify(got) !== JSON.stringify(want)) wrong.push(`${name} ${pythonLiteral(b.query)}: ipc ${got.length} ${JSON.stringify(got.slice(0, 3))}, Python ${want.length} ${JSON.stringify(want.slice(0, 3))}`);
        }
      }
      assert.equal(wrong.join('\n'), '');
    });

    test('every counting form gives the same count as Python, on every store', async () => {
      const wrong: string[] = [];
      for (const [i, b] of battery.entries()) {
        const want = reference.answers[i]!.length;
        const q = pythonLiteral(b.query);
        for (const { name, shell, paged } of backends) {
          for (const [form, n] of await countsOf(shell, q, paged)) if (n !== want) wrong.push(`${name} ${form.replace('Q', q)}: ${n}, Python ${want}`);
        }
      }
      assert.equal(wrong.join('\n'), '');
    });
  });
}
