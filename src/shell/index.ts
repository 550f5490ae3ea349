/** The statement language: parse, evaluate, variables, builtins, magics. Knows nothing of a terminal. */
export * from './api.js';
export { createShell, asIpcError, type ShellOptions } from './shell.js';
export { MAGICS, expandPrefix, fetchRecord, parseWatch } from './magics.js';
export { RC_METHODS } from './rc.js';
export { splitStatements, isCompleteSource } from '../language/index.js';
export { stripPrompts } from '../language/index.js';
export { abortable } from '../language/index.js';
export { TimelineRequest } from './analytics-magics.js';
export { ErrorsRequest } from './errors-magic.js';
