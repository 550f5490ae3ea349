export * from './protocol.js';
export { typeOf } from './table.js';
export type { PyType } from './type.js';
export { SliceValue } from './sequences.js';
