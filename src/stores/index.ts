export * from './store.js';
export { DictDB, DICTDB_DEFAULTS, type DictDBLimits, type DictDBOptions } from './dictdb.js';
export { NoDB } from './nodb.js';
export { openDemoStore, generateDemoRecords, demoEngineMap, prng, DEMO_ANCHOR, type DemoOptions } from './demo/index.js';
