/** The shell's own functions and objects (builtins, rc, modules, the datetime class), and any other object. */
import type { PyFunction, PyObject } from '../objects.js';
import type { PyType } from './type.js';

export const FUNCTION: PyType<PyFunction> = {
  name: () => 'function',
  call: (v) => v.body,
};

/** An object with named attributes; callable when it has a call (the datetime class). */
export const OBJECT_WITH_ATTRIBUTES: PyType<PyObject> = {
  name: (v) => v.typeName,
  call: (v) => v.call,
  attributeNames: (v) => v.names(),
  attribute: (v, name) => (v.has(name) ? v.get(name) : undefined),
};

/** A value of no type of the table (an unreadable stored value): it has a name and is true, nothing more. */
export const OBJECT: PyType = {
  name: () => 'object',
};
