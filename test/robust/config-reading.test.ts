/**
 * Reading configuration never runs or trusts what it reads: .ipcrc keys are
 * checked as the schema's own (never Object.prototype's), and the profile's
 * ipcontroller_config.py counts only top-level assignments of string
 * literals, read by a tokenizer that knows Python's string forms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
