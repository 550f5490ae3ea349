/**
 * Reading configuration never runs or trusts what it reads: .ipcrc keys are
 * checked as the schema's own (never Object.prototype's), and the profile's
 * ipcontroller_config.py counts only top-level assignments of string
 * literals, read by a tokenizer that knows Python's string forms.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { IPC, ROOT, isolatedEnv, runIpc, tempDir } from '../cli/helpers.js';
import { mkfifoSync } from './support/fifo.js';
import { IpcError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/file.js';
import { readControllerConfig } from '../../src/config/profile.js';
import { topLevelStatements } from '../../src/config/python-source.js';

function configError(f: () => unknown): IpcError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof IpcError && e.kind === 'ConfigError', String(e));
    return e;
  }
  assert.fail('no ConfigError');
}

test('keys named like Object.prototype members are unknown keys, at the top and inside a section', () => {
  for (const key of ['hasOwnProperty', 'valueOf', 'toString', 'constructor', '__proto__', 'isPrototypeOf']) {
    assert.match(configError(() => parseConfig(`{${key}: {db_class: 'NoDB'}}`, 'rc')).message, new RegExp(`^rc, line 1: ${key}: unknown key`));
    assert.match(configError(() => parseConfig(`{hub: {${key}: 1}}`, 'rc')).message, new RegExp(`^rc, line 1: hub\\.${key}: unknown key`));
  }
  assert.match(configError(() => parseConfig("{engines: {__proto__: {'0': 'u'}}}", 'rc')).message, /engines/);
});

test('hub.timeout is a number of seconds a timer can wait; a deep value is one sentence', () => {
  assert.match(configError(() => parseConfig('{hub: {timeout: 1e308}}', 'rc')).message, /hub\.timeout: must be a number of seconds above 0 and at most 2147483/);
  assert.equal(parseConfig('{hub: {timeout: 2147483}}', 'rc').hub?.timeout, 2147483);
  const deep = '{session: ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
  const e = configError(() => parseConfig(deep, 'rc'));
  assert.ok(e.message.length < 200, e.message.slice(0, 300));
});

const CONFIG = `"""Settings for the controller.

c.SQLiteDB.filename = 'from-the-docstring.db'
"""
c = get_config()  # c.SQLiteDB.table = 'from-a-comment'
if False:
    c.IPController.db_class = 'MongoDB'
    c.SQLiteDB.location = '/nowhere'
note = '''
c.IPController.db_class = 'NoDB'
'''
other = r"c.SQLiteDB.table = 'raw'" ; c.SQLiteDB.table = rb'x' if 0 else 'tasks'
c.IPController.db_class = \\
    'SQLiteDB'
c.SQLiteDB.filename = ('tasks'
    '.db')
c.SQLiteDB.location = os.path.join(base, "db")
c.MongoDB.database = f"{user}-tasks"
c.MongoDB.connection_args = ['mongodb://db:27017', 5]
`;

test('ipcontroller_config.py: only top-level string assignments count, with notes for the rest', () => {
  const found = readControllerConfig(CONFIG, 'cfg.py');
  assert.equal(found.dbClass, 'SQLiteDB');
  assert.deepEqual(found.sqlite, { filename: 'tasks.db' });
  assert.deepEqual(found.mongo, { url: 'mongodb://db:27017' });
  assert.deepEqual(found.notes, [
    "cfg.py, line 12: c.SQLiteDB.table is not a string literal ('…' if 0 else \"tasks\"); ipc left it out",
    'cfg.py, line 17: c.SQLiteDB.location is not a string literal (os.path.join(base, "db")); ipc left it out',
    "cfg.py, line 18: c.MongoDB.database is not a string literal ('…'); ipc left it out",
  ]);
});

test("the tokenizer reads Python's string forms: prefixes, triple quotes, escapes, continuations", () => {
  const st = topLevelStatements("a = 'it\\'s'\nb = r'\\d+'\nc = \"\\x41\\u00e9\\n\"\nd = U'''x\n'y'\n'''\ne = 'a' \\\n  'b'\n");
  assert.deepEqual(st.map((s) => [s.line, s.text.replace(/\u0000\d+\u0000/g, 'S').replace(/\s+/g, ' '), s.strings.map((x) => x.value)]), [
    [1, 'a = S', ["it's"]],
    [2, 'b = S', ['\\d+']],
    [3, 'c = S', ['Aé\n']],
    [4, 'd = S', ["x\n'y'\n"]],
    [7, 'e = S S', ['a', 'b']],
  ]);
});

/**
 * Every file a flag, the configuration or a profile names is read only when
 * it is a regular file, up to a cap for its kind: a device, a FIFO or a
 * huge file is one sentence within a second or so, exit status 2, with a
 * small peak RSS. Without the bound, /dev/zero reads until memory runs out
 * and a FIFO waits for ever.
 */
const PEAK_RSS = join(ROOT, 'test', 'robust', 'support', 'peak-rss.mjs');

async function refused(setup: (dir: string) => string[], want: RegExp): Promise<void> {
  const tmp = tempDir('ipc-named-');
  try {
    const args = setup(tmp.dir);
    const rss = join(tmp.dir, 'peak-rss');
    const t0 = performance.now();
    const run = await runIpc(args, {
      env: isolatedEnv(tmp.dir, { IPC_PEAK_RSS_FILE: rss }),
      cwd: tmp.dir,
      timeoutMs: 10_000,
      nodeArgs: ['--import', PEAK_RSS],
    });
    const ms = performance.now() - t0;
    const what = `${args.join(' ')} → ${want}`;
    assert.equal(run.code, 2, `${what}: exit status ${run.code}; ${run.stderr}`);
    assert.match(run.stderr.trimEnd(), want, what);
    assert.equal(run.stderr.trim().split('\n').length, 1, `${what}: one line, ${run.stderr}`);
    // node itself takes one to three seconds to start on two busy cores; a FIFO read waits for ever
    assert.ok(ms < 5000, `${what}: ${ms.toFixed(0)} ms`);
    const peakMb = Number(readFileSync(rss, 'utf8')) / 1024;
    assert.ok(peakMb < 200, `${what}: peak RSS ${peakMb.toFixed(0)} MB`);
  } finally {
    tmp.remove();
  }
}

const profileDir = (dir: string, ...rest: string[]) => {
  const p = join(dir, '.ipython', 'profile_default', ...rest);
  mkdirSync(dirname(p), { recursive: true });
  return p;
};

test('./.ipcrc as a link to /dev/zero, or a FIFO: one sentence, exit status 2', async () => {
  await refused((d) => (symlinkSync('/dev/zero', join(d, '.ipcrc')), ['-c', '1']), /^ipc: ConfigError: the configuration file .*\.ipcrc is a character device, not a regular file; name a regular file instead$/);
  await refused((d) => (mkfifoSync(join(d, '.ipcrc')), ['-c', '1']), /^ipc: ConfigError: the configuration file .*\.ipcrc is a named pipe \(FIFO\), not a regular file/);
  await refused((d) => (mkdirSync(join(d, '.ipcrc')), ['-c', '1']), /^ipc: ConfigError: the configuration file .*\.ipcrc is a directory, not a regular file/);
  await refused((d) => (writeFileSync(join(d, '.ipcrc'), `{${' '.repeat(300_000)}}`), ['-c', '1']), /^ipc: ConfigError: the configuration file .*\.ipcrc is 293 KB, more than the 256 KB ipc reads of one/);
});

test("what .ipcrc names (engines, hub.connection_file), --hub and --load: a device, a FIFO or a huge file is one sentence", async () => {
  await refused((d) => (writeFileSync(join(d, '.ipcrc'), "{engines: '/dev/zero'}"), ['-c', '1']), /^ipc: ConfigError: the engine map \/dev\/zero is a character device, not a regular file; name a regular file instead \(engines in .*\)$/);
  await refused((d) => {
    writeFileSync(join(d, 'engines.json'), '');
    truncateSync(join(d, 'engines.json'), 9 * 2 ** 20);
    writeFileSync(join(d, '.ipcrc'), "{engines: 'engines.json'}");
    return ['-c', '1'];
  }, /^ipc: ConfigError: the engine map .*engines\.json is 9 MB, more than the 8 MB ipc reads of one/);
  await refused((d) => {
    mkfifoSync(join(d, 'hub.json'));
    writeFileSync(join(d, '.ipcrc'), "{hub: {connection_file: 'hub.json'}}");
    return ['-c', '1'];
  }, /^ipc: ConfigError: the connection file .*hub\.json is a named pipe \(FIFO\), not a regular file/);
  await refused((d) => (symlinkSync('/dev/zero', join(d, 'client.json')), ['--hub', 'client.json', '-c', '1']), /^ipc: ConfigError: the connection file .*client\.json is a character device/);
  await refused((d) => (mkfifoSync(join(d, 'r.jsonl')), ['--dictdb', '--load', 'r.jsonl', '-c', '1']), /^ipc: ConfigError: the records file .*r\.jsonl is a named pipe \(FIFO\)/);
});

test("a profile's log/engines.json or ipcontroller_config.py that is a device or a FIFO: one sentence", async () => {
  await refused((d) => (symlinkSync('/dev/zero', profileDir(d, 'log', 'engines.json')), ['-c', '1']), /^ipc: ConfigError: the engine map .*engines\.json is a character device, not a regular file; name a regular file instead \(the controller's engine state\)$/);
  await refused((d) => (mkfifoSync(profileDir(d, 'ipcontroller_config.py')), ['-c', '1']), /^ipc: ConfigError: the profile's controller configuration .*ipcontroller_config\.py is a named pipe \(FIFO\)/);
});

test('/dev/zero as the script, or a NUL on stdin: refused at the first block, not after reading it all', async () => {
  await refused(() => ['/dev/zero'], /^ipc: ConfigError: \/dev\/zero holds binary data, not statements/);
  await refused((d) => (mkdirSync(join(d, 'dir.ipc')), ['dir.ipc']), /^ipc: ConfigError: the script dir\.ipc is a directory; give a file of statements$/);
  const tmp = tempDir();
  try {
    const piped = await runIpc([], { input: '1 + 1\n\0', env: isolatedEnv(tmp.dir), cwd: tmp.dir, timeoutMs: 10_000 });
    assert.equal(piped.code, 2);
    assert.match(piped.stderr, /^ipc: ConfigError: stdin holds binary data/);
  } finally {
    tmp.remove();
  }
});

test('a script from a pipe given as a file (process substitution, /dev/stdin) is read once, whole', async () => {
  const tmp = tempDir();
  try {
    // through sh, so that stdin is a pipe (Node gives a child a socket)
    const out = execFileSync('sh', ['-c', `printf '6 * 7\\n' | '${process.execPath}' '${IPC}' --demo /dev/stdin`], { env: isolatedEnv(tmp.dir), cwd: tmp.dir, encoding: 'utf8', timeout: 10_000 });
    assert.equal(out.trim(), '42');
  } finally {
    tmp.remove();
  }
});
