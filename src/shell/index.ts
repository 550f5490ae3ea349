/** The session around the language: rc, the magics, completion, what a statement asks of the terminal. Knows nothing of a terminal. */
export * from './api.js';
export { createShell, asIpcError, type ShellOptions } from './shell.js';
export { MAGICS, MAGIC_LIST, expandPrefix, fetchRecord, parseWatch, tailLineText, sourceOf } from './magics/index.js';
export { helpLine, type Magic } from './magic.js';
export { RC_METHODS } from './rc.js';
export { splitStatements, isCompleteSource, stripPrompts, abortable } from '../language/index.js';
