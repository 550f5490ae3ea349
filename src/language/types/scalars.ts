/** None, bool and int/float as JS holds them (null, boolean, number, bigint). */
import type { PyType } from './type.js';

export const NONE: PyType<null | undefined> = {
  name: () => 'NoneType',
  truth: () => false,
};

export const BOOL: PyType<boolean> = {
  name: () => 'bool',
  truth: (v) => v,
};

/** An int while it is a safe integer, else a float. */
export const NUMBER: PyType<number> = {
  name: (v) => (Number.isSafeInteger(v) ? 'int' : 'float'),
  truth: (v) => v !== 0,
};

/** An int beyond 2^53. */
export const BIGINT: PyType<bigint> = {
  name: () => 'int',
  truth: (v) => v !== 0n,
};
