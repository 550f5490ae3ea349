/**
 * What every value decoded from a task's pickle answers, through its own
 * protocol (records/python.ts: `pyClass`, `pyItems`, `pyLen`): a container
 * of its own items iterates, measures and is true when it holds any; any
 * other is true. A subclass's entry adds only what it has beyond that.
 */
import { PyDecimal, PyFloat, PyFraction, PyValue } from '../../records/index.js';
import type { PyNumpyScalar } from '../../payload/index.js';
import { isNumeric, normalize, truncToInt, unbox } from '../numbers.js';
import type { PyType } from './type.js';

export const DECODED: PyType<PyValue> = {
  name: (v) => v.pyClass,
  truth(v) {
    const items = v.pyItems();
    return items ? items.length > 0 : true;
  },
  len: (v) => v.pyLen(),
  items: (v) => v.pyItems(),
};

/** A float the decoder made, or a whole float (`2.0`) the shell made. */
export const FLOAT: Partial<PyType<PyFloat>> = {
  truth: (v) => v.value != 0,
};

/** A numpy scalar: a number, when it is one. */
export const NUMPY_SCALAR: Partial<PyType<PyNumpyScalar>> = {
  truth: (v) => (isNumeric(v) ? unbox(v) != 0 : true),
};

/** A Decimal's text as a float: 'NaN', 'sNaN' and 'Infinity' as Python's float() reads them. */
export function decimalFloat(text: string): number {
  const t = text.toLowerCase();
  if (t.endsWith('nan')) return NaN;
  if (t.endsWith('infinity') || t.endsWith('inf')) return t.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

export const DECIMAL: Partial<PyType<PyDecimal>> = {
  toInt: (v) => truncToInt(decimalFloat(v.text)),
  toFloat: (v) => decimalFloat(v.text),
};

export const FRACTION: Partial<PyType<PyFraction>> = {
  toInt: (v) => normalize(v.numerator / v.denominator),
  // its value as the nearest float, as Python's float() gives it
  toFloat: (v) => Number(v.numerator) / Number(v.denominator),
};
