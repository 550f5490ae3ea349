/** Configuration: where the file is found, what it may say, and flags > config file > profile > default. */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseArgs } from '../../src/config/argv.js';
import { parseConfig } from '../../src/config/file.js';
import { readControllerConfig } from '../../src/config/profile.js';
import { resolveSettings } from '../../src/config/resolve.js';
import { IpcError } from '../../src/errors.js';
import { FIXTURE_DB, isolatedEnv, runIpc, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let home: string;
let work: string;
let ipythonDir: string;

before(() => {
  tmp = tempDir();
  home = join(tmp.dir, 'home');
  work = join(tmp.dir, 'work');
  ipythonDir = join(home, '.ipython');
  mkdirSync(work, { recursive: true });
  mkdirSync(join(ipythonDir, 'profile_default', 'security'), { recursive: true });
  mkdirSync(join(ipythonDir, 'profile_cluster', 'db'), { recursive: true });
  copyFileSync(FIXTURE_DB, join(ipythonDir, 'profile_cluster', 'db', 'records.db'));
  writeFileSync(
    join(ipythonDir, 'profile_cluster', 'ipcontroller_config.py'),
    [
      '# Configuration file for ipcontroller.',
      'c = get_config()  #noqa',
      "c.HubFactory.db_class = 'ipyparallel.controller.sqlitedb.SQLiteDB'",
      "c.SQLiteDB.location = 'db'",
      'c.SQLiteDB.filename = "records.db"   # where the records go',
      "c.SQLiteDB.table = 'ipython-tasks_1'",
      "# c.MongoDB.database = 'not-this-one'",
    ].join('\n'),
  );
});
after(() => tmp.remove());

const environment = (env: NodeJS.ProcessEnv = {}, cwd = work) => ({ env: { HOME: home, ...env }, cwd, home });
const settings = (argv: string[], env: NodeJS.ProcessEnv = {}, cwd = work) => resolveSettings(parseArgs(argv), environment(env, cwd));

function configError(f: () => unknown): IpcError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof IpcError, String(e));
    assert.equal(e.kind, 'ConfigError');
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('with no flag, configuration or profile store, the embedded demo store', () => {
  const s = settings([]);
  assert.deepEqual(s.store, { kind: 'demo' });
  assert.match(s.origin, /^no store was found: /);
});

test('where nothing may open the demo store (script mode), finding nothing is no store, with the sentence saying where ipc looked', () => {
  const s = resolveSettings(parseArgs([]), { ...environment(), demoWhenNothing: false });
  assert.equal(s.store.kind, 'none');
  assert.match(s.store.kind === 'none' ? s.store.why : '', /^no store was found: profile default in \S+ has no running controller and no tasks\.db \(\S+tasks\.db\); name one/);
});

test('the profile: ipcontroller_config.py names the store the controller writes', () => {
  const s = settings(['--profile', 'cluster'], { IPYTHONDIR: ipythonDir });
  assert.deepEqual(s.store, { kind: 'sqlite', path: join(ipythonDir, 'profile_cluster', 'db', 'records.db'), table: 'ipython-tasks_1' });
  assert.match(s.origin, /ipcontroller_config\.py$/);
  const viaFlag = settings(['--profile', 'cluster', '--ipython-dir', ipythonDir], { IPYTHONDIR: join(tmp.dir, 'elsewhere') });
  assert.deepEqual(viaFlag.store, s.store, '--ipython-dir wins over $IPYTHONDIR');
  const byHome = settings(['--profile', 'cluster']);
  assert.deepEqual(byHome.store, s.store, 'the default IPython directory is ~/.ipython');
});

test('the configuration file wins over the profile, and flags win over both', () => {
  writeFileSync(join(work, '.ipcrc'), "{db_class: 'NoDB'}\n");
  try {
    assert.deepEqual(settings(['--profile', 'cluster']).store, { kind: 'nodb' });
    assert.deepEqual(settings(['--profile', 'cluster', '--demo']).store, { kind: 'demo' });
    const sqlite = settings(['--profile', 'cluster', '--sqlitedb']).store;
    assert.deepEqual(sqlite, { kind: 'sqlite', path: join(ipythonDir, 'profile_cluster', 'db', 'records.db'), table: 'ipython-tasks_1' }, '--sqlitedb without PATH takes the profile settings');
    assert.deepEqual(settings(['--sqlitedb', 'x.db', '--table', 't']).store, { kind: 'sqlite', path: join(work, 'x.db'), table: 't' });
  } finally {
    writeFileSync(join(work, '.ipcrc'), '{}');
  }
});

test('the configuration file: --config, then $IPC_CONFIG, then ./.ipcrc, then ~/.ipcrc', () => {
  const a = join(tmp.dir, 'a.json5');
  const b = join(tmp.dir, 'b.json5');
  writeFileSync(a, "{db_class: 'NoDB'}");
  writeFileSync(b, "{db_class: 'DictDB'}");
  writeFileSync(join(home, '.ipcrc'), "{db_class: 'MongoDB', MongoDB: {url: 'mongodb://example:27017', database: 'tasks'}}");
  const cwd = join(tmp.dir, 'plain');
  mkdirSync(cwd, { recursive: true });
  assert.equal(settings(['--config', a], { IPC_CONFIG: b }, cwd).store.kind, 'nodb');
  assert.equal(settings([], { IPC_CONFIG: b }, cwd).store.kind, 'dictdb');
  writeFileSync(join(cwd, '.ipcrc'), "{db_class: 'NoDB'}");
  assert.equal(settings([], {}, cwd).store.kind, 'nodb');
  const bare = join(tmp.dir, 'bare');
  mkdirSync(bare, { recursive: true });
  assert.deepEqual(settings([], {}, bare).store, { kind: 'mongodb', url: 'mongodb://example:27017', database: 'tasks', allowJs: false, timeoutMs: null }, '~/.ipcrc last');
  assert.match(configError(() => settings(['--config', join(tmp.dir, 'none.json5')])).message, /none\.json5 \(--config\) does not exist/);
  writeFileSync(join(home, '.ipcrc'), '{}');
});

test('session, engines, display and paths relative to the configuration file', () => {
  const dir = join(tmp.dir, 'cfg');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'ipc.json5'),
    `// every key of .ipcrc.example is valid
{
  db_class: 'SQLiteDB',
  SQLiteDB: {location: 'data', filename: 'tasks.db', table: '*'},
  session: 'abc-123',
  engines: {'0': 'uuid-a', '1': 'uuid-b',},
  display: {timezone: 'utc', max_column_width: 30, format: 'csv'},
}`,
  );
  const s = settings(['--config', join(dir, 'ipc.json5')]);
  assert.deepEqual(s.store, { kind: 'sqlite', path: join(dir, 'data', 'tasks.db'), table: '*' });
  assert.equal(s.session, 'abc-123');
  assert.deepEqual([...s.engines!], [[0, 'uuid-a'], [1, 'uuid-b']]);
  assert.equal(s.timezone, 'utc');
  assert.equal(s.maxColumnWidth, 30);
  assert.equal(s.format, 'csv');
  const flagged = settings(['--config', join(dir, 'ipc.json5'), '--session', 'mine', '--format', 'json', '--timezone', 'local']);
  assert.equal(flagged.session, 'mine');
  assert.equal(flagged.format, 'json');
  assert.equal(flagged.timezone, 'local');
  // every output format of --format is a default the file may set, trace included
  writeFileSync(join(dir, 'trace.json5'), "{display: {format: 'trace'}}");
  assert.equal(settings(['--config', join(dir, 'trace.json5')]).format, 'trace');
});

test("the engine map comes from the running controller's log/engines.json, as ipcontroller 7.x writes it", () => {
  const dir = join(ipythonDir, 'profile_default', 'log');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'engines.json'), JSON.stringify({ engines: { 0: 'e0', 3: 'e3' }, next_id: 4 }));
  assert.deepEqual([...settings([], { IPYTHONDIR: ipythonDir }).engines!], [[0, 'e0'], [3, 'e3']]);
  writeFileSync(join(dir, 'engines.json'), '{"engines": {"0": "e');
  assert.equal(settings([], { IPYTHONDIR: ipythonDir }).engines, null, 'a file the controller is still writing is no error');
});

test('unknown keys and bad values name the file, the line and the key', () => {
  const e1 = configError(() => parseConfig("{\n  db_class: 'SQLiteDB',\n  SQLiteDB: {\n    locaton: 'x',\n  },\n}", '/etc/ipcrc'));
  assert.equal(e1.message, "/etc/ipcrc, line 4: SQLiteDB.locaton: unknown key (did you mean 'location'?); SQLiteDB takes location, filename, table, mmap");
  const e2 = configError(() => parseConfig("{\n  db_class: 'Sqlite',\n}", 'rc'));
  assert.equal(e2.message, 'rc, line 2: db_class: must be one of "SQLiteDB", "MongoDB", "DictDB", "NoDB", not "Sqlite"');
  const e3 = configError(() => parseConfig('{display: {\n max_column_width: 2}}', 'rc'));
  assert.match(e3.message, /^rc, line 2: display\.max_column_width: must be a whole number of 8 or more, not 2$/);
  const e4 = configError(() => parseConfig('{sesion: "x"}', 'rc'));
  assert.match(e4.message, /^rc, line 1: sesion: unknown key \(did you mean 'session'\?\)/);
  const e5 = configError(() => parseConfig('{\n db_class: "NoDB"\n engines: {}}', 'rc'));
  assert.match(e5.message, /^rc, line 3: this is not JSON5/);
  const e6 = configError(() => parseConfig("{engines: {0: 'uuid'}}", 'rc'));
  assert.match(e6.message, /a key that is a number goes in quotes/);
  const e7 = configError(() => parseConfig("{SQLiteDB: {\n mmap: 'yes'}}", 'rc'));
  assert.match(e7.message, /^rc, line 2: SQLiteDB\.mmap: must be true or false, not "yes"$/);
});

test('reading through a memory map is asked for by --mmap or SQLiteDB.mmap, and is off otherwise', () => {
  assert.equal(settings(['--sqlitedb', 'x.db']).mmap, false);
  assert.equal(settings(['--sqlitedb', 'x.db', '--mmap']).mmap, true);
  const { dir, remove } = tempDir();
  try {
    writeFileSync(join(dir, 'rc.json5'), '{SQLiteDB: {mmap: true}}');
    assert.equal(settings(['--config', join(dir, 'rc.json5'), '--sqlitedb', 'x.db']).mmap, true);
  } finally {
    remove();
  }
  assert.match(configError(() => parseArgs(['--nodb', '--mmap'])).message, /--mmap reads a SQLite file; it does not go with --nodb/);
});

test("ipcontroller_config.py: db_class in its forms, and errors naming the line", () => {
  assert.equal(readControllerConfig("c.IPController.db_class = 'MongoDB'", 'p').dbClass, 'MongoDB');
  assert.equal(readControllerConfig('c.HubFactory.db_class = "ipyparallel.controller.dictdb.NoDB"', 'p').dbClass, 'NoDB');
  assert.deepEqual(readControllerConfig("c.MongoDB.connection_args = ['mongodb://h:1']\nc.MongoDB.database = 'd'", 'p').mongo, { url: 'mongodb://h:1', database: 'd' });
  const e = configError(() => readControllerConfig("\n\nc.IPController.db_class = CustomDB", 'cfg.py'));
  assert.match(e.message, /^cfg\.py, line 3: c\.IPController\.db_class: /);
});

test('a missing profile is an error that says how to make one', () => {
  const e = configError(() => settings(['--profile', 'nope']));
  assert.match(e.message, /there is no profile 'nope' in .*ipython create --parallel nope|ipython profile create --parallel nope/);
});

test('through the CLI: the profile store opens, and a bad config is exit status 2', async () => {
  const env = isolatedEnv(home, { IPYTHONDIR: ipythonDir });
  const run = await runIpc(['--profile', 'cluster', '-c', '%info\nlen(db_query({}))'], { env, cwd: work });
  assert.equal(run.stderr, '');
  assert.match(run.stdout, /^store {4}SQLiteDB .*records\.db, table ipython-tasks_1\b/);
  const bad = join(tmp.dir, 'bad.json5');
  writeFileSync(bad, '{\n  db_clas: "NoDB"}');
  const failed = await runIpc(['--config', bad, '-c', '1'], { env, cwd: work });
  assert.equal(failed.code, 2);
  assert.equal(failed.stderr, `ipc: ConfigError: ${bad}, line 2: db_clas: unknown key (did you mean 'db_class'?); the keys are db_class, SQLiteDB, MongoDB, DictDB, hub, session, engines, display, profile, ipython_dir, cluster_id, demo\n`);
});

test('.ipcrc.example is a valid configuration that shows every key', async () => {
  const { readFileSync } = await import('node:fs');
  const { ROOT } = await import('./helpers.js');
  const text = readFileSync(join(ROOT, '.ipcrc.example'), 'utf8');
  const config = parseConfig(text, '.ipcrc.example') as Record<string, unknown>;
  const keys = ['db_class', 'SQLiteDB.location', 'SQLiteDB.filename', 'SQLiteDB.table', 'MongoDB.url', 'MongoDB.database',
    'DictDB.record_limit', 'DictDB.size_limit', 'DictDB.cull_fraction', 'DictDB.load', 'hub.connection_file', 'hub.timeout',
    'session', 'engines', 'display.timezone', 'display.max_column_width', 'display.format', 'profile', 'ipython_dir', 'cluster_id', 'demo'];
  for (const k of keys) {
    const [a, b] = k.split('.') as [string, string | undefined];
    assert.ok(b === undefined ? a in config : b in (config[a] as object), `.ipcrc.example shows ${k}`);
  }
  // Every key the validator knows is in the list above.
  const e = configError(() => parseConfig('{zzz: 1}', 'x'));
  const listed = /the keys are (.*)$/.exec(e.message)![1]!.split(', ');
  for (const k of listed) assert.ok(keys.some((x) => x.split('.')[0] === k), `${k} is documented`);
});

test('--allow-js and --timeout reach the MongoDB store; --allow-js goes with --mongodb only', () => {
  const cwd = join(tmp.dir, 'mongo-flags');
  mkdirSync(cwd, { recursive: true });
  const store = settings(['--mongodb', 'mongodb://example:27017', '--allow-js', '--timeout', '2'], {}, cwd).store;
  assert.equal(store.kind, 'mongodb');
  assert.deepEqual(store.kind === 'mongodb' && [store.url, store.allowJs, store.timeoutMs], ['mongodb://example:27017', true, 2000]);
  assert.throws(() => parseArgs(['--sqlitedb', 'tasks.db', '--allow-js']), /--allow-js lets MongoDB run JavaScript/);
});
