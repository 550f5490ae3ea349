'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

/**
 * The command's CommonJS bundle (dist/bundle/cli.cjs) run with V8's cache
 * of its compiled code (dist/bundle/cli.cache), which the build makes by
 * running the bundle on a few scripts (bin/build-bundle.mjs): a fresh
 * process then deserializes the functions those scripts compiled instead
 * of parsing and compiling a megabyte of JavaScript. Node 20 keeps no such
 * cache for ES modules. A cache V8 refuses (another Node, other flags) is
 * only slower: the bundle is compiled from its text.
 */

/**
 * Compiles and runs the bundle at `file` as a CommonJS module, with
 * `cachedData` when given; its exports and its script (whose
 * createCachedData() is the cache). The wrapper's text is part of what V8
 * checks a cache against: the build and the command both load through here.
 */
function loadCommand(file, cachedData) {
  const source = readFileSync(file, 'utf8');
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, importByLoader) {${source}\n})`, {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file), importByLoader);
  return { exports: module.exports, script };
}

/**
 * import() for the bundle, whose own has no loader in a vm.Script (Node's
 * for one is experimental, and lost by a cached script): a package's name
 * is found from here, the package's root (src/ui/import-package.ts).
 */
function importByLoader(name) {
  return import(name);
}

/** The cache beside the bundle at `file`, or undefined when there is none. */
function readCache(file) {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

exports.loadCommand = loadCommand;
exports.readCache = readCache;
