#!/usr/bin/env node
import { statSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadCommand, readCache } from './command-loader.js';

// Node 22+ keeps compiled code between runs; start-up matters for script mode.
module.enableCompileCache?.();

// The build joins dist/src's hundred modules into one CommonJS file with
// V8's cache of its compiled code (bin/build-bundle.js, command-loader.js):
// it loads in a fifth of the time. A build by tsc alone rewrites every module
// and leaves the bundle older than them: then the modules themselves run.
const compiled = new URL('../dist/src/cli.js', import.meta.url);
const bundled = new URL('../dist/bundle/cli.cjs', import.meta.url);
const cache = new URL('../dist/bundle/cli.cache', import.meta.url);
const mtime = (url) => statSync(url, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
const fromBundle = mtime(bundled) >= mtime(compiled);
const args = process.argv.slice(2);

// A script of %stats or %timeline on a large tasks.db reads it on two threads:
// the second thread starts now, while the first loads ipc (config/early-worker.ts,
// whose COLUMN_MAGICS this test is: here it spares other commands loading that module).
let columnWorker = null;
if (args.some((a) => /%(stats|timeline)\b/.test(a))) {
  const { startEarlyWorker } = await import(new URL('../dist/src/config/early-worker.js', import.meta.url).href);
  const worker = new URL(fromBundle ? '../dist/bundle/column-worker.js' : '../dist/src/stores/sqlite/column-worker.js', import.meta.url);
  columnWorker = await startEarlyWorker(args, worker);
}

// a cache older than the bundle is not its own (V8 checks little more than the text's length)
const { main } = fromBundle
  ? loadCommand(fileURLToPath(bundled), mtime(cache) >= mtime(bundled) ? readCache(cache) : undefined).exports
  : await import(compiled.href);
main(args, { columnWorker }).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ipc: internal error: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 70;
  },
);
