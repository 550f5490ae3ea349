/**
 * Failure signatures: what tells two failures apart once the numbers, ids,
 * paths and quoted values of their messages are set aside. `ValueError:
 * cannot parse 'c!d' at position 1` and `… 'x!' at position 0` are one
 * signature, `ValueError: cannot parse <str> at position <n>`.
 */

/** Placeholders, in the order the message is read: quoted values, ids, paths, hex, numbers. */
const ID = String.raw`[0-9a-f]{8}-(?:[0-9a-f]{24}|[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})`;
const MSG_ID = new RegExp(String.raw`^${ID}(?:_\d+_\d+)?$`);
const TOKENS = new RegExp(
  [
    String.raw`(?<quoted>b?'(?:[^'\\\n]|\\.)*'|b?"(?:[^"\\\n]|\\.)*")`,
    String.raw`(?<id>${ID}(?:_\d+_\d+)?)`,
    String.raw`(?<path>(?<![\w/.])(?:~|\.{1,2})?(?:/[\w.@+~-]+)+/?)`,
    String.raw`(?<hex>\b0x[0-9a-fA-F]+\b|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b)`,
    String.raw`(?<num>(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w]))`,
  ].join('|'),
  'g',
);

/** An exception message with its variable parts as placeholders: `<str> <id> <path> <hex> <n>` (`<id>`: a msg_id, engine or session id). */
export function errorPattern(evalue: string): string {
  return evalue.replace(TOKENS, (m: string, ...rest: unknown[]) => {
    const g = rest.at(-1) as Record<string, string | undefined>;
    if (g['quoted'] !== undefined) {
      const inner = m.replace(/^b?(['"])([\s\S]*)\1$/, '$2');
      return MSG_ID.test(inner) ? '<id>' : '<str>';
    }
    if (g['id'] !== undefined) return '<id>';
    if (g['path'] !== undefined) return '<path>';
    if (g['hex'] !== undefined) return '<hex>';
    return '<n>';
  });
}

/** Failures that another task or engine caused, by the exception's class. */
const DEPENDENCY_ERRORS = new Set(['UnmetDependency', 'ImpossibleDependency', 'DependencyTimeout', 'InvalidDependency']);

export type FailureCause = 'engine died' | 'dependency' | null;

/** Whether a failure was caused elsewhere: the engine died under it (EngineError … died) or a dependency failed. */
export function failureCause(ename: string | null, evalue: string | null): FailureCause {
  if (ename === 'EngineError' && /\bdied\b/.test(evalue ?? '')) return 'engine died';
  if (ename !== null && DEPENDENCY_ERRORS.has(ename)) return 'dependency';
  return null;
}

/** The engine an `EngineError` message names: `Engine 3 died…` (hub) or `Engine b'<uuid>' died…` (scheduler). */
export function engineInMessage(evalue: string): number | string | null {
  const m = /Engine (?:(\d+)|b?'([^']+)')/.exec(evalue);
  if (!m) return null;
  return m[1] !== undefined ? Number(m[1]) : m[2]!;
}
