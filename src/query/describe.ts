import { Timestamp, kindOf } from '../records/index.js';

/** A value as an error sentence names it: `the text 'x'`, `the number 3`, `a list`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'string') return `the text '${v.length > 40 ? v.slice(0, 37) + '...' : v}'`;
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v instanceof Timestamp) return `the datetime ${v.toISOString()}`;
  if (typeof v === 'function') return 'a function';
  return `a ${kindOf(v)}`;
}
