export * from './keys.js';
export * from './timestamp.js';
export * from './values.js';
export * from './demo.js';
export * from './pickle.js';
export * from './answers.js';
export * from './derived.js';
export * from './pyvalues.js';
