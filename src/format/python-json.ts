import {
  PyBytearray, PyDeque, PyFloat, PyMapping, PyNumpyScalar, PySet, PyValue,
} from '../records/index.js';
import { repr } from './repr.js';

/**
 * A decoded Python value in JSON: its natural form where JSON has one
 * (floats and numpy scalars as numbers, sets and deques as arrays,
 * bytearrays as bytes, a mapping with text keys as an object), else
 * `{"$repr": "…", "$class": "module.Name"}`. Items are left for the caller
 * to encode (big ints as exact number text, bytes as base64).
 */
export function pythonJSON(v: PyValue | Map<unknown, unknown>): unknown {
  if (v instanceof Map) {
    if ([...v.keys()].every((k) => typeof k === 'string')) return Object.fromEntries(v);
    return { $repr: repr(v), $class: 'dict' };
  }
  if (v instanceof PyFloat) return Number.isFinite(v.value) ? v.value : tagged(v);
  if (v instanceof PyNumpyScalar) {
    const x = v.value;
    return typeof x === 'number' && !Number.isFinite(x) ? tagged(v) : x;
  }
  if (v instanceof PySet || v instanceof PyDeque) return v.items;
  if (v instanceof PyBytearray) return v.bytes;
  if (v instanceof PyMapping && v.kind !== 'defaultdict' && v.entries.every(([k]) => typeof k === 'string')) {
    return Object.fromEntries(v.entries);
  }
  return tagged(v);
}

function tagged(v: PyValue): { $repr: string; $class: string } {
  return { $repr: repr(v), $class: v.pyClass };
}

