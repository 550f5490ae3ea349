export { toPlainJSON, formatJSON } from './json.js';
