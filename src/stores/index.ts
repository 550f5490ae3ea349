export * from './store.js';
export { DictDB, DICTDB_DEFAULTS, type DictDBLimits, type DictDBOptions } from './dictdb.js';
export { NoDB } from './nodb.js';
// a type only: the SQLite store (and better-sqlite3) loads when a file is opened
export type { ReadyWorker } from './sqlite/index.js';
export { openDemoStore, generateDemoRecords, demoEngineMap, prng, DEMO_ANCHOR, type DemoOptions } from './demo/index.js';
