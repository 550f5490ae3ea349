/** A numpy array a task returned: iterated, measured and indexed as numpy does; shape, dtype and tolist(). */
import { typeError } from '../../errors.js';
import { tuple } from '../../records/index.js';
import type { PyNdarray } from '../../payload/index.js';
import { chargeItems } from '../budget.js';
import { floatValue } from '../numbers.js';
import { method } from '../objects.js';
import { sequenceItem } from './collections.js';
import { SliceValue, listIndex } from './sequences.js';
import type { PyType } from './type.js';

/** What V8 takes for an empty list, beyond the pointer to it. */
const EMPTY_LIST_BYTES = 24;

/** The items of an array as Python's tolist() gives them: nested lists for more than one dimension, floats as floats. */
function arrayItems(a: PyNdarray): unknown[] {
  if (a.shape.length === 0) throw typeError('iteration over a 0-d array');
  // the items, and the lists that hold them: (10**9, 0) is a billion empty lists
  chargeItems(a.size, 'the items of an array');
  chargeItems(a.listCount, 'the lists of an array', EMPTY_LIST_BYTES);
  const items = a.tolist(a.dtype.kind === 'f' ? (x) => floatValue(x as number) : undefined, Infinity);
  if (!items) throw typeError(`the items of a ${a.dtype.name} array are not readable here`);
  return items;
}

export const NDARRAY: Partial<PyType<PyNdarray>> = {
  items: arrayItems,
  item(v, key) {
    if (v.shape.length > 0 && (key instanceof SliceValue || (v.shape.length > 1 && typeof key === 'number'))) {
      const n = v.shape[0]!;
      if (v.data.length < v.size * v.dtype.size) throw typeError(`the items of a ${v.dtype.name} array are not readable here`);
      // a slice of an array is an array, as is a row of a 2-d one
      if (key instanceof SliceValue) return v.rows(key.apply(Array.from({ length: n }, (_, i) => i)));
      return v.rows([listIndex(n, key)], true);
    }
    return sequenceItem(v.pyClass, arrayItems(v), key);
  },
  attributeNames: () => ['dtype', 'ndim', 'shape', 'size', 'tolist'],
  attribute(v, name) {
    switch (name) {
      case 'shape': return tuple([...v.shape]);
      case 'ndim': return v.shape.length;
      case 'size': return v.size;
      case 'dtype': return v.dtype;
      case 'tolist': return method(v.pyClass, name, () => arrayItems(v));
      default: return undefined;
    }
  },
};
