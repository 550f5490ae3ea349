export { toPlainJSON, formatJSON, jsonText } from './json.js';
export * from './repr.js';
export * from './table.js';
export * from './csv.js';
export * from './jsonl.js';
export * from './result.js';
export * from './render.js';
export * from './stream.js';
export { payloadSections, type PayloadSection } from './payload.js';
