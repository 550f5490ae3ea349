#!/usr/bin/env node
import module from 'node:module';
import v8 from 'node:v8';

// Node 22+ keeps compiled code between runs; start-up matters for script mode.
module.enableCompileCache?.();

// A user's $regex or $glob that backtracks catastrophically would hold the
// process past Ctrl-C: after this many backtracks V8 reruns it on its
// linear-time engine instead (set before any pattern is compiled).
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');
v8.setFlagsFromString('--regexp-backtracks-before-fallback=10000');

const { main } = await import('../dist/src/cli.js');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`ipc: internal error: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 70;
  },
);
