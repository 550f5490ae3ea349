/**
 * The layer order of the design, checked on every import of src/: imports
 * point down the order only, Ink and React stay inside ui/, and a folder
 * with an index.ts is entered through it from outside.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const src = join(root, 'src');

/**
 * Higher imports lower, never the reverse. stores/ and hub/ share a rank
 * and know nothing of each other. The language (language/) sits below the
 * stores, the hub and the client: it evaluates statements and knows no
 * client; the session (shell/) gives it `rc` and the magics. payload/
 * decodes what records hold, analytics/ sums records up, and both sit
 * below format/, which prints them. errors.ts is below everything: every
 * layer raises IpcErrors; files.ts (bounded reads of named files) sits
 * just above it, for config/, ui/ and hub/ alike.
 */
const RANKS: Record<string, number> = {
  config: 10,
  ui: 9,
  shell: 8,
  client: 7,
  stores: 6,
  hub: 6,
  language: 5,
  query: 4,
  format: 3,
  analytics: 2.5,
  payload: 2,
  records: 1,
  'files.ts': 0.5,
  'errors.ts': 0,
};

/** The library's entry point shows the public surface of every layer but ui/. */
const ENTRY = 'index.ts';

const UI_ONLY = /^(ink|react)(\/|$)|^ink-/;

interface Import {
  readonly from: string;
  readonly spec: string;
  readonly dynamic: boolean;
  readonly line: number;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [p] : [];
  });
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  const lineAt = (i: number) => text.slice(0, i).split('\n').length;
  const from = relative(src, file);
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?from\s+['"]([^'"]+)['"]/gm)) {
    out.push({ from, spec: m[1]!, dynamic: false, line: lineAt(m.index!) });
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push({ from, spec: m[1]!, dynamic: false, line: lineAt(m.index!) });
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ from, spec: m[1]!, dynamic: true, line: lineAt(m.index!) });
  return out;
}

/** The source file a relative import names (`./x.js` is `./x.ts` or `./x.tsx`). */
function target(imp: Import): string {
  const base = resolve(src, dirname(imp.from), imp.spec).replace(/\.js$/, '');
  for (const ext of ['.ts', '.tsx']) if (existsSync(base + ext)) return relative(src, base + ext);
  throw new Error(`${imp.from}:${imp.line} imports ${imp.spec}, which is not a file of src/`);
}

/** cli.ts is the command line's entry; config/ is the rest of that layer. */
function layerOf(path: string): string {
  const top = path.split(sep)[0]!;
  return top === 'cli.ts' ? 'config' : top;
}

const all = sources(src).flatMap(importsOf);
const relativeImports = all.filter((i) => i.spec.startsWith('.'));
const where = (i: Import) => `${i.from}:${i.line} → ${i.spec}`;

test('the scan sees the imports of every layer', () => {
  const layers = new Set(relativeImports.map((i) => layerOf(i.from)));
  for (const layer of Object.keys(RANKS)) if (layer !== 'errors.ts' && layer !== 'files.ts') assert.ok(layers.has(layer), `no import found in ${layer}`);
  assert.ok(all.some((i) => i.spec === 'ink'), 'the scan sees ui/ importing ink');
});

test('imports go down the layer order only (cli/config → ui → shell → client → stores, hub → language → query → format → analytics → payload → records → errors)', () => {
  const up: string[] = [];
  for (const imp of relativeImports) {
    const a = layerOf(imp.from);
    const b = layerOf(target(imp));
    if (a === b || a === ENTRY) continue;
    const ra = RANKS[a];
    const rb = RANKS[b];
    assert.ok(ra !== undefined && rb !== undefined, `${where(imp)}: ${ra === undefined ? a : b} has no place in the layer order`);
    if (ra < rb || (ra === rb && a !== b)) up.push(`${where(imp)} (${a} may not import ${b})`);
  }
  assert.deepEqual(up, []);
});

test('Ink and React are imported inside ui/ only', () => {
  const outside = all.filter((i) => UI_ONLY.test(i.spec) && layerOf(i.from) !== 'ui').map(where);
  assert.deepEqual(outside, []);
});

test("a folder with an index.ts is entered through it from outside", () => {
  const deep: string[] = [];
  for (const imp of relativeImports) {
    // A dynamic import loads a module later on purpose (the hub client
    // brings ZeroMQ in only when a hub is opened): the folder's index would
    // load it eagerly, so a dynamic import may name the file itself.
    if (imp.dynamic) continue;
    const t = target(imp);
    const parts = t.split(sep);
    for (let n = 1; n < parts.length; n++) {
      const folder = parts.slice(0, n).join(sep);
      const inside = imp.from.startsWith(folder + sep);
      if (inside || !existsSync(join(src, folder, 'index.ts'))) continue;
      if (t !== join(folder, 'index.ts')) deep.push(`${where(imp)} (use ${folder}/index.ts)`);
      break;
    }
  }
  assert.deepEqual(deep, []);
});

test('a store knows no output format: stores/ never imports format/ (the JSON writer is handed down)', () => {
  const found = relativeImports.filter((i) => layerOf(i.from) === 'stores' && layerOf(target(i)) === 'format').map(where);
  assert.deepEqual(found, []);
});

test("each backend's query compiler lives beside its backend: query/ holds the engine, not SQL, MongoDB or the hub's pushdown", () => {
  const defines = (dir: string, name: string) =>
    sources(join(src, dir)).filter((f) => new RegExp(`export function ${name}\\b`).test(readFileSync(f, 'utf8'))).map((f) => relative(src, f));
  const where = { toSql: 'stores/sqlite', toMongo: 'stores/mongodb', toHubQuery: 'hub' };
  for (const [name, dir] of Object.entries(where)) {
    assert.equal(defines(dir, name).length, 1, `${name} is defined in ${dir}/`);
    assert.deepEqual(defines('query', name), [], `${name} is not defined in query/`);
  }
});
