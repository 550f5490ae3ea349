/**
 * %report FILE.html: one page that parses as XML (so as HTML too), whose
 * numbers are those of %stats / stats() and whose failures table is
 * errors()'s, on a real controller's tasks.db and on a 9.x store with
 * labels; what a task controls never reaches the page as markup or control;
 * an existing file is kept without --force; a write that fails midway
 * leaves nothing behind.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { renderReport, safeText } from '../../src/format/index.js';
import { ReportBuilder } from '../../src/analytics/index.js';
import { Timestamp, tracebackText, type TaskRecord } from '../../src/records/index.js';
import { writeFileStreaming } from '../../src/shell/export-file.js';
import { storeError } from '../../src/errors.js';
import { PYTHON, havePython } from '../support/python.js';

const root = resolve(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'ipc.js');
const fixtures = join(root, 'test', 'fixtures');
let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-report-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function ipc(...args: string[]): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

type Cells = Record<string, string | null>;
interface Page {
  summary: Cells;
  stats: Record<string, Record<string, Cells>>;
  errors: (Cells & { sample: string })[];
  tracebacks: Record<string, string>;
  histograms: Record<string, number>;
  timelineRects: number;
  scripts: number;
}

/** The page parsed by Python's XML parser (strict: any malformed markup raises), its numbers read from the data- attributes. */
function parsePage(file: string): Page {
  return JSON.parse(execFileSync(PYTHON, ['-c', String.raw`
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
H = '{http://www.w3.org/1999/xhtml}'
S = '{http://www.w3.org/2000/svg}'
ids = {e.get('id'): e for e in root.iter() if e.get('id')}
cells = lambda tr: {td.get('data-col'): td.get('data-value') for td in tr.iter(H + 'td') if td.get('data-col')}
stats = {}
for w in ('engine', 'function', 'label'):
    stats[w] = {tr.get('data-group'): cells(tr) for tr in ids['stats-' + w].iter(H + 'tr') if tr.get('data-group')}
errors = []
if 'errors' in ids:
    for tr in ids['errors'].find(H + 'tbody').iter(H + 'tr'):
        row = cells(tr)
        row['sample'] = tr.get('data-sample')
        errors.append(row)
print(json.dumps({
    'summary': {dd.get('data-key'): dd.get('data-value') for dd in ids['summary'].iter(H + 'dd')},
    'stats': stats,
    'errors': errors,
    'tracebacks': {d.get('data-sample'): ''.join(d.find(H + 'pre').itertext()) for d in root.iter(H + 'details')},
    'histograms': {k: sum(int(r.get('data-count')) for r in ids[k].iter(S + 'rect')) for k in ('hist-run_time', 'hist-queue_wait')},
    'timelineRects': sum(1 for r in ids['timeline'].iter(S + 'rect')),
    'scripts': sum(1 for e in root.iter() if e.tag.split('}')[-1].lower() == 'script'),
}))
`, file], { encoding: 'utf8' })) as Page;
}

const value = (v: string | null | undefined): number | null => (v === '' || v === null || v === undefined ? null : Number(v));

function close(actual: number | null, expected: unknown, what: string): void {
  if (typeof expected === 'number' && actual !== null) {
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);
  } else assert.equal(actual, expected ?? null, what);
}

interface StatsJson { groups: Record<string, unknown>[]; total: Record<string, unknown>; engines: number }
interface ErrorsJson { selected: number; failed: number; signatures: Record<string, unknown>[] }

const STATS_COLUMNS = ['count', 'ok', 'error', 'aborted', 'pending', 'busy', 'utilisation', 'throughput',
  'run_time_median', 'run_time_p95', 'run_time_max', 'queue_wait_median', 'queue_wait_p95', 'queue_wait_max'];

const FIXTURES: [string, string[]][] = [
  ['a 7.1 controller\'s tasks.db, both tables', [join(fixtures, 'tasks.db'), '--table', '*']],
  ['a 9.x tasks.db with labels', [join(fixtures, 'ipp9-labels.db')]],
];

for (const [name, store] of FIXTURES) {
  test(`%report on ${name}: well-formed, its numbers are stats()'s and its failures errors()'s`, { skip: !havePython() }, () => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.html`);
    const r = ipc('--sqlitedb', ...store, '--format', 'json',
      '-c', `%report ${file}`,
      '-c', '%stats by engine', '-c', '%stats by function', '-c', '%stats by label', '-c', "stats(db_query({}), by='engine')",
      '-c', 'errors({})', '-c', "db_query({}, keys=['submitted', 'received', 'completed', 'error', 'result_content'])");
    assert.equal(r.status, 0, r.stderr);
    const [wrote, ...json] = r.stdout.trim().split('\n');
    assert.match(wrote!, /^wrote .* a report of \d+ tasks/);
    const [byEngine, byFunction, byLabel, statsFn, errors, records] = json.map((l) => JSON.parse(l)) as [StatsJson, StatsJson, StatsJson, StatsJson, ErrorsJson, Record<string, unknown>[]];
    assert.deepEqual(statsFn, byEngine, 'stats() and %stats give the same numbers');
    const page = parsePage(file);
    assert.equal(page.scripts, 0);

    const total = byEngine.total;
    close(value(page.summary['records']), total['count'], 'tasks');
    for (const k of ['ok', 'error', 'pending']) close(value(page.summary[k]), total[k], k);
    close(value(page.summary['serial_time']), total['busy'], 'serial time = summed run time');
    close(value(page.summary['engines']), byEngine.engines, 'engines');
    // wall time: the first submitted to the last received (else completed), computed here from the records
    const us = (v: unknown) => (typeof v === 'string' ? Timestamp.parse(v)!.us : null);
    const starts = records.map((x) => us(x['submitted'])).filter((v): v is number => v !== null);
    const ends = records.map((x) => us(x['received']) ?? us(x['completed'])).filter((v): v is number => v !== null);
    const wall = (Math.max(...ends) - Math.min(...starts)) / 1e6;
    close(value(page.summary['wall_time']), wall, 'wall time');
    close(value(page.summary['speedup']), (total['busy'] as number) / wall, 'speedup');
    close(value(page.summary['efficiency']), (total['busy'] as number) / wall / byEngine.engines, 'efficiency');

    for (const [word, st] of [['engine', byEngine], ['function', byFunction], ['label', byLabel]] as const) {
      const key = word === 'engine' ? 'engine_id' : word;
      const rows = page.stats[word]!;
      assert.deepEqual(Object.keys(rows).filter((k) => k !== 'total').sort(), st.groups.map((g) => JSON.stringify(g[key])).sort(), `${word} groups`);
      for (const g of [...st.groups, st.total]) {
        const row = g === st.total ? rows['total']! : rows[JSON.stringify(g[key])]!;
        for (const c of STATS_COLUMNS) close(value(row[c]), g[c], `by ${word} ${String(g[key])} ${c}`);
      }
    }
    assert.equal(page.histograms['hist-run_time'], total['timed'], 'every timed task is in the run-time histogram');

    assert.ok(errors.failed > 0, 'the fixture has failures');
    assert.equal(page.errors.length, errors.signatures.length);
    page.errors.forEach((row, i) => {
      const s = errors.signatures[i]!;
      assert.equal(row.sample, s['sample']);
      close(value(row['count']), s['count'], 'count');
      close(value(row['share']), s['share'], 'share');
      for (const k of ['ename', 'evalue', 'first', 'last', 'cause']) assert.equal(row[k] || null, s[k] ?? null, `signature ${i} ${k}`);
      assert.deepEqual(JSON.parse(row['functions']!), s['functions']);
      assert.deepEqual(JSON.parse(row['engines']!), s['engines']);
      // the first traceback of each signature: its sample's, colour dropped, controls shown
      const sample = records.find((x) => x['msg_id'] === s['sample']) as TaskRecord;
      assert.equal(page.tracebacks[s['sample'] as string], safeText(tracebackText(sample)!, { sgr: 'strip' }));
    });
  });
}

test('%report of hostile records: no control character, no markup of theirs, their text shown escaped', { skip: !havePython() }, () => {
  const db = join(dir, 'hostile.db');
  copyFileSync(join(fixtures, 'hostile.db'), db);
  const sqlite = new Database(db);
  const tag = '<script>alert(1)</script><img src="http://evil.example/x.png"/>';
  sqlite.prepare(`UPDATE "ipython-tasks" SET label = label || ?`).run(tag);
  sqlite.prepare(`UPDATE "ipython-tasks" SET error = json_set(error, '$.evalue', json_extract(error, '$.evalue') || ?) WHERE error IS NOT NULL AND error != 'null'`).run(tag);
  assert.ok((sqlite.prepare(`SELECT count(*) FROM "ipython-tasks" WHERE error LIKE '%<script>%'`).pluck().get() as number) > 0);
  const labels = sqlite.prepare(`SELECT DISTINCT label FROM "ipython-tasks"`).pluck().all() as string[];
  sqlite.close();
  const file = join(dir, 'hostile.html');
  const r = ipc('--sqlitedb', db, '-c', `%report ${file}`);
  assert.equal(r.status, 0, r.stderr);
  const raw = readFileSync(file, 'utf8');
  assert.ok(!/[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(raw), 'no control character');
  assert.ok(!/<script|<img|<iframe|<link|<object/i.test(raw), 'no markup of the task\'s');
  assert.ok(!/(src|href)=["']?http/i.test(raw), 'nothing to fetch');
  const page = parsePage(file);
  assert.equal(page.scripts, 0);
  const keys = Object.keys(page.stats['label']!).filter((k) => k !== 'total').map((k) => JSON.parse(k) as string);
  assert.deepEqual(keys.sort(), labels.sort(), 'each group names its label whole, as JSON');
  assert.ok(raw.includes('label\\x1b]52;c;UFdORUQ=\\x07'), 'the label is shown with its controls as escapes');
  assert.ok(raw.includes('&#60;script&#62;alert(1)&#60;/script&#62;'), 'the task\'s markup is text');
  // (its number and quoted URL are placeholders in the signature)
  assert.ok(page.errors.some((e) => e['evalue']!.includes('<script>alert(<n>)<')), 'the evalue reads as the task wrote it, as text');
});

test('%report keeps an existing file unless --force', () => {
  const file = join(dir, 'kept.html');
  const store = join(fixtures, 'tasks.db');
  assert.equal(ipc('--sqlitedb', store, '-c', `%report ${file}`).status, 0);
  const before = readFileSync(file, 'utf8');
  const again = ipc('--sqlitedb', store, '-c', `%report ${file} {'queue': 'task'}`);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /kept\.html exists; add --force to replace it/);
  assert.equal(readFileSync(file, 'utf8'), before);
  const forced = ipc('--sqlitedb', store, '-c', `%report ${file} {'queue': 'task'} --force`);
  assert.equal(forced.status, 0, forced.stderr);
  assert.notEqual(readFileSync(file, 'utf8'), before);
  assert.ok(readFileSync(file, 'utf8').includes("{&#39;queue&#39;: &#39;task&#39;}"), 'the page names its query');
});

test('--format report writes the page of a db_query statement to stdout', () => {
  const r = spawnSync(process.execPath, [bin, '--sqlitedb', join(fixtures, 'tasks.db'), '--format', 'report', '-c', "db_query({'queue': 'task'})"], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^<!DOCTYPE html>\n/);
  assert.match(r.stdout, /<\/html>\n$/);
  assert.match(r.stdout, /data-key="records" data-value="(\d+)"/);
});

test('a report whose writing fails midway leaves no file behind', async () => {
  const out = join(dir, 'midway', 'report.html');
  execFileSync('mkdir', ['-p', join(dir, 'midway')]);
  const recs: TaskRecord[] = [];
  for (let i = 0; i < 50; i++) {
    const t = Timestamp.parse(`2026-11-01T00:00:${String(i).padStart(2, '0')}Z`)!;
    recs.push({ msg_id: `m${i}`, submitted: t, started: t, completed: t.plus(500_000), engine_uuid: 'e' });
  }
  const b = new ReportBuilder();
  for (const r of recs) b.add(r);
  let passes = 0;
  const timeline = function* () {
    passes++;
    for (const [i, r] of recs.entries()) {
      if (passes === 2 && i === 25) throw storeError('the store went away');
      yield r;
    }
  };
  const pieces = renderReport({ source: 'test', query: null, generated: Timestamp.now(), report: b.result(), tracebacks: new Map(), timeline, ctx: {}, utc: true });
  await assert.rejects(writeFileStreaming(out, false, pieces), /the store went away/);
  assert.equal(passes, 2, 'the failure came while drawing, after the first pieces were written');
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(join(dir, 'midway')), [], 'no partial file either');
  assert.ok(statSync(dir).isDirectory());
});

test('Ctrl-C stops an export between two pieces and leaves no file, though the pieces come without the event loop turning', async () => {
  mkdirSync(join(dir, 'stopped'));
  const out = join(dir, 'stopped', 'big.json');
  let made = 0;
  // 64 KB pieces made as fast as they are asked for: the drawing of a large trace
  async function* pieces(): AsyncGenerator<string> {
    const piece = 'x'.repeat(1 << 16);
    for (; made < 20_000; made++) yield piece;
  }
  const ac = new AbortController();
  setImmediate(() => ac.abort());
  await assert.rejects(writeFileStreaming(out, false, pieces(), ac.signal), (e: { kind?: string }) => e.kind === 'Interrupted');
  assert.ok(made < 20_000, 'every piece was written');
  assert.deepEqual(readdirSync(join(dir, 'stopped')), [], 'no file, and no partial one');
});
