export * from './pickle.js';
export { PickleError } from './pickle-classes.js';
export * from './numpy.js';
export * from './apply-message.js';
export { knownFunctionName, knownFunctionNameAt, largePickles, taskCall, taskFunctionName, taskResultValue } from './task-call.js';
export * from './derived-keys.js';
export * from './query-value.js';
