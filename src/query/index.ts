export * from './ast.js';
export { compileQuery, describe, type QueryInput } from './compile.js';
export { matches, matchNode, testCond, resolvePath, compareRecords } from './match.js';
export { normalizeKeys, project, type KeysInput } from './project.js';
export * from './operators.js';
export { globToRegExp, pythonRegExp, escapeRegExp } from './patterns.js';
