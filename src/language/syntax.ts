import type { PyFloat } from '../records/index.js';
/** The syntax tree of the statement language. `at` is the offset in the source, for errors. */
export type Expr =
  | { kind: 'name'; at: number; name: string }
  | { kind: 'number'; at: number; value: number | bigint | PyFloat; float: boolean }
  | { kind: 'string'; at: number; value: string }
  | { kind: 'const'; at: number; value: null | boolean }
  | { kind: 'list'; at: number; items: Expr[] }
  | { kind: 'tuple'; at: number; items: Expr[] }
  | { kind: 'set'; at: number; items: Expr[] }
  | { kind: 'dict'; at: number; entries: [Expr, Expr][] }
  | { kind: 'attr'; at: number; object: Expr; name: string }
  | { kind: 'index'; at: number; object: Expr; index: Expr }
  | { kind: 'slice'; at: number; lower: Expr | null; upper: Expr | null; step: Expr | null }
  | { kind: 'call'; at: number; callee: Expr; args: Expr[]; kwargs: [string, Expr][] }
  | { kind: 'unary'; at: number; op: '-' | '+' | 'not'; operand: Expr }
  | { kind: 'binary'; at: number; op: string; left: Expr; right: Expr }
  | { kind: 'compare'; at: number; first: Expr; rest: [string, Expr][] }
  | { kind: 'bool'; at: number; op: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'if'; at: number; test: Expr; then: Expr; otherwise: Expr }
  | { kind: 'lambda'; at: number; params: string[]; body: Expr }
  | { kind: 'comprehension'; at: number; form: 'list' | 'generator' | 'set' | 'dict'; element: Expr; key: Expr | null; clauses: ForClause[] }
  | { kind: 'fstring'; at: number; parts: FStringPart[] };

/** One `for target in iterable if cond…` of a comprehension; later clauses run inside earlier ones. */
export interface ForClause {
  readonly target: Target;
  readonly iterable: Expr;
  readonly conditions: Expr[];
}

/** A piece of an f-string: literal text, or a replacement field `{expr!conversion:spec}`. */
export type FStringPart =
  | string
  | {
      readonly expr: Expr;
      readonly conversion: 'r' | 's' | 'a' | null;
      /** The format spec, itself made of text and nested fields; null when there is none. */
      readonly spec: FStringPart[] | null;
      /** `{x=}`: the expression's text, written before its value. */
      readonly echo: string | null;
    };

/** What an assignment or a `for` binds: a name, a subscript, an attribute, or a tuple of them. */
export type Target =
  | { kind: 'name'; at: number; name: string }
  | { kind: 'index'; at: number; object: Expr; index: Expr }
  | { kind: 'attr'; at: number; object: Expr; name: string }
  | { kind: 'tuple'; at: number; items: Target[] };

export type Statement =
  | { kind: 'expr'; at: number; expr: Expr }
  | { kind: 'assign'; at: number; targets: Target[]; value: Expr }
  | { kind: 'augassign'; at: number; target: Target; op: string; value: Expr }
  | { kind: 'import'; at: number; module: string; names: [string, string][] | null; alias: string | null }
  | { kind: 'del'; at: number; targets: Target[] }
  | { kind: 'pass'; at: number }
  | { kind: 'magic'; at: number; name: string; arg: string; argAt: number }
  | { kind: 'help'; at: number; expr: Expr };
