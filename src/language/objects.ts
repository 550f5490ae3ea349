import { chargeItems } from './budget.js';

/** Arguments of a call as the shell passes them: positional, then keyword. */
export interface CallArgs {
  readonly args: unknown[];
  readonly kwargs: Map<string, unknown>;
  readonly signal?: AbortSignal;
}

export type CallBody = (call: CallArgs) => unknown | Promise<unknown>;

/** A callable of the shell: a builtin, a helper, an rc method, a lambda. */
export class PyFunction {
  constructor(
    readonly name: string,
    readonly body: CallBody,
    /** One line for %help and completion. */
    readonly doc = '',
    /** How it prints: `<built-in function len>`, `<bound method Client.db_query>`. */
    readonly kindName = 'built-in function',
  ) {}
  pyRepr(): string {
    return `<${this.kindName} ${this.name}>`;
  }
}

/**
 * An object with named attributes (rc, rc.session, the datetime class):
 * attributes are values or getters evaluated on access.
 */
export class PyObject {
  constructor(
    readonly typeName: string,
    private readonly attrs: Record<string, unknown | (() => unknown | Promise<unknown>)>,
    private readonly reprText: string,
    /** Names that are computed on access (getters). */
    private readonly getters: ReadonlySet<string> = new Set(),
    /** When the object itself can be called (the datetime class). */
    readonly call?: CallBody,
  ) {}

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.attrs, name);
  }

  async get(name: string): Promise<unknown> {
    const v = this.attrs[name];
    return this.getters.has(name) ? await (v as () => unknown)() : v;
  }

  /** An attribute that is a plain value (not a getter), without waiting. */
  peek(name: string): unknown {
    return this.getters.has(name) ? undefined : this.attrs[name];
  }

  names(): string[] {
    return Object.keys(this.attrs);
  }

  pyRepr(): string {
    return this.reprText;
  }
}

/** A built-in method of a value, as `owner.name`. */
export function method(owner: string, name: string, body: CallBody, doc = ''): PyFunction {
  return new PyFunction(`${owner}.${name}`, body, doc, 'built-in method');
}


/** The characters of a string (code points, as Python counts them), charged to the memory budget. */
export function stringItems(s: string): string[] {
  chargeItems(s.length, 'the characters of a string');
  return [...s];
}

/** len() of a string: code points, counted without building them. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d < 0xe000) {
        n--;
        i++;
      }
    }
  }
  return n;
}
