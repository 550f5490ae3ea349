/**
 * The language's one type table: which Python type each kind of value is.
 * A class's entry need only hold what differs from its parent's (a decoded
 * deque adds indexing to what every decoded value answers), as Python looks
 * a method up along the classes a type derives from. A new Python type is
 * its entry in a file of this folder and its row here.
 */
import { PyDatetime, PyDecimal, PyDeque, PyFloat, PyFraction, PyMapping, PyRange, PyValue, RecordList, Text, TimeDelta, Timestamp } from '../../records/index.js';
import { PyNdarray, PyNumpyScalar } from '../../payload/index.js';
import { PyFunction, PyObject } from '../objects.js';
import { FUNCTION, OBJECT, OBJECT_WITH_ATTRIBUTES } from './callables.js';
import { DEQUE, MAPPING, RANGE } from './collections.js';
import { DATETIME, DECODED_DATETIME, TIMEDELTA } from './datetimes.js';
import { DECIMAL, DECODED, FLOAT, FRACTION, NUMPY_SCALAR } from './decoded.js';
import { DICT, MAP } from './mappings.js';
import { NDARRAY } from './ndarray.js';
import { BIGINT, BOOL, NONE, NUMBER } from './scalars.js';
import { LIST, RECORD_LIST, SET } from './sequences.js';
import { BYTES, STR, TEXT } from './text.js';
import type { Class, PyType } from './type.js';

/**
 * Each class and its type. Read when first needed, not as the module
 * loads: the entries' files import the operations, which import this.
 */
function rows(): [Class, Partial<PyType>][] {
  return [
    [Array, LIST],
    [RecordList, RECORD_LIST],
    [Map, MAP],
    [Set, SET],
    [Uint8Array, BYTES],
    [Text, TEXT],
    [Timestamp, DATETIME],
    [TimeDelta, TIMEDELTA],
    [PyFunction, FUNCTION],
    [PyObject, OBJECT_WITH_ATTRIBUTES],
    // what a task returned: every decoded value, then what some add to it
    [PyValue, DECODED],
    [PyFloat, FLOAT],
    [PyNumpyScalar, NUMPY_SCALAR],
    [PyDecimal, DECIMAL],
    [PyFraction, FRACTION],
    [PyDatetime, DECODED_DATETIME],
    [PyMapping, MAPPING],
    [PyDeque, DEQUE],
    [PyRange, RANGE],
    [PyNdarray, NDARRAY],
  ];
}

let byPrototype: Map<object, Partial<PyType>> | null = null;
/** The type of each prototype met so far, its ancestors' entries merged in. */
const resolved = new Map<object, PyType>();

/** The entries along a prototype's chain, nearest last, merged: what the nearest says wins. */
function resolve(proto: object): PyType {
  byPrototype ??= new Map(rows().map(([cls, type]) => [cls.prototype as object, type]));
  const found: Partial<PyType>[] = [];
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    const t = byPrototype.get(p);
    if (t) found.push(t);
  }
  if (found.length === 0) return OBJECT;
  const merged: Partial<PyType> = {};
  for (let i = found.length - 1; i >= 0; i--) Object.assign(merged, found[i]);
  return merged as PyType;
}

/** The Python type of a value. */
export function typeOf(v: unknown): PyType {
  switch (typeof v) {
    case 'string': return STR;
    case 'number': return NUMBER;
    case 'bigint': return BIGINT;
    case 'boolean': return BOOL;
    case 'undefined': return NONE;
    case 'object': break;
    default: return OBJECT;
  }
  if (v === null) return NONE;
  const proto = Object.getPrototypeOf(v) as object | null;
  if (proto === Object.prototype) return DICT;
  if (proto === null) return OBJECT;
  let t = resolved.get(proto);
  if (!t) {
    t = resolve(proto);
    resolved.set(proto, t);
  }
  return t;
}
