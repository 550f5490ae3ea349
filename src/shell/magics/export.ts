/**
 * `%export EXPR FILE [--format json|jsonl|csv|trace|table] [--force]`: what
 * script mode would print for EXPR, written to FILE. A `db_query(...)`
 * streams as script mode streams it (flat memory however many records);
 * the file appears only once complete, and an existing one is kept unless
 * --force.
 */
import { parseError, typeError } from '../../errors.js';
import { OUTPUT_FORMATS, formatOfFile, renderRecordStream, renderValue, type OutputFormat } from '../../format/index.js';
import { RecordStream, Text, TextStream, type TaskRecord } from '../../records/index.js';
import { writeFileStreaming } from '../export-file.js';
import type { MagicContext } from '../magic.js';
import { parseExpression } from '../../language/index.js';
import { streamDbQuery } from '../rc.js';
import { reportOfCall } from './report.js';

const USAGE = 'usage: %export EXPR FILE [--format json|jsonl|csv|trace|table|report] [--force], e.g. %export db_query({\'completed\': None}) pending.jsonl';

interface ExportArgs {
  /** The argument without its options: EXPR FILE, as typed. */
  readonly bare: string;
  readonly expr: string;
  readonly exprAt: number;
  readonly file: string;
  readonly format: OutputFormat | null;
  readonly force: boolean;
}

/** Splits `EXPR FILE [flags]`: flags from the end, then the last word (quoted or not) is the file. */
export function parseExportArgs(arg: string): ExportArgs {
  let rest = arg.trimEnd();
  let format: OutputFormat | null = null;
  let force = false;
  for (;;) {
    const f = /\s--format[=\s]+(\w+)$/.exec(' ' + rest);
    if (f) {
      if (!(OUTPUT_FORMATS as readonly string[]).includes(f[1]!)) throw typeError(`%export --format takes ${OUTPUT_FORMATS.join(', ')}, not '${f[1]}'`);
      format = f[1] as OutputFormat;
      rest = rest.slice(0, rest.length - f[0].length + 1).trimEnd();
      continue;
    }
    const b = /\s--force$/.exec(' ' + rest);
    if (b) {
      force = true;
      rest = rest.slice(0, rest.length - b[0].length + 1).trimEnd();
      continue;
    }
    const other = /\s(--[\w-]+)(?:[=\s]\S*)?$/.exec(' ' + rest);
    if (other) throw typeError(`%export has no option ${other[1]}; its options are --format and --force`);
    break;
  }
  const m = /^([\s\S]*?)\s+(?:'([^']+)'|"([^"]+)"|(\S+))$/.exec(rest);
  if (!m || !m[1]!.trim()) throw parseError(USAGE);
  const lead = m[1]!.length - m[1]!.trimStart().length;
  return { bare: rest, expr: m[1]!.trim(), exprAt: lead, file: m[2] ?? m[3] ?? m[4]!, format, force };
}

/**
 * The error for `%export FILE EXPR` (the order of many an export command):
 * the first word of the argument without its options (`bare`) names a file
 * of an output format and what follows parses as an expression; null when
 * the argument is not that. Raised where the argument does not parse as
 * `EXPR FILE`, or where its file looks like code.
 */
function fileFirst(bare: string): Error | null {
  const m = /^\s*(?:'([^']+)'|"([^"]+)"|(\S+))\s+([\s\S]+)$/.exec(bare);
  if (!m) return null;
  const file = m[1] ?? m[2] ?? m[3]!;
  if (formatOfFile(file) === null) return null;
  const rest = m[4]!.trim();
  try {
    parseExpression({ source: rest, from: 0, to: rest.length, firstLine: 1 });
  } catch {
    return null;
  }
  return parseError(`%export takes the expression first, then the file: %export ${rest} ${m[1] !== undefined || m[2] !== undefined ? JSON.stringify(file) : file}`);
}

export async function exportMagic(st: { argAt: number; arg: string }, ctx: MagicContext): Promise<Text> {
  const args = parseExportArgs(st.arg);
  // `%export 'out.csv' db_query({})` parses (a text, then a file named `db_query({})`): said, not written
  if (/[({[]/.test(args.file)) {
    const reversed = fileFirst(args.bare);
    if (reversed) throw reversed;
  }
  const format = args.format ?? formatOfFile(args.file) ?? ctx.shell.settings.format;
  const at = st.argAt + args.exprAt;
  let expr: ReturnType<typeof parseExpression>;
  try {
    expr = parseExpression({ source: ctx.source, from: at, to: at + args.expr.length, firstLine: ctx.firstLine });
  } catch (e) {
    throw fileFirst(args.bare) ?? e;
  }
  const dbQuery = ctx.builtins.get('db_query');
  let records = 0;
  const value = expr.kind === 'call'
    ? await ctx.interp.evaluateCall(expr, (fn, call) =>
      fn !== dbQuery ? undefined : format === 'report' ? reportOfCall(ctx.client, call, ctx.display().timezone === 'utc') : streamDbQuery(ctx.client, call, format))
    : await ctx.interp.evaluate(expr);
  const display = ctx.display();
  async function* pieces(): AsyncGenerator<string> {
    if (value instanceof RecordStream) {
      const counted = await countingStream(value, () => records++);
      yield* renderRecordStream(counted, format, display);
      return;
    }
    if (value instanceof TextStream) {
      yield* value;
      return;
    }
    const text = value instanceof Text ? value.text : renderValue(value, format, display);
    yield text.endsWith('\n') || text === '' ? text : text + '\n';
  }
  let bytes: number;
  try {
    bytes = await writeFileStreaming(args.file, args.force, pieces(), ctx.interp.signal);
  } finally {
    if (value instanceof RecordStream) await value.close().catch(() => undefined);
  }
  const what = value instanceof RecordStream ? `${records} record${records === 1 ? '' : 's'}` : value instanceof TextStream ? value.what : 'the value';
  return new Text(`wrote ${what} to ${args.file} (${format}, ${bytes} bytes)`);
}

/** The same stream, counting the records as they go by. */
async function countingStream(s: RecordStream, onRecord: () => void): Promise<RecordStream> {
  const it = s[Symbol.asyncIterator]();
  const counted: AsyncIterator<TaskRecord | string> = {
    next: async () => {
      const r = await it.next();
      if (!r.done) onRecord();
      return r;
    },
    return: async () => {
      await it.return?.(undefined);
      return { done: true, value: undefined };
    },
  };
  return new RecordStream(s.keys, counted, await counted.next());
}
