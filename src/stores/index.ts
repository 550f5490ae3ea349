export * from './store.js';
export { DictDB, DICTDB_DEFAULTS, type DictDBLimits, type DictDBOptions } from './dictdb.js';
export { NoDB } from './nodb.js';
export { openDemoStore } from './demo.js';
