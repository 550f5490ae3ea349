import { clip, IpcError } from '../errors.js';
import { FStringError, splitFString } from './fstring.js';
import { OPENERS, parseErrorAt, tokenize, type SourceSpan, type Token } from './lexer.js';
import { floatValue, normalize } from './numbers.js';
import type { Expr, ForClause, FStringPart, Statement, Target } from './syntax.js';

const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'is', 'if', 'else', 'for', 'lambda', 'None', 'True', 'False',
  'from', 'import', 'as', 'del', 'pass', 'def', 'class', 'return', 'while', 'with', 'try', 'yield', 'global',
]);
/** Python's own parser stops at 200 nested parentheses; so does this one (and the JS stack stays small). */
const MAX_NESTING = 200;
const COMPARE = new Set(['==', '!=', '<', '>', '<=', '>=', 'in', 'is']);
const AUGMENTED = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=']);

/** Parses one statement (as split by splitStatements) into its syntax tree. */
export function parseStatement(span: SourceSpan): Statement {
  return new Parser(span).statement();
}

/** Parses a whole expression, for magic arguments. */
export function parseExpression(span: SourceSpan): Expr {
  const p = new Parser(span);
  const e = p.expression();
  p.expectEnd();
  return e;
}

class Parser {
  private readonly tokens: Token[];
  private pos = 0;
  private depth = 0;

  constructor(private readonly span: SourceSpan) {
    this.tokens = tokenize(span);
  }

  private get tok(): Token {
    return this.tokens[this.pos]!;
  }

  private peek(n = 1): Token {
    return this.tokens[Math.min(this.pos + n, this.tokens.length - 1)]!;
  }

  private is(value: string, type: Token['type'] = 'op'): boolean {
    const t = this.tok;
    return t.type === type && t.value === value;
  }

  private isKeyword(word: string): boolean {
    return this.is(word, 'name');
  }

  private next(): Token {
    const t = this.tok;
    if (t.type !== 'eof') this.pos++;
    return t;
  }

  private accept(value: string, type: Token['type'] = 'op'): boolean {
    if (this.is(value, type)) {
      this.pos++;
      return true;
    }
    return false;
  }

  private fail(sentence: string, at = this.tok.offset): never {
    throw parseErrorAt(this.span, at, sentence);
  }

  private found(): string {
    const t = this.tok;
    if (t.type === 'eof' || t.type === 'newline') return 'the end of the statement';
    if (t.type === 'string' || t.type === 'fstring') return 'a string';
    if (t.type === 'number') return `the number ${t.value}`;
    return `'${t.value}'`;
  }

  private expect(value: string, what: string, opener?: Token): void {
    if (this.accept(value)) return;
    const also = opener ? ` to close the '${opener.value}' at column ${opener.column}` : '';
    this.fail(`expected ${what}${also}, found ${this.found()}`);
  }

  expectEnd(): void {
    while (this.tok.type === 'newline' || this.is(';')) this.pos++;
    if (this.tok.type !== 'eof') this.fail(`expected the end of the statement, found ${this.found()}`);
  }

  statement(): Statement {
    while (this.tok.type === 'newline' || this.is(';')) this.pos++;
    const t = this.tok;
    let st: Statement;
    if (t.type === 'eof') return { kind: 'pass', at: t.offset };
    if (t.type === 'magic') {
      this.next();
      const m = /^(\w*)\s*/.exec(t.value)!;
      st = { kind: 'magic', at: t.offset, name: m[1]!, arg: t.value.slice(m[0].length), argAt: t.offset + 1 + m[0].length };
    } else if (this.isKeyword('from')) st = this.fromImport();
    else if (this.isKeyword('import')) st = this.importStatement();
    else if (this.isKeyword('pass')) {
      this.next();
      st = { kind: 'pass', at: t.offset };
    } else if (this.isKeyword('del')) {
      this.next();
      const targets = [this.toTarget(this.expression())];
      while (this.accept(',')) targets.push(this.toTarget(this.expression()));
      st = { kind: 'del', at: t.offset, targets };
    } else if (t.type === 'name' && ['def', 'class', 'while', 'with', 'try', 'return', 'yield', 'global'].includes(t.value)) {
      const instead: Record<string, string> = {
        def: 'write a lambda instead, such as slow = lambda r: r[\'run_time\'] > 60',
        while: "use a comprehension, or rc.wait() to wait for tasks",
        return: 'a lambda returns its expression',
      };
      this.fail(`'${t.value}' statements are not part of the ipc shell language; it takes expressions, assignments and imports${instead[t.value] ? `: ${instead[t.value]}` : ''}`);
    } else if (t.type === 'name' && t.value === 'for' ) {
      this.fail("for loops are not part of the ipc shell language; use a list comprehension such as [r['msg_id'] for r in records]");
    } else {
      st = this.exprStatement();
    }
    this.expectEnd();
    return st;
  }

  private dottedName(): string {
    let name = this.identifier('a module name');
    while (this.accept('.')) name += '.' + this.identifier('a name after the dot');
    return name;
  }

  private identifier(what: string): string {
    const t = this.tok;
    if (t.type !== 'name' || KEYWORDS.has(t.value)) this.fail(`expected ${what}, found ${this.found()}`);
    this.next();
    return t.value;
  }

  private fromImport(): Statement {
    const at = this.next().offset;
    const module = this.dottedName();
    if (!this.accept('import', 'name')) this.fail(`expected 'import' after 'from ${module}', found ${this.found()}`);
    const names: [string, string][] = [];
    const paren = this.accept('(');
    if (this.accept('*')) {
      names.push(['*', '*']);
    } else {
      do {
        if (paren && this.is(')')) break;
        const name = this.identifier('a name to import');
        const alias = this.accept('as', 'name') ? this.identifier("a name after 'as'") : name;
        names.push([name, alias]);
      } while (this.accept(','));
    }
    if (paren) this.expect(')', "')'");
    return { kind: 'import', at, module, names, alias: null };
  }

  private importStatement(): Statement {
    const at = this.next().offset;
    const module = this.dottedName();
    const alias = this.accept('as', 'name') ? this.identifier("a name after 'as'") : null;
    return { kind: 'import', at, module, names: null, alias };
  }

  private exprStatement(): Statement {
    const at = this.tok.offset;
    const first = this.exprList();
    if (this.is('?')) {
      this.next();
      return { kind: 'help', at, expr: first };
    }
    if (this.tok.type === 'op' && AUGMENTED.has(this.tok.value)) {
      const op = this.next().value.slice(0, -1);
      return { kind: 'augassign', at, target: this.toTarget(first), op, value: this.exprList() };
    }
    if (this.is('=')) {
      const targets = [this.toTarget(first)];
      let value: Expr = first;
      while (this.accept('=')) {
        value = this.exprList();
        if (this.is('=')) targets.push(this.toTarget(value));
      }
      return { kind: 'assign', at, targets, value };
    }
    return { kind: 'expr', at, expr: first };
  }

  private toTarget(e: Expr): Target {
    switch (e.kind) {
      case 'name':
        if (KEYWORDS.has(e.name)) break;
        return e;
      case 'index':
      case 'attr':
        return e;
      case 'tuple':
      case 'list':
        return { kind: 'tuple', at: e.at, items: e.items.map((x) => this.toTarget(x)) };
      default:
        break;
    }
    this.fail(`cannot assign to ${describeExpr(e)}; the left of '=' is a name such as recent`, e.at);
  }

  /** A bare tuple `a, b` or one expression. */
  private exprList(): Expr {
    const at = this.tok.offset;
    const first = this.expression();
    if (!this.is(',')) return first;
    const items = [first];
    while (this.accept(',')) {
      if (this.atExpressionEnd()) break;
      items.push(this.expression());
    }
    return { kind: 'tuple', at, items };
  }

  private atExpressionEnd(): boolean {
    const t = this.tok;
    return t.type === 'eof' || t.type === 'newline' || (t.type === 'op' && [')', ']', '}', '=', ';', ':'].includes(t.value));
  }

  expression(): Expr {
    return this.nested(() => this.nestedExpression());
  }

  /** Parses one level deeper, refusing past MAX_NESTING levels with one sentence. */
  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) this.fail(`the statement is nested more than ${MAX_NESTING} levels deep; split it into several statements`);
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private nestedExpression(): Expr {
    if (this.isKeyword('lambda')) return this.lambda();
    const at = this.tok.offset;
    const e = this.or();
    if (this.isKeyword('if') ) {
      this.next();
      const test = this.or();
      if (!this.accept('else', 'name')) this.fail(`expected 'else' in a conditional expression, found ${this.found()}`);
      const otherwise = this.expression();
      return { kind: 'if', at, test, then: e, otherwise };
    }
    return e;
  }

  private lambda(): Expr {
    const at = this.next().offset;
    const params: string[] = [];
    if (!this.is(':')) {
      do params.push(this.identifier('a parameter name'));
      while (this.accept(','));
    }
    this.expect(':', "':' after the lambda's parameters");
    return { kind: 'lambda', at, params, body: this.expression() };
  }

  private or(): Expr {
    let left = this.and();
    while (this.isKeyword('or')) {
      const at = this.next().offset;
      left = { kind: 'bool', at, op: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Expr {
    let left = this.not();
    while (this.isKeyword('and')) {
      const at = this.next().offset;
      left = { kind: 'bool', at, op: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Expr {
    if (this.isKeyword('not')) {
      const at = this.next().offset;
      return { kind: 'unary', at, op: 'not', operand: this.nested(() => this.not()) };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const at = this.tok.offset;
    const first = this.bitOr();
    const rest: [string, Expr][] = [];
    for (;;) {
      const t = this.tok;
      let op: string | null = null;
      if (t.type === 'op' && COMPARE.has(t.value)) op = t.value;
      else if (t.type === 'name' && (t.value === 'in' || t.value === 'is')) op = t.value;
      else if (t.type === 'name' && t.value === 'not' && this.peek().type === 'name' && this.peek().value === 'in') {
        this.next();
        op = 'not in';
      }
      if (op === null) break;
      this.next();
      if (op === 'is' && this.accept('not', 'name')) op = 'is not';
      rest.push([op, this.bitOr()]);
    }
    return rest.length ? { kind: 'compare', at, first, rest } : first;
  }

  private bitOr(): Expr {
    let left = this.arith();
    while (this.is('|') || this.is('&')) {
      const t = this.next();
      left = { kind: 'binary', at: t.offset, op: t.value, left, right: this.arith() };
    }
    return left;
  }

  private arith(): Expr {
    let left = this.term();
    while (this.is('+') || this.is('-')) {
      const t = this.next();
      left = { kind: 'binary', at: t.offset, op: t.value, left, right: this.term() };
    }
    return left;
  }

  private term(): Expr {
    let left = this.unary();
    while (this.is('*') || this.is('/') || this.is('//') || this.is('%') || this.is('@')) {
      const t = this.next();
      left = { kind: 'binary', at: t.offset, op: t.value, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Expr {
    if (this.is('-') || this.is('+')) {
      const t = this.next();
      return { kind: 'unary', at: t.offset, op: t.value as '-' | '+', operand: this.nested(() => this.unary()) };
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.postfix();
    if (this.is('**')) {
      const t = this.next();
      return { kind: 'binary', at: t.offset, op: '**', left: base, right: this.nested(() => this.unary()) };
    }
    return base;
  }

  private postfix(): Expr {
    let e = this.atom();
    for (;;) {
      if (this.is('(')) {
        const open = this.next();
        const args: Expr[] = [];
        const kwargs: [string, Expr][] = [];
        while (!this.is(')')) {
          if (this.is('*') || this.is('**')) this.fail('*args and **kwargs are not supported in calls');
          if (this.tok.type === 'name' && this.peek().type === 'op' && this.peek().value === '=') {
            const name = this.next().value;
            this.next();
            if (kwargs.some(([k]) => k === name)) this.fail(`keyword argument ${name} is given twice`);
            kwargs.push([name, this.expression()]);
          } else {
            if (kwargs.length) this.fail('a positional argument cannot follow a keyword argument');
            const arg = this.expression();
            if (this.isKeyword('for')) {
              args.push(this.comprehensionTail(arg, 'generator', arg.at));
            } else args.push(arg);
          }
          if (!this.accept(',')) break;
        }
        this.expect(')', "',' or ')'", open);
        e = { kind: 'call', at: open.offset, callee: e, args, kwargs };
      } else if (this.is('[')) {
        const open = this.next();
        const index = this.subscript();
        this.expect(']', "']'", open);
        e = { kind: 'index', at: open.offset, object: e, index };
      } else if (this.is('.')) {
        const dot = this.next();
        const t = this.tok;
        if (t.type !== 'name') this.fail(`expected an attribute name after '.', found ${this.found()}`);
        this.next();
        e = { kind: 'attr', at: dot.offset, object: e, name: t.value };
      } else return e;
    }
  }

  private subscript(): Expr {
    const at = this.tok.offset;
    const part = (): Expr | null => (this.is(':') || this.is(']') ? null : this.expression());
    const lower = part();
    if (!this.is(':')) {
      if (lower === null) this.fail(`expected an index inside '[ ]', found ${this.found()}`);
      if (this.is(',')) {
        const items = [lower];
        while (this.accept(',')) if (!this.is(']')) items.push(this.expression());
        return { kind: 'tuple', at, items };
      }
      return lower;
    }
    this.next();
    const upper = part();
    const step = this.accept(':') ? part() : null;
    return { kind: 'slice', at, lower, upper, step };
  }

  private atom(): Expr {
    const t = this.tok;
    switch (t.type) {
      case 'number': {
        this.next();
        const float = /[.eE]/.test(t.value) && !/^0x/i.test(t.value);
        let value: number | bigint;
        if (/^0[xob]/i.test(t.value)) value = Number(t.value.toLowerCase());
        else value = Number(t.value);
        if (Number.isNaN(value)) this.fail(`'${clip(t.value)}' is not a number`, t.offset);
        // Integer literals beyond 2^53 stay exact, as Python's ints do.
        if (!float && !Number.isSafeInteger(value)) value = normalize(BigInt(/^0[xob]/i.test(t.value) ? t.value.toLowerCase() : t.value));
        return { kind: 'number', at: t.offset, value: float ? floatValue(value as number) : value, float };
      }
      case 'string':
      case 'fstring':
        return this.strings();
      case 'name': {
        if (t.value === 'None' || t.value === 'True' || t.value === 'False') {
          this.next();
          return { kind: 'const', at: t.offset, value: t.value === 'None' ? null : t.value === 'True' };
        }
        if (t.value === 'null' || t.value === 'true' || t.value === 'false') {
          this.next();
          return { kind: 'const', at: t.offset, value: t.value === 'null' ? null : t.value === 'true' };
        }
        if (KEYWORDS.has(t.value) && t.value !== 'lambda') this.fail(`expected an expression, found the keyword '${t.value}'`);
        this.next();
        return { kind: 'name', at: t.offset, name: t.value };
      }
      case 'op':
        if (t.value === '(') return this.parenthesized();
        if (t.value === '[') return this.listDisplay();
        if (t.value === '{') return this.dictDisplay();
        if (t.value === '?') this.fail("'?' asks for help after a name, as in db_query?");
        break;
      case 'magic':
        this.fail('a %magic goes at the start of a line');
        break;
      default:
        break;
    }
    if (t.type === 'op' && !OPENERS[t.value] && [')', ']', '}'].includes(t.value)) {
      this.fail(`expected an expression, found '${t.value}'`);
    }
    this.fail(`expected an expression, found ${this.found()}`);
  }

  /** Adjacent string literals are one string, as in Python; any f-string among them makes it an f-string. */
  private strings(): Expr {
    const at = this.tok.offset;
    const parts: FStringPart[] = [];
    let formatted = false;
    while (this.tok.type === 'string' || this.tok.type === 'fstring') {
      const t = this.next();
      if (t.type === 'string') {
        parts.push(t.value);
        continue;
      }
      formatted = true;
      try {
        for (const part of splitFString(t.value, (text) => parseExpression({ source: text, from: 0, to: text.length }))) parts.push(part);
      } catch (e) {
        if (e instanceof FStringError) this.fail(e.message, t.offset);
        if (e instanceof IpcError) this.fail(`in a field of this f-string: ${e.message.split('\n')[0]}`, t.offset);
        throw e;
      }
    }
    if (!formatted) return { kind: 'string', at, value: parts.join('') };
    return { kind: 'fstring', at, parts };
  }

  private parenthesized(): Expr {
    const open = this.next();
    if (this.accept(')')) return { kind: 'tuple', at: open.offset, items: [] };
    const first = this.expression();
    if (this.isKeyword('for')) {
      const c = this.comprehensionTail(first, 'generator', open.offset);
      this.expect(')', "')'", open);
      return c;
    }
    if (this.accept(')')) return first;
    const items = [first];
    while (this.accept(',')) {
      if (this.is(')')) break;
      items.push(this.expression());
    }
    this.expect(')', "',' or ')'", open);
    return { kind: 'tuple', at: open.offset, items };
  }

  private listDisplay(): Expr {
    const open = this.next();
    const items: Expr[] = [];
    if (!this.is(']')) {
      const first = this.expression();
      if (this.isKeyword('for')) {
        const c = this.comprehensionTail(first, 'list', open.offset);
        this.expect(']', "']'", open);
        return c;
      }
      items.push(first);
      while (this.accept(',')) {
        if (this.is(']')) break;
        items.push(this.expression());
      }
    }
    this.expect(']', "',' or ']'", open);
    return { kind: 'list', at: open.offset, items };
  }

  private comprehensionTail(element: Expr, form: 'list' | 'generator' | 'set' | 'dict', at: number, key: Expr | null = null): Expr {
    const clauses: ForClause[] = [];
    while (this.accept('for', 'name')) {
      const targetAt = this.tok.offset;
      const names: Expr[] = [this.bitOr()];
      while (this.accept(',')) names.push(this.bitOr());
      const target = this.toTarget(names.length === 1 ? names[0]! : { kind: 'tuple', at: targetAt, items: names });
      if (!this.accept('in', 'name')) this.fail(`expected 'in' after the loop variable, found ${this.found()}`);
      const iterable = this.or();
      const conditions: Expr[] = [];
      while (this.accept('if', 'name')) conditions.push(this.or());
      clauses.push({ target, iterable, conditions });
    }
    return { kind: 'comprehension', at, form, element, key, clauses };
  }

  private closeComprehension(c: Expr, open: Token): Expr {
    this.expect('}', "'}'", open);
    return c;
  }

  private dictDisplay(): Expr {
    const open = this.next();
    const entries: [Expr, Expr][] = [];
    const items: Expr[] = [];
    while (!this.is('}')) {
      const key = this.expression();
      if (this.accept(':')) {
        if (items.length) this.fail('a set display cannot hold key: value pairs');
        if (this.is(',') || this.is('}')) this.fail(`expected a value after ':', found ${this.found()}`);
        const value = this.expression();
        if (this.isKeyword('for') && entries.length === 0) return this.closeComprehension(this.comprehensionTail(value, 'dict', open.offset, key), open);
        entries.push([key, value]);
      } else {
        if (this.isKeyword('for') && items.length === 0) return this.closeComprehension(this.comprehensionTail(key, 'set', open.offset), open);
        if (entries.length) this.fail(`expected ':' after the key, found ${this.found()}`);
        items.push(key);
      }
      if (!this.accept(',')) break;
    }
    this.expect('}', entries.length ? "',' or '}'" : "':', ',' or '}'", open);
    if (items.length) return { kind: 'set', at: open.offset, items };
    return { kind: 'dict', at: open.offset, entries };
  }
}

export function describeExpr(e: Expr): string {
  switch (e.kind) {
    case 'call': return 'a function call';
    case 'number': case 'string': case 'const': return 'a literal';
    case 'binary': case 'unary': case 'compare': case 'bool': return 'an operator expression';
    case 'dict': return 'a dict display';
    case 'lambda': return 'a lambda';
    default: return `a ${e.kind}`;
  }
}
