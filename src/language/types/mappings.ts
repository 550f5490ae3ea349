/** dict: a plain object (text keys: what queries and records are), or a Map (any hashable keys). */
import { clip, didYouMean, keyError, typeError } from '../../errors.js';
import { repr } from '../../format/index.js';
import { setOwn, tuple } from '../../records/index.js';
import { dictKey, mapDelete, mapKey, mapSet } from '../dicts.js';
import { method } from '../objects.js';
import type { PyType } from './type.js';

const DICT_METHODS = ['get', 'keys', 'values', 'items', 'copy'];

const own = (d: object, k: string) => Object.prototype.hasOwnProperty.call(d, k);

export const DICT: PyType<Record<string, unknown>> = {
  name: () => 'dict',
  truth: (v) => Object.keys(v).length > 0,
  len: (v) => Object.keys(v).length,
  items: (v) => Object.keys(v),
  contains: (v, x) => own(v, dictKey(x)),
  item(v, key) {
    const k = dictKey(key);
    if (own(v, k)) return v[k];
    const keys = Object.keys(v);
    throw keyError(`${repr(key)} is not a key of the dict${didYouMean(k, keys)}; it has ${keys.length > 12 ? keys.slice(0, 12).join(', ') + ', …' : keys.join(', ') || 'no keys'}`);
  },
  setItem: (v, key, x) => setOwn(v, dictKey(key), x),
  delItem(v, key) {
    const k = dictKey(key);
    if (!own(v, k)) throw keyError(clip(repr(key)));
    delete v[k];
  },
  entries: (v) => Object.entries(v),
  attributeNames: () => [...DICT_METHODS],
  attribute(d, name) {
    switch (name) {
      case 'get': return method('dict', name, (c) => {
        if (c.args.length < 1 || c.args.length > 2) throw typeError('get() takes a key and an optional default');
        const k = dictKey(c.args[0]);
        return own(d, k) ? d[k] : c.args.length > 1 ? c.args[1] : null;
      });
      case 'keys': return method('dict', name, () => Object.keys(d));
      case 'values': return method('dict', name, () => Object.values(d));
      case 'items': return method('dict', name, () => Object.entries(d).map(([k, v]) => tuple([k, v])));
      case 'copy': return method('dict', name, () => ({ ...d }));
      default: return undefined;
    }
  },
};

/** A dict with keys other than text (`{1: 'a'}`), looked up by Python's hash equality. */
export const MAP: PyType<Map<unknown, unknown>> = {
  name: () => 'dict',
  truth: (v) => v.size > 0,
  len: (v) => v.size,
  items: (v) => [...v.keys()],
  item(v, key) {
    const k = mapKey(v, key);
    if (k !== undefined) return v.get(k);
    throw keyError(`${repr(key)} is not a key of the dict; it has ${[...v.keys()].map((k) => repr(k)).join(', ') || 'no keys'}`);
  },
  setItem: mapSet,
  delItem(v, key) {
    if (!mapDelete(v, key)) throw keyError(clip(repr(key)));
  },
  entries: (v) => [...v],
  attributeNames: () => [...DICT_METHODS],
  attribute(m, name) {
    const find = (k: unknown) => {
      const key = mapKey(m, k);
      return key !== undefined ? { v: m.get(key) } : undefined;
    };
    switch (name) {
      case 'get': return method('dict', name, (c) => {
        const found = find(c.args[0]);
        return found ? found.v : c.args.length > 1 ? c.args[1] : null;
      });
      case 'keys': return method('dict', name, () => [...m.keys()]);
      case 'values': return method('dict', name, () => [...m.values()]);
      case 'items': return method('dict', name, () => [...m].map(([k, v]) => tuple([k, v])));
      case 'copy': return method('dict', name, () => new Map(m));
      default: return undefined;
    }
  },
};
