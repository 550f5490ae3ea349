import { RecordList, PyFloat, TimeDelta, Timestamp, isDict, isTuple, tuple } from '../records/index.js';
import { clip, didYouMean, interruption, IpcError, nameError, recursionError, typeError } from '../errors.js';
import { repr, str } from '../format/index.js';
import { dictOf } from './dicts.js';
import { MAX_STRING_LENGTH, chargeItems, chargeString, memoryError, resetBudget } from './budget.js';
import { arithmetic, floatValue, isNumeric, negate, plainScalar, unbox } from './numbers.js';
import { percentFormat } from './percent.js';
import { instant, span } from './time.js';
import type { Expr, FStringPart, Statement, Target } from './syntax.js';
import { asciiRepr, formatValue } from './format-spec.js';
import { pyCompare, pyEquals } from './compare.js';
import { PyFunction, PyObject, type CallArgs } from './objects.js';
import {
  SliceValue, callBody, contains, datetimeInstant, delItem, getAttribute, iterate, missingItem, setItem, subscript, truthy, typeName,
} from './types/index.js';

/** Python's default recursion limit: lambdas calling lambdas stop here with RecursionError. */
export const RECURSION_LIMIT = 1000;
/** Evaluation looks at the clock (and gives the event loop a turn) once per this many steps. */
const STEPS_PER_LOOK = 256;
/**
 * CPU time a statement runs before it lets the event loop turn, so that
 * Ctrl-C, SIGINT and SIGTERM are seen while it computes.
 */
const YIELD_MS = 10;

/** Where names live: the session's variables, and the scopes of running lambdas. */
class Scope {
  constructor(
    readonly vars: Map<string, unknown>,
    readonly parent: Scope | null = null,
  ) {}
  lookup(name: string): { found: true; value: unknown } | { found: false } {
    for (let s: Scope | null = this; s; s = s.parent) if (s.vars.has(name)) return { found: true, value: s.vars.get(name) };
    return { found: false };
  }
}

export interface InterpreterHooks {
  /** Names every session knows (builtins, helpers, rc); variables shadow them. */
  readonly builtins: Map<string, unknown>;
  /** Names whose value is computed on each use (now, today, hourago). */
  readonly dynamic: Map<string, () => unknown>;
  /** `import X` / `from X import ...`. */
  importModule(name: string): unknown;
}

/**
 * Evaluates statements. Every failure is an IpcError with one sentence;
 * nothing a person types reaches a JS exception.
 */
export class Interpreter {
  readonly globals = new Map<string, unknown>();
  private readonly root: Scope;
  private running: AbortSignal | undefined;
  private steps = 0;
  private lastYield = 0;
  private depth = 0;

  /** The shell sets the signal as each statement starts: a fresh memory budget and call depth go with it. */
  get signal(): AbortSignal | undefined {
    return this.running;
  }
  set signal(s: AbortSignal | undefined) {
    this.running = s;
    this.depth = 0;
    resetBudget();
  }

  constructor(private readonly hooks: InterpreterHooks) {
    this.root = new Scope(this.globals);
  }

  /**
   * The same variables and hooks, cancelled by `signal`: each execution
   * gets its own, so two at once never share a signal.
   */
  withSignal(signal: AbortSignal | undefined): Interpreter {
    const view = Object.create(this) as Interpreter;
    view.signal = signal;
    return view;
  }

  /** Runs one statement; returns its value when it is an expression statement. */
  async run(st: Statement): Promise<{ value: unknown; isExpression: boolean }> {
    switch (st.kind) {
      case 'expr':
        return { value: await this.evaluate(st.expr), isExpression: true };
      case 'assign': {
        const value = await this.evaluate(st.value);
        for (const t of st.targets) await this.assign(t, value, this.root);
        return { value: undefined, isExpression: false };
      }
      case 'augassign': {
        const current = await this.evaluate(st.target as Expr);
        const value = binary(st.op, current, await this.evaluate(st.value));
        await this.assign(st.target, value, this.root);
        return { value: undefined, isExpression: false };
      }
      case 'import': {
        const mod = this.hooks.importModule(st.module);
        if (st.names === null) {
          const bind = st.alias ?? st.module.split('.')[0]!;
          this.globals.set(bind, st.alias ? mod : this.hooks.importModule(st.module.split('.')[0]!));
        } else {
          for (const [name, alias] of st.names) {
            if (name === '*') {
              if (mod instanceof PyObject) for (const n of mod.names()) this.globals.set(n, await mod.get(n));
              continue;
            }
            if (!(mod instanceof PyObject) || !mod.has(name)) {
              throw nameError(`cannot import name '${name}' from '${st.module}'${mod instanceof PyObject ? didYouMean(name, mod.names()) : ''}`);
            }
            this.globals.set(alias, await mod.get(name));
          }
        }
        return { value: undefined, isExpression: false };
      }
      case 'del':
        for (const t of st.targets) await this.del(t);
        return { value: undefined, isExpression: false };
      case 'pass':
        return { value: undefined, isExpression: false };
      default:
        throw typeError(`a ${st.kind} statement is run by the shell, not the interpreter`);
    }
  }

  evaluate(e: Expr, scope: Scope = this.root): Promise<unknown> {
    return this.ev(e, scope);
  }

  private checkSignal(): void {
    if (this.running?.aborted) throw interruption(this.running);
  }

  /**
   * Every step of evaluation comes through here. Awaiting already-settled
   * promises never lets the event loop turn, so every few milliseconds of CPU
   * time evaluation waits for one turn (signals and keys are seen then); and
   * every few hundred steps it continues from a fresh microtask, so deep
   * expressions never overflow the JS stack.
   */
  private ev(e: Expr, scope: Scope): Promise<unknown> {
    if (++this.steps % STEPS_PER_LOOK === 0) return this.pause().then(() => this.step(e, scope));
    return this.step(e, scope);
  }

  private async pause(): Promise<void> {
    this.checkSignal();
    if (performance.now() - this.lastYield < YIELD_MS) return;
    await new Promise(setImmediate);
    this.lastYield = performance.now();
    this.checkSignal();
  }

  private async step(e: Expr, scope: Scope): Promise<unknown> {
    switch (e.kind) {
      case 'number':
      case 'string':
        return e.value;
      case 'const':
        return e.value;
      case 'name':
        return this.lookup(e.name, scope);
      case 'list':
        return this.evalItems(e.items, scope);
      case 'tuple':
        return tuple(await this.evalItems(e.items, scope));
      case 'set': {
        const items = await this.evalItems(e.items, scope);
        return items.filter((x, i) => items.findIndex((y) => pyEquals(x, y)) === i);
      }
      case 'dict': {
        const pairs: [unknown, unknown][] = [];
        for (const [k, v] of e.entries) pairs.push([await this.ev(k, scope), await this.ev(v, scope)]);
        return dictOf(pairs);
      }
      case 'attr':
        return getAttribute(await this.ev(e.object, scope), e.name);
      case 'index': {
        const obj = await this.ev(e.object, scope);
        const key = e.index.kind === 'slice' ? await this.evalSlice(e.index, scope) : await this.ev(e.index, scope);
        // a missing key a type makes on the spot (a defaultdict's factory()), and keeps
        const factory = missingItem(obj, key);
        if (factory !== undefined) {
          const made = await this.call(factory, []);
          setItem(obj, key, made);
          return made;
        }
        return subscript(obj, key);
      }
      case 'slice':
        return this.evalSlice(e, scope);
      case 'call':
        return this.evalCall(e, scope);
      case 'unary': {
        const v = await this.ev(e.operand, scope);
        if (e.op === 'not') return !truthy(v);
        if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean' || v instanceof PyFloat) {
          const n = typeof v === 'boolean' ? Number(v) : v;
          return e.op === '-' ? negate(n) : n;
        }
        if (v instanceof TimeDelta) return e.op === '-' ? new TimeDelta(-v.us) : v;
        throw typeError(`bad operand type for unary ${e.op}: '${typeName(v)}'`);
      }
      case 'binary':
        return binary(e.op, await this.ev(e.left, scope), await this.ev(e.right, scope));
      case 'compare': {
        let left = await this.ev(e.first, scope);
        for (const [op, ex] of e.rest) {
          const right = await this.ev(ex, scope);
          if (!compare(op, left, right)) return false;
          left = right;
        }
        return true;
      }
      case 'bool': {
        const left = await this.ev(e.left, scope);
        if (e.op === 'and' ? !truthy(left) : truthy(left)) return left;
        return this.ev(e.right, scope);
      }
      case 'if':
        return truthy(await this.ev(e.test, scope)) ? this.ev(e.then, scope) : this.ev(e.otherwise, scope);
      case 'lambda': {
        const params = e.params;
        const body = e.body;
        return new PyFunction('<lambda>', async (c) => {
          if (c.kwargs.size || c.args.length !== params.length) {
            throw typeError(`<lambda>() takes ${params.length} argument${params.length === 1 ? '' : 's'} (${c.args.length + c.kwargs.size} given)`);
          }
          const vars = new Map<string, unknown>(params.map((p, i) => [p, c.args[i]]));
          if (this.depth >= RECURSION_LIMIT) throw recursionError('maximum recursion depth exceeded');
          this.depth++;
          try {
            return await this.ev(body, new Scope(vars, scope));
          } finally {
            this.depth--;
          }
        }, '', 'function');
      }
      case 'comprehension':
        return this.comprehension(e, scope);
      case 'fstring':
        return this.fstring(e.parts, scope);
    }
  }

  private async comprehension(e: Extract<Expr, { kind: 'comprehension' }>, scope: Scope): Promise<unknown> {
    const out: unknown[] = [];
    // One scope for the whole comprehension, as Python's: its variables are rebound on each item.
    const inner = new Scope(new Map(), scope);
    const run = async (level: number): Promise<void> => {
      const clause = e.clauses[level]!;
      // the first iterable is evaluated outside the comprehension's scope, as in Python
      for (const item of iterate(await this.ev(clause.iterable, level === 0 ? scope : inner), 'the comprehension')) {
        this.checkSignal();
        await this.assign(clause.target, item, inner);
        let keep = true;
        for (const c of clause.conditions) if (keep && !truthy(await this.ev(c, inner))) keep = false;
        if (!keep) continue;
        if (level + 1 < e.clauses.length) {
          await run(level + 1);
          continue;
        }
        if (out.length % 4096 === 0) chargeItems(4096, 'the comprehension');
        out.push(e.key ? [await this.ev(e.key, inner), await this.ev(e.element, inner)] : await this.ev(e.element, inner));
      }
    };
    await run(0);
    if (e.form === 'dict') return dictOf(out as [unknown, unknown][]);
    if (e.form === 'set') return out.filter((x, i) => out.findIndex((y) => pyEquals(x, y)) === i);
    return out;
  }

  private async fstring(parts: readonly FStringPart[], scope: Scope): Promise<string> {
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') {
        out += p;
        continue;
      }
      let v = await this.ev(p.expr, scope);
      if (p.conversion === 'r') v = repr(v);
      else if (p.conversion === 'a') v = asciiRepr(repr(v));
      else if (p.conversion === 's') v = str(v);
      const spec = p.spec ? await this.fstring(p.spec, scope) : '';
      const piece = (p.echo ?? '') + formatValue(v, spec);
      chargeString(out.length + piece.length);
      out += piece;
    }
    return out;
  }

  private async evalItems(items: Expr[], scope: Scope): Promise<unknown[]> {
    const out: unknown[] = [];
    for (const x of items) out.push(await this.ev(x, scope));
    return out;
  }

  private async evalSlice(e: Extract<Expr, { kind: 'slice' }>, scope: Scope): Promise<SliceValue> {
    const part = async (x: Expr | null) => {
      if (x === null) return null;
      const v = await this.ev(x, scope);
      if (v !== null && (typeof v !== 'number' || !Number.isInteger(v))) throw typeError(`slice indices must be integers or None, not ${typeName(v)}`);
      return v as number | null;
    };
    return new SliceValue(await part(e.lower), await part(e.upper), await part(e.step));
  }

  private lookup(name: string, scope: Scope): unknown {
    const found = scope.lookup(name);
    if (found.found) return found.value;
    const dyn = this.hooks.dynamic.get(name);
    if (dyn) return dyn();
    if (this.hooks.builtins.has(name)) return this.hooks.builtins.get(name);
    const known = [...this.globals.keys(), ...this.hooks.builtins.keys(), ...this.hooks.dynamic.keys()];
    throw nameError(`name '${clip(name)}' is not defined${didYouMean(name, known)}`);
  }

  private async evalCall(e: Extract<Expr, { kind: 'call' }>, scope: Scope): Promise<unknown> {
    if (e.callee.kind === 'name' && !scope.lookup(e.callee.name).found && this.hooks.dynamic.has(e.callee.name)) {
      if (e.args.length || e.kwargs.length) throw typeError(`${e.callee.name} is a datetime, not a function; write ${e.callee.name} or ${e.callee.name}()`);
      return this.hooks.dynamic.get(e.callee.name)!();
    }
    const { fn, args, kwargs } = await this.callParts(e, scope);
    return this.call(fn, args, kwargs);
  }

  /** The callee and the arguments of a call, evaluated left to right. */
  private async callParts(e: Extract<Expr, { kind: 'call' }>, scope: Scope) {
    const fn = await this.ev(e.callee, scope);
    const args = await this.evalItems(e.args, scope);
    const kwargs = new Map<string, unknown>();
    for (const [k, x] of e.kwargs) kwargs.set(k, await this.ev(x, scope));
    return { fn, args, kwargs };
  }

  /**
   * Evaluates a call expression, offering the evaluated function and
   * arguments to `take` first: when it answers (not undefined), that is the
   * value and the function is not called (script mode streams db_query so).
   */
  async evaluateCall(
    e: Extract<Expr, { kind: 'call' }>,
    take: (fn: unknown, call: CallArgs) => Promise<unknown> | undefined,
  ): Promise<unknown> {
    const scope = this.root;
    if (e.callee.kind === 'name' && !scope.lookup(e.callee.name).found && this.hooks.dynamic.has(e.callee.name)) return this.evalCall(e, scope);
    const { fn, args, kwargs } = await this.callParts(e, scope);
    this.checkSignal();
    const taken = take(fn, this.callArgs(args, kwargs));
    if (taken !== undefined) return abortable(taken, this.signal);
    return this.call(fn, args, kwargs);
  }

  private callArgs(args: unknown[], kwargs: Map<string, unknown>): CallArgs {
    return { args, kwargs, ...(this.signal ? { signal: this.signal } : {}) };
  }

  /** Calls a shell callable, honouring Ctrl-C. */
  async call(fn: unknown, args: unknown[], kwargs: Map<string, unknown> = new Map()): Promise<unknown> {
    this.checkSignal();
    const c = this.callArgs(args, kwargs);
    let result: unknown;
    const body = callBody(fn);
    if (!body) throw typeError(`'${typeName(fn)}' object is not callable`);
    result = body(c);
    return result instanceof Promise ? abortable(result, this.signal) : result;
  }

  private async assign(t: Target, value: unknown, scope: Scope): Promise<void> {
    switch (t.kind) {
      case 'name':
        scope.vars.set(t.name, value);
        return;
      case 'tuple': {
        const items = iterate(value, 'unpacking');
        if (items.length !== t.items.length) {
          throw typeError(`cannot unpack ${items.length} value${items.length === 1 ? '' : 's'} into ${t.items.length} names`);
        }
        for (let i = 0; i < items.length; i++) await this.assign(t.items[i]!, items[i], scope);
        return;
      }
      case 'index': {
        const obj = await this.ev(t.object, scope);
        const key = await this.ev(t.index, scope);
        setItem(obj, key, value);
        return;
      }
      case 'attr':
        throw typeError(`cannot set attribute '${t.name}' of a ${typeName(await this.ev(t.object, scope))}`);
    }
  }

  private async del(t: Target): Promise<void> {
    if (t.kind === 'name') {
      if (!this.globals.delete(t.name)) throw nameError(`name '${t.name}' is not defined`);
      return;
    }
    if (t.kind === 'index') {
      const obj = await this.ev(t.object, this.root);
      const key = await this.ev(t.index, this.root);
      delItem(obj, key);
      return;
    }
    throw typeError('del takes names and subscripts');
  }
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==': return pyEquals(a, b);
    case '!=': return !pyEquals(a, b);
    case 'is': return a === b || (a == null && b == null);
    case 'is not': return !(a === b || (a == null && b == null));
    case 'in':
    case 'not in': {
      const has = contains(b, a, `'${op}'`);
      return op === 'in' ? has : !has;
    }
    default: {
      const c = pyCompare(a, b, op);
      return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
    }
  }
}

function unsupported(op: string, a: unknown, b: unknown): IpcError {
  let hint = '';
  if ((a instanceof Timestamp && typeof b === 'number') || (typeof a === 'number' && b instanceof Timestamp)) {
    hint = `; add or subtract a timedelta, such as ${op === '-' ? 'now - timedelta(hours=1)' : 'now + timedelta(hours=1)'}`;
  }
  return typeError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'${hint}`);
}

/** Arithmetic over numbers, strings, lists, datetimes and timedeltas, as Python does it. */
export function binary(op: string, a: unknown, b: unknown): unknown {
  if (isNumeric(a) && isNumeric(b)) {
    const r = arithmetic(op, a, b);
    if (r === undefined) throw unsupported(op, a, b);
    return r;
  }
  const n = (x: unknown) => (typeof x === 'boolean' ? Number(x) : datetimeInstant(x) ?? unbox(x));
  const x = n(a);
  const y = n(b);
  if (x instanceof Timestamp) {
    if (op === '+' && y instanceof TimeDelta) return instant(x.us + y.us);
    if (op === '-' && y instanceof TimeDelta) return instant(x.us - y.us);
    if (op === '-' && y instanceof Timestamp) return span(x.us - y.us);
    throw unsupported(op, a, b);
  }
  if (x instanceof TimeDelta) {
    if (y instanceof TimeDelta) {
      switch (op) {
        case '+': return span(x.us + y.us);
        case '-': return span(x.us - y.us);
        case '/':
          if (y.us === 0) throw typeError('division by zero');
          return floatValue(x.us / y.us);
        case '//':
          if (y.us === 0) throw typeError('division by zero');
          return Math.floor(x.us / y.us);
      }
    }
    if (op === '+' && y instanceof Timestamp) return instant(x.us + y.us);
    if (typeof y === 'number') {
      if (op === '*') return span(x.us * y);
      if (op === '/' || op === '//') {
        if (y === 0) throw typeError('division by zero');
        return span(op === '/' ? x.us / y : Math.floor(x.us / y));
      }
    }
    throw unsupported(op, a, b);
  }
  if (typeof x === 'number' && y instanceof TimeDelta && op === '*') return span(y.us * x);
  if (typeof a === 'string' && op === '%') return percentFormat(a, b);
  if (typeof x === 'string' && typeof y === 'string' && op === '+') {
    chargeString(x.length + y.length);
    return x + y;
  }
  if (op === '*' && ((typeof x === 'string' && isNumeric(y)) || (isNumeric(x) && typeof y === 'string'))) {
    // the count as given: a float (2.0) is Python's TypeError even when whole
    const [text, count] = typeof x === 'string' ? [x, plainScalar(b)] : [y as string, plainScalar(a)];
    const times = repeatCount(count, 'str');
    if (text.length && times > MAX_STRING_LENGTH) throw memoryError('a string');
    chargeString(text.length * times);
    return text.repeat(times);
  }
  const list = (v: unknown) => (v instanceof RecordList ? v.records : Array.isArray(v) ? v : null);
  const la = list(x);
  const lb = list(y);
  if (la && lb && op === '+') {
    chargeItems(la.length + lb.length);
    const joined = la.concat(lb);
    return isTuple(x) && isTuple(y) ? tuple(joined) : joined;
  }
  if (op === '*' && ((la && isNumeric(y)) || (lb && isNumeric(x)))) {
    const [items, count] = la ? [la, plainScalar(b)] : [lb!, plainScalar(a)];
    const times = repeatCount(count, la && isTuple(x) || lb && isTuple(y) ? 'tuple' : 'list');
    chargeItems(items.length * times);
    const out: unknown[] = [];
    for (let i = 0; i < times; i++) for (const item of items) out.push(item);
    return (la ? isTuple(x) : isTuple(y)) ? tuple(out) : out;
  }
  if (op === '|' && isDict(x) && isDict(y)) return { ...x, ...y };
  throw unsupported(op, a, b);
}

/** How many times `seq * n` repeats: an int, at least zero. */
function repeatCount(n: unknown, what: string): number {
  if (typeof n === 'boolean') return Number(n);
  if (typeof n === 'bigint') {
    if (n <= 0n) return 0;
    throw memoryError(`a ${what} repeated ${n} times`);
  }
  if (typeof n !== 'number' || !Number.isInteger(n)) throw typeError(`can't multiply sequence by non-int of type '${typeName(n)}'`);
  return Math.max(0, n);
}

/**
 * The calls waiting on each signal. One listener per signal, however deep
 * calls nest (a listener per call piles up on recursion and Node warns).
 */
const waiting = new WeakMap<AbortSignal, Set<(e: IpcError) => void>>();

/**
 * Rejects with Interrupted when the signal fires first (Ctrl-C during a slow
 * store call); the late answer is dropped.
 */
export function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(interruption(signal));
  let calls = waiting.get(signal);
  if (!calls) {
    const set = new Set<(e: IpcError) => void>();
    calls = set;
    waiting.set(signal, set);
    signal.addEventListener('abort', () => {
      const e = interruption(signal);
      for (const reject of set) reject(e);
      set.clear();
    }, { once: true });
  }
  const registry = calls;
  return new Promise<T>((resolve, reject) => {
    registry.add(reject);
    p.then(
      (v) => {
        registry.delete(reject);
        resolve(v);
      },
      (e) => {
        registry.delete(reject);
        reject(e);
      },
    );
  });
}
