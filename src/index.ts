/** ipc as a library: the task database of IPython Parallel for Node programs. */
export * from './errors.js';
export * from './records/index.js';
export * from './query/index.js';
export * from './stores/index.js';
export * from './format/index.js';
