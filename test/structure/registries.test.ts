/**
 * Each registry against what the user reads of it: every magic in `%help`,
 * in `%help NAME` and in completion; every derived key in `%help KEY` and
 * in completion; every output format in `%format`; and each of them in
 * README's tables. When a README table drifts, the failure prints the
 * table as it should read, to paste in place of the old one.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { StoreClient } from '../../src/client/index.js';
import { OUTPUT_FORMATS, WRITERS } from '../../src/format/index.js';
import { DERIVED_KEYS, DERIVED_KEY_TABLE } from '../../src/payload/index.js';
import { MAGIC_LIST, createShell, helpLine, type Shell } from '../../src/shell/index.js';
import { DictDB } from '../../src/stores/index.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** A table cell: `|` escaped, as GitHub's tables need it (in code spans too). */
const cell = (s: string) => s.replace(/\|/g, '\\|');
/** A cell of prose: `<n>` and `<lambda>` shown, not taken for HTML. */
const prose = (s: string) => cell(s).replace(/</g, '&lt;');

/** The table README holds after `<!-- table: NAME -->`. */
function readmeTable(name: string): string {
  const marker = `<!-- table: ${name} -->\n`;
  const at = readme.indexOf(marker);
  assert.ok(at >= 0, `README.md has no "${marker.trim()}" before its ${name} table`);
  const lines = readme.slice(at + marker.length).split('\n');
  const end = lines.findIndex((l) => !l.startsWith('|'));
  return lines.slice(0, end).join('\n');
}

function assertTable(name: string, header: string, rows: string[]): void {
  const want = [header, header.replace(/[^|]+/g, ' --- '), ...rows].join('\n');
  assert.equal(readmeTable(name), want, `README.md's ${name} table differs from the registry; it should read:\n\n${want}\n`);
}

async function shell(): Promise<Shell> {
  return createShell({ client: await StoreClient.open(new DictDB(), { write: false, confirm: async () => false }) });
}

async function text(sh: Shell, source: string): Promise<string> {
  const [o] = await sh.execute(source);
  if (o?.error) throw o.error;
  return String((o?.value as { text?: string }).text ?? o?.value);
}

test('every magic has its line in %help, answers %help %NAME, completes after %, and is a row of README', async () => {
  const sh = await shell();
  const overview = (await text(sh, '%help')).split('\n');
  for (const m of MAGIC_LIST) {
    assert.ok(overview.includes(`  ${helpLine(m)}`), `%help lists %${m.name}`);
    assert.equal(await text(sh, `%help %${m.name}`), helpLine(m));
    assert.ok((await sh.complete(`%${m.name.slice(0, 1)}`, 2)).candidates.includes(m.name), `%${m.name.slice(0, 1)} completes to ${m.name}`);
  }
  assert.deepEqual((await sh.complete('%', 1)).candidates, MAGIC_LIST.map((m) => m.name).sort());
  assertTable('magics', '| magic | what it does |', MAGIC_LIST.map((m) => `| \`${cell(m.usage)}\` | ${prose(m.help)} |`));
});

test('every derived key answers %help KEY with its doc, completes inside a string, and is a row of README', async () => {
  const sh = await shell();
  for (const k of DERIVED_KEYS) {
    assert.equal(await text(sh, `%help ${k}`), `${k} (derived by ipc): ${DERIVED_KEY_TABLE[k].doc}`);
    const line = `db_query({}, keys=['${k}`;
    assert.ok((await sh.complete(line, line.length)).candidates.includes(k), `${k} completes as a key`);
  }
  assertTable('derived keys', '| key | value |', DERIVED_KEYS.map((k) => `| \`${k}\` | ${prose(DERIVED_KEY_TABLE[k].doc)} |`));
});

test('every output format that can be a session\'s is offered by %format, the others refused, and each is a row of README', async () => {
  const sh = await shell();
  const session = OUTPUT_FORMATS.filter((f) => WRITERS[f].sessionFormat);
  assert.equal(await text(sh, '%format'), `format: table (choose ${session.join(', ')})`);
  for (const f of OUTPUT_FORMATS.filter((x) => !WRITERS[x].sessionFormat)) {
    const [o] = await sh.execute(`%format ${f}`);
    assert.equal(o?.error?.kind, 'TypeError', `%format ${f} is refused: it is a file of its own`);
  }
  assertTable('formats', '| format | writes | `%export` takes it for |', OUTPUT_FORMATS.map((f) => `| \`${f}\` | ${prose(WRITERS[f].doc)} | ${WRITERS[f].endings.map((e) => `\`${e}\``).join(' ')} |`));
});
