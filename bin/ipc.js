#!/usr/bin/env node
import module from 'node:module';

// Node 22+ keeps compiled code between runs; start-up matters for script mode.
module.enableCompileCache?.();

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
