/** Script mode through the real `node bin/ipc.js`: statements, formats, errors, exit statuses. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { FLAGS } from '../../src/config/argv.js';
import { renderJSONL } from '../../src/format/index.js';
import { DEFAULT_KEYS, Timestamp, type TaskRecord } from '../../src/records/index.js';
import { generateDemoRecords } from '../../src/stores/index.js';
import { IPC, ROOT, isolatedEnv, jsonLines, runIpc, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let records: TaskRecord[];
let env: NodeJS.ProcessEnv;
const load = () => ['--dictdb', '--load', join(tmp.dir, 'tasks.jsonl')];

before(() => {
  tmp = tempDir();
  env = isolatedEnv(tmp.dir);
  records = generateDemoRecords({ count: 40, seed: 11, anchor: Timestamp.parse('2026-11-02T15:00:00Z')! });
  writeFileSync(join(tmp.dir, 'tasks.jsonl'), renderJSONL(records) + '\n');
});
after(() => tmp.remove());

const sorted = () => [...records].sort((a, b) => (a['submitted'] as Timestamp).us - (b['submitted'] as Timestamp).us);

test('statements come from -c, a FILE, - and a pipe alike', async () => {
  const src = "n = len(db_query({}))\nn\nlen(db_query({'completed': None}))";
  const want = `${records.length}\n${records.filter((r) => r['completed'] === null).length}\n`;
  writeFileSync(join(tmp.dir, 'q.ipc'), src);
  for (const [args, input] of [[['-c', src], ''], [[join(tmp.dir, 'q.ipc')], ''], [['-'], src], [[], src]] as const) {
    const run = await runIpc([...load(), ...args], { input, env, cwd: tmp.dir });
    assert.equal(run.stderr, '', args.join(' '));
    assert.equal(run.stdout, want, args.join(' '));
    assert.equal(run.code, 0);
  }
});

test('an error goes to stderr as line N: Kind: sentence, the script goes on, and the exit status is 1', async () => {
  const run = await runIpc([...load()], { input: "1 + 1\nnope\n\ndb_query({'completd': None})\n'still here'", env });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "2\n'still here'\n");
  const lines = run.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, /^line 2: NameError: name 'nope' is not defined/);
  assert.match(lines[1]!, /^line 4: QueryError: unknown key 'completd' \(did you mean 'completed'\?\)/);
  assert.equal(lines.length, 2);
  assert.doesNotMatch(run.stderr, /^\s+at .*:\d+:\d+/m, 'no stack trace');
});

test('statements joined to a failed one by `;` on its line do not run, as in Python; the next line does', async () => {
  const run = await runIpc([...load()], { input: "x = 1\nx = 1/0; x = 5; 'not here'\nx\ny = (2 +\n  nope); x = 7\nx", env });
  assert.equal(run.code, 1);
  // x kept the 1 of line 1: `x = 5` after the division by zero did not run, nor `x = 7` after the statement that ends on line 5
  assert.equal(run.stdout, '1\n1\n');
  const lines = run.stderr.trimEnd().split('\n');
  assert.match(lines[0]!, /^line 2: ZeroDivisionError/);
  assert.match(lines[1]!, /^line 4: NameError: name 'nope' is not defined/);
  assert.equal(lines.length, 2);
});

test('--bail stops at the first failed statement', async () => {
  const run = await runIpc([...load(), '--bail'], { input: "1\n{'a': \nfoo = 2\n3", env });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, '1\n');
  assert.match(run.stderr, /^line 2: ParseError: this '\{' is never closed; expected '\}' before the end of the statement \(at column 1\)\n  \{'a': \n  \^\n$/);
});

test('a parse error shows the line and a caret under the column', async () => {
  const run = await runIpc([...load()], { input: "x = 1\ndb_query({'completed': None}, keys=['msg_id' 'started')", env });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^line 2: ParseError: '\)' does not match the '\[' opened at line 2, column 36; expected '\]' \(at column 55\)\n  db_query.*\n {56}\^\n$/);
});

test('--format table: aligned columns, no colour when not a terminal', async () => {
  const run = await runIpc([...load(), '--format', 'table', '-c', "db_query({'completed': None}, keys=['msg_id', 'queue', 'started'])"], { env });
  assert.equal(run.code, 0);
  const lines = run.stdout.trimEnd().split('\n');
  const pending = sorted().filter((r) => r['completed'] === null);
  assert.deepEqual(lines[0]!.split(/\s+/), ['msg_id', 'queue', 'started']);
  assert.match(lines[1]!, /^-{40,}  -{5}  -+$/, 'whole 7.x msg_ids');
  assert.equal(lines.length, pending.length + 2);
  const width = lines[1]!.indexOf(' ');
  lines.slice(2).forEach((l, i) => {
    assert.equal(l.slice(0, width).trimEnd(), pending[i]!['msg_id']);
    assert.equal(l.indexOf(String(pending[i]!['queue'] ?? 'None')), width + 2, 'the second column starts at the same place on every line');
  });
  assert.doesNotMatch(run.stdout, /\u001b\[/);
});

test('--format json: one compact JSON text per value; datetimes ISO UTC with six digits and Z; buffers base64', async () => {
  const first = sorted()[0]!;
  const run = await runIpc([...load(), '--format', 'json', '-c', `db_query({'msg_id': '${first['msg_id']}'}, keys=['submitted', 'buffers', 'header'])\nlen(hub_history())\n'text'\nNone`], { env });
  assert.equal(run.code, 0);
  const [list, n, text, ...rest] = jsonLines(run.stdout) as [Record<string, unknown>[], number, string];
  assert.equal(rest.length, 0, 'None prints nothing');
  assert.equal(n, records.length);
  assert.equal(text, 'text');
  assert.equal(list[0]!['submitted'], (first['submitted'] as Timestamp).toISOString());
  assert.match(list[0]!['submitted'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.deepEqual(list[0]!['buffers'], (first['buffers'] as Uint8Array[]).map((b) => Buffer.from(b).toString('base64')));
  assert.deepEqual(Object.keys(list[0]!), ['msg_id', 'submitted', 'buffers', 'header']);
});

test('--format jsonl writes one record per line, and --dictdb --load reads it back unchanged', async () => {
  const everything = "db_query({}, keys=" + JSON.stringify([...DEFAULT_KEYS, 'buffers', 'result_buffers']) + ')';
  const dump = await runIpc([...load(), '--format', 'jsonl', '-c', everything], { env });
  assert.equal(dump.code, 0);
  assert.equal(dump.stdout.trimEnd().split('\n').length, records.length);
  writeFileSync(join(tmp.dir, 'again.jsonl'), dump.stdout);
  const again = await runIpc(['--dictdb', '--load', join(tmp.dir, 'again.jsonl'), '--format', 'jsonl', '-c', everything], { env });
  assert.equal(again.stderr, '');
  assert.equal(again.stdout, dump.stdout, 'the round trip keeps every value');
});

test('--format csv: a header and one row per record, quoted where needed', async () => {
  const run = await runIpc([...load(), '--format', 'csv', '-c', "db_query({'stdout': {'$ne': ''}}, keys=['stdout', 'completed'])"], { env });
  assert.equal(run.code, 0);
  const want = sorted().filter((r) => r['stdout'] !== '');
  assert.ok(want.length > 0);
  const text = run.stdout;
  assert.ok(text.startsWith('msg_id,stdout,completed\n'));
  // Every stdout ends with a newline, so every field is quoted; count the records by their ids.
  for (const r of want) assert.ok(text.includes(`${r['msg_id']},"${(r['stdout'] as string).replace(/"/g, '""')}",`));
});

test('%format in a script changes the format of what follows', async () => {
  const run = await runIpc([...load(), '-c', "%format json\n{'a': (1, 2)}\n%format table\n{'a': (1, 2)}"], { env });
  assert.equal(run.stdout, '{"a":[1,2]}\n{\'a\': (1, 2)}\n');
});

test('purge_results needs --write, and --yes in a script; nothing else writes', async () => {
  const purge = "purge_results('all')\nlen(db_query({}))";
  const done = records.filter((r) => r['completed'] !== null).length;
  const readOnly = await runIpc([...load(), '-c', purge], { env });
  assert.equal(readOnly.code, 1);
  assert.match(readOnly.stderr, /^line 1: StoreError: purge_results deletes every completed record .*--write/);
  assert.equal(readOnly.stdout, `${records.length}\n`);
  const noYes = await runIpc([...load(), '--write', '-c', purge], { env });
  assert.match(noYes.stderr, /^line 1: StoreError: .*--yes/);
  assert.equal(noYes.stdout, `${records.length}\n`);
  const yes = await runIpc([...load(), '--write', '--yes', '-c', purge], { env });
  assert.equal(yes.stderr, '');
  assert.equal(yes.stdout, `purged ${done} records\n${records.length - done}\n`);
});

test('exit status 2 and one sentence for a bad command line', async () => {
  for (const [args, pattern] of [
    [['--sqlitdb'], /^ipc: ConfigError: unknown option '--sqlitdb' \(did you mean '--sqlitedb'\?\); ipc --help lists the options\n$/],
    [['--format', 'yaml'], /^ipc: ConfigError: --format takes table, json, jsonl, csv, trace, report, not 'yaml'/],
    [['--nodb', '--demo'], /^ipc: ConfigError: --nodb and --demo both choose the store/],
    [['--table'], /^ipc: ConfigError: --table takes NAME\n$/],
    [['no-such-script.ipc'], /^ipc: ConfigError: cannot read the script no-such-script.ipc \(ENOENT\)\n$/],
  ] as const) {
    const run = await runIpc(args, { env, cwd: tmp.dir });
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, pattern);
    assert.equal(run.stdout, '');
  }
});

test('a store file that is not there is a command-line error (exit status 2); one that is no store, a failure (1)', async () => {
  for (const args of [['--sqlitedb', join(tmp.dir, 'missing.db')], ['--hub', join(tmp.dir, 'missing.json')], ['--dictdb', '--load', join(tmp.dir, 'missing.jsonl')]]) {
    const run = await runIpc([...args, '-c', '1'], { env });
    assert.equal(run.code, 2, args.join(' '));
    assert.match(run.stderr, /^ipc: ConfigError: there is no .*missing\.(db|json|jsonl) \(from --(sqlitedb|hub|dictdb)\)/);
    assert.equal(run.stderr.trimEnd().split('\n').length, 1);
    assert.equal(run.stdout, '');
  }
  const notSQLite = join(tmp.dir, 'not-sqlite.db');
  writeFileSync(notSQLite, 'this is text, not a database\n'.repeat(100));
  const run = await runIpc(['--sqlitedb', notSQLite, '-c', '1'], { env });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^ipc: StoreError: .*not-sqlite\.db/);
  assert.equal(run.stderr.trimEnd().split('\n').length, 1);
});

test('--help lists every option with examples; --version prints the version', async () => {
  const help = await runIpc(['--help'], { env });
  assert.equal(help.code, 0);
  for (const f of FLAGS) assert.ok(help.stdout.includes(`--${f.name}`), `--help mentions --${f.name}`);
  assert.match(help.stdout, /examples:\n {2}ipc --sqlitedb/);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const version = await runIpc(['--version'], { env });
  assert.equal(version.stdout, `ipc ${pkg.version}\n`);
});

test('the piped example of --help runs as bash gives it: the $ of $gte survives the double quotes', async () => {
  const help = await runIpc(['--help'], { env });
  const line = help.stdout.split('\n').find((l) => /^ {2}echo .*\| ipc --demo$/.test(l));
  assert.ok(line, 'an echo … | ipc example');
  const run = spawnSync('bash', ['-c', line.trim().replace(/\| ipc /, `| ${JSON.stringify(process.execPath)} ${JSON.stringify(IPC)} `)], { env, cwd: tmp.dir, encoding: 'utf8' });
  assert.equal(run.stderr, '');
  assert.equal(run.status, 0);
  assert.match(run.stdout, /^\d+\n$/);
  assert.ok(Number(run.stdout) > 0, 'the demo store has tasks started within the hour');
});

test('with no store named anywhere, script mode exits 2 saying where it looked, and answers nothing from the demo store', async () => {
  const mistyped = { ...env, IPYTHONDIR: join(tmp.dir, 'no-such-ipython') };
  for (const args of [['-c', 'len(db_query({}))'], []] as const) {
    const run = await runIpc(args, { env: mistyped, cwd: tmp.dir, input: 'len(db_query({}))\n' });
    assert.equal(run.code, 2);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^ipc: ConfigError: no store was found: no store flag, no configuration file \(--config, \$IPC_CONFIG, \.\/\.ipcrc, ~\/\.ipcrc\), no profile default in \S+no-such-ipython; name one \(--sqlitedb FILE, --hub FILE, --profile NAME, --ipython-dir DIR\), or use --demo for the embedded demo store\n$/);
  }
  // an empty profile directory: where ipc looked for its tasks.db
  const ipython = join(tmp.dir, 'empty-ipython');
  mkdirSync(join(ipython, 'profile_default'), { recursive: true });
  const empty = await runIpc(['-c', '%info'], { env: { ...env, IPYTHONDIR: ipython }, cwd: tmp.dir });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /^ipc: ConfigError: no store was found: profile default in \S+ has no running controller and no tasks\.db \(\S+profile_default\/tasks\.db\); /);
});

test('--demo, or demo: true in the configuration, opens the embedded demo store when nothing is found', async () => {
  const run = await runIpc(['--demo', '-c', 'len(db_query({}))'], { env, cwd: tmp.dir });
  assert.equal(run.code, 0);
  assert.equal(run.stdout, '241\n');
  const config = join(tmp.dir, 'demo.ipcrc');
  writeFileSync(config, '{demo: true}');
  const byConfig = await runIpc(['--config', config, '-c', '%info'], { env, cwd: tmp.dir });
  assert.equal(byConfig.code, 0, byConfig.stderr);
  assert.match(byConfig.stdout, /^store {4}the embedded demo store \(DictDB\) — no store was found: no store flag, no store named in \S+demo\.ipcrc, no profile default in \S+\nrecords {2}241, submitted/);
});

test('script mode loads no terminal UI and no database driver it does not use', async () => {
  // what ES modules import (a resolve hook) and what CommonJS requires (the command's bundle is one), each with its importer
  const hook = `export async function resolve(s, c, next) { const r = await next(s, c); process.stderr.write('LOADED ' + r.url + ' FROM ' + c.parentURL + '\\n'); return r; }`;
  const register = `import { register } from 'node:module'; register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));`;
  const requireHook = join(tmp.dir, 'require-hook.cjs');
  writeFileSync(
    requireHook,
    "const M = require('node:module'); const load = M._load; M._load = function (request, parent, isMain) { " +
      "process.stderr.write('LOADED ' + M._resolveFilename(request, parent, isMain) + ' FROM ' + (parent && parent.filename) + '\\n'); return load.apply(this, arguments); };",
  );
  const run = await runIpc(['--demo', '-c', "len(db_query({'completed': None}))\n%stdout -1"], {
    env,
    nodeArgs: ['--import', 'data:text/javascript,' + encodeURIComponent(register), '--require', requireHook],
  });
  assert.equal(run.code, 0, run.stderr);
  const loaded = run.stderr.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7));
  // the build's bundle (dist/bundle) when it is newer than the modules, else the modules
  assert.ok(loaded.some((u) => u.endsWith('/dist/bundle/cli.cjs') || u.split(' FROM ')[0]!.endsWith('/dist/src/shell/shell.js')), 'the hooks see the modules');
  for (const heavy of ['/node_modules/ink/', '/node_modules/react/', '/node_modules/better-sqlite3/', '/node_modules/mongodb/', '/node_modules/zeromq/', '/dist/src/ui/']) {
    assert.ok(!loaded.some((u) => u.split(' FROM ')[0]!.includes(heavy)), `${heavy} is not loaded`);
  }
});

test('--session names whose tasks are mine; --nodb answers with the NoData KeyError', async () => {
  const run = await runIpc([...load(), '--session', 'abc-123', '-c', "rc.session.session\n%info\nlen(db_query({'client_uuid': session.session}))"], { env });
  assert.equal(run.stderr, '');
  const [who, , , info, count] = run.stdout.split('\n');
  assert.equal(who, "'abc-123'");
  assert.match(info!, /^session {2}abc-123 \(--session\)$/);
  assert.equal(count, '0');
  const nodb = await runIpc(['--nodb', '-c', "rc.get_result('x')\ndb_query({})"], { env });
  assert.equal(nodb.code, 1);
  assert.equal(
    nodb.stderr,
    "line 1: KeyError: NoDB backend doesn't store any data. Start the Controller with a DB backend to enable resubmission / result persistence.\n" +
      "line 2: KeyError: NoDB backend doesn't store any data. Start the Controller with a DB backend to enable resubmission / result persistence.\n",
  );
});

test('a SQLite file given as the FILE is the store to open, as --sqlitedb; a binary script is one sentence', async () => {
  const fixture = join(ROOT, 'test', 'fixtures', 'payloads.db');
  const count = "len(db_query({'completed': None})), len(db_query({}))";
  const want = (await runIpc(['--sqlitedb', fixture, '-c', count], { env, cwd: tmp.dir })).stdout;
  assert.match(want, /^\(\d+, \d+\)\n$/);
  // with -c, and with statements piped in
  for (const [args, input] of [[[fixture, '-c', count], ''], [[fixture], count]] as const) {
    const run = await runIpc([...args], { input, env, cwd: tmp.dir });
    assert.equal(run.stderr, '', args.join(' '));
    assert.equal(run.stdout, want, args.join(' '));
  }
  const beside = await runIpc(['--demo', fixture], { env, cwd: tmp.dir });
  assert.equal(beside.code, 2);
  assert.match(beside.stderr, /^ipc: ConfigError: \S+payloads\.db is a SQLite database, not a script of statements; open it with --sqlitedb \S+, not beside --demo\n$/);
  const binary = join(tmp.dir, 'noise.bin');
  writeFileSync(binary, Buffer.from([0x41, 0x00, 0xff, 0x0a, 0x31]));
  const noise = await runIpc(['--demo', binary], { env, cwd: tmp.dir });
  assert.equal(noise.code, 2);
  assert.equal(noise.stdout, '');
  assert.match(noise.stderr, /^ipc: ConfigError: \S+noise\.bin holds binary data, not statements: a script is text, one statement a line\n$/);
});
