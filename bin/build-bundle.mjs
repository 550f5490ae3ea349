#!/usr/bin/env node
/**
 * The build's second step (`npm run bundle`, after tsc): dist/src's modules
 * joined by esbuild into dist/bundle —
 *   cli.cjs            the command, one CommonJS file (bin/ipc.js loads it
 *                      through command-loader.js);
 *   cli.cache          V8's cache of cli.cjs's compiled code, made by running
 *                      it on a few scripts (`train`, in a process of its own);
 *   early-worker.cjs   what starts a column read's worker before cli.cjs loads;
 *   column-worker.js   a column read's worker thread (ES modules, with the
 *                      chunk it imports when it names functions).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable, Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { loadCommand } from './command-loader.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'dist/bundle');
const command = join(out, 'cli.cjs');
const cache = join(out, 'cli.cache');

/** Statements whose code the cache holds compiled: queries, derived keys, the output forms, %stats, %timeline's files, errors. */
const TRAINING = (dir) => [
  "db_query({'completed': None}, keys=['msg_id', 'started'])",
  "len(db_query({'status': 'ok'}))",
  "db_query({'started': {'$gte': datetime(2020, 1, 1)}}, keys=['msg_id', 'engine_id', 'completed', 'function', 'status', 'run_time'])[:3]",
  "[r['msg_id'] for r in db_query({'engine_id': {'$in': [0, 1]}}, keys=['msg_id'])][:2]",
  '%stats',
  '%stats by function',
  '%stats by status',
  `%timeline --svg ${join(dir, 'chart.svg')} --force`,
  `%timeline --trace ${join(dir, 'trace.json')} --force`,
  "db_query({'x': {'$bad': 1}})",
].join('\n');

async function train() {
  const { exports, script } = loadCommand(command);
  const dir = mkdtempSync(join(tmpdir(), 'ipc-build-'));
  const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });
  const fixture = join(root, 'test/fixtures/payloads.db');
  const stores = [['--demo'], ...(statSync(fixture, { throwIfNoEntry: false }) ? [['--sqlitedb', fixture]] : [])];
  try {
    for (const store of stores) {
      for (const format of [[], ['--format', 'table']]) {
        await exports.main([...store, ...format, '-c', TRAINING(dir)], { stdin: Readable.from([]), stdout: sink(), stderr: sink(), env: { HOME: dir }, cwd: dir });
      }
    }
    writeFileSync(cache, script.createCachedData());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The command's bundle imports packages with the import() its loader gives it (command-loader.js), not its own. */
const importByLoader = {
  name: 'import-by-loader',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]src[\\/]ui[\\/]import-package\.js$/ }, () => ({
      contents: 'export function importPackage(name) { return importByLoader(name); }',
      loader: 'js',
    }));
  },
};

async function bundle() {
  const { build } = await import('esbuild');
  rmSync(out, { recursive: true, force: true });
  // every package stays where npm put it but better-sqlite3's JavaScript, joined in (src/stores/sqlite/driver.ts)
  const { dependencies } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const external = [...Object.keys(dependencies).filter((d) => d !== 'better-sqlite3'), 'bindings'].flatMap((d) => [d, `${d}/*`]);
  const common = { bundle: true, platform: 'node', external, logLevel: 'warning', absWorkingDir: root };
  await build({
    ...common,
    entryPoints: ['dist/src/stores/sqlite/column-worker.js'],
    entryNames: '[name]',
    splitting: true,
    format: 'esm',
    outdir: out,
    // better-sqlite3's own require() of Node's modules, in ES modules
    banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);" },
  });
  await build({ ...common, entryPoints: ['dist/src/config/early-worker.js'], format: 'cjs', outfile: join(out, 'early-worker.cjs') });
  const built = await build({
    ...common,
    entryPoints: ['dist/src/cli.js'],
    format: 'cjs',
    outfile: command,
    // the modules' own URL (files beside them: the worker, package.json) is the bundle's
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "var importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [importByLoader],
    metafile: true,
  });
  // an import() left in the bundle would fail where it runs (command-loader.js): every one goes through ui/import-package
  const left = Object.values(built.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import'));
  if (left.length > 0) throw new Error(`import() of ${left.map((i) => i.path).join(', ')} in the command's bundle: use importPackage (src/ui/import-package.ts)`);
  const trained = spawnSync(process.execPath, [fileURLToPath(import.meta.url), 'train'], { stdio: 'inherit' });
  // without a cache the command only starts slower
  if (trained.status !== 0) process.stderr.write('bundle: no code cache was made (the command compiles its bundle as it starts)\n');
}

await (process.argv[2] === 'train' ? train() : bundle());
