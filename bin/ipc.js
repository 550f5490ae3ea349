#!/usr/bin/env node
'use strict';
// CommonJS, as is the bundle it loads: Node starts a script's ES module loader
// in 3-4 ms more, and each ES module it imports costs its resolution and reading.
const { statSync } = require('node:fs');
const module_ = require('node:module');
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');
const { loadCommand, readCache } = require('./command-loader.js');

// Node 22+ keeps compiled code between runs; start-up matters for script mode.
module_.enableCompileCache?.();

// The build joins dist/src's hundred modules into one CommonJS file with
// V8's cache of its compiled code (bin/build-bundle.mjs, command-loader.js):
// it loads in a fifth of the time. A build by tsc alone rewrites every module
// and leaves the bundle older than them: then the modules themselves run.
const dist = join(__dirname, '..', 'dist');
const compiled = join(dist, 'src', 'cli.js');
const bundled = join(dist, 'bundle', 'cli.cjs');
const cache = join(dist, 'bundle', 'cli.cache');
const mtime = (path) => statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
const fromBundle = mtime(bundled) >= mtime(compiled);
const args = process.argv.slice(2);

async function start() {
  // A script of %stats or %timeline on a large tasks.db reads it on two threads:
  // the second thread starts now, while the first loads ipc (config/early-worker.ts,
  // whose COLUMN_MAGICS this test is: here it spares other commands loading that module).
  let columnWorker = null;
  if (args.some((a) => /%(stats|timeline)\b/.test(a))) {
    const { startEarlyWorker } = fromBundle ? require(join(dist, 'bundle', 'early-worker.cjs')) : await import(pathToFileURL(join(dist, 'src', 'config', 'early-worker.js')).href);
    const worker = pathToFileURL(fromBundle ? join(dist, 'bundle', 'column-worker.js') : join(dist, 'src', 'stores', 'sqlite', 'column-worker.js'));
    columnWorker = await startEarlyWorker(args, worker);
  }
  // a cache older than the bundle is not its own (V8 checks little more than the text's length)
  const { main } = fromBundle ? loadCommand(bundled, mtime(cache) >= mtime(bundled) ? readCache(cache) : undefined).exports : await import(pathToFileURL(compiled).href);
  return main(args, { columnWorker });
}

start().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ipc: internal error: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 70;
  },
);
