/** The statement language: parse, evaluate, variables, builtins, magics. Knows nothing of a terminal. */
export * from './api.js';
export { createShell, asIpcError, type ShellOptions } from './shell.js';
export { MAGICS, expandPrefix, fetchRecord, parseWatch } from './magics.js';
export { RC_METHODS } from './rc.js';
export { splitStatements, isCompleteSource } from './split.js';
export { stripPrompts } from './lexer.js';
export { abortable } from './interpreter.js';
export { TimelineRequest } from './analytics.js';
export { ErrorsRequest } from './errors.js';
export { TopRequest, TailRequest, tailLineText, sourceOf } from './live.js';
