import { engineLabel, type ErrorReport, type FailureSignature } from '../analytics/index.js';
import { droppedNote, fitTable, wrapProse } from './fit.js';
import { renderTable } from './text-table.js';

/** A signature's row as text cells, for the script-mode table and the terminal's viewer alike. */
export interface ErrorRow {
  readonly [column: string]: string;
}

const list = (xs: readonly (string | number)[], max = 3) =>
  xs.length <= max ? xs.join(' ') : `${xs.slice(0, max).join(' ')} +${xs.length - max}`;

const causeText = (s: FailureSignature) => {
  if (s.cause === null) return '';
  const what = s.cause === 'engine died' ? 'engine died' : 'dependency failed';
  if (s.caused_by.length === 0) return what;
  const named = s.cause === 'engine died' ? s.caused_by.map((e) => engineLabel(e)) : s.caused_by;
  return `${what}: ${list(named, 2)}`;
};

const when = (t: FailureSignature['first'], utc: boolean) => (t === null ? '—' : t.toLocalString(3, utc));

/** The columns of the errors table, the group's first when grouped. */
export function errorColumns(report: ErrorReport): string[] {
  const group = report.by !== null && report.by !== 'ename' ? [report.by] : [];
  const variants = report.by === 'ename' ? ['messages'] : [];
  const lists = ['functions', 'engines'].filter((c) => !(c === 'functions' && report.by === 'function') && !(c === 'engines' && report.by === 'engine'));
  return [...group, 'count', 'share', 'ename', 'evalue', ...variants, 'caused by', ...lists, 'first', 'last', 'sample'];
}

export function errorRows(report: ErrorReport, utc = false): ErrorRow[] {
  return report.signatures.map((s) => {
    const row: Record<string, string> = {};
    if (report.by !== null && report.by !== 'ename') {
      row[report.by] = s.group === null || s.group === undefined ? groupNone(report.by) : report.by === 'engine' ? engineLabel(s.group) : String(s.group);
    }
    row['count'] = String(s.count);
    row['share'] = `${(100 * s.share).toFixed(s.share < 0.001 ? 2 : 1)}%`;
    row['ename'] = s.ename ?? 'None';
    row['evalue'] = s.evalue;
    if (report.by === 'ename') row['messages'] = String(s.variants);
    row['caused by'] = causeText(s);
    row['functions'] = list(s.functions);
    row['engines'] = list(s.engines.map((e) => (typeof e === 'number' ? String(e) : engineLabel(e))));
    row['first'] = when(s.first, utc);
    row['last'] = when(s.last, utc);
    row['sample'] = s.sample;
    return row;
  });
}

/** What a group with no value is called. */
export function groupNone(by: string): string {
  return by === 'label' ? '(no label)' : by === 'engine' ? 'unassigned' : 'None';
}

/** The summary line above the table. */
export function errorsSummary(report: ErrorReport): string {
  const n = report.signatures.length;
  if (report.failed === 0) return `no failures among ${report.selected} task${report.selected === 1 ? '' : 's'}`;
  const what = report.by === 'ename' ? (n === 1 ? 'exception class' : 'exception classes') : n === 1 ? 'signature' : 'signatures';
  return `${report.failed} failure${report.failed === 1 ? '' : 's'} among ${report.selected} tasks: ${n} ${what}` +
    (report.by !== null && report.by !== 'ename' ? ` by ${report.by}` : '');
}

/** Which columns give way first when the table is wider than the terminal (lowest first); the rest stay. */
const DROP: Readonly<Record<string, number>> = { last: 1, first: 2, functions: 3, engines: 4, messages: 5, 'caused by': 6, share: 7 };
const LEFT = new Set(['ename', 'evalue', 'messages', 'caused by', 'functions', 'engines', 'first', 'last', 'sample', 'label', 'function', 'engine', 'client']);

/**
 * `%errors` as plain text: the summary, then the table; at a terminal's
 * width the least telling columns are left out (said in a note) and long
 * messages cut, so that no row wraps.
 */
export function renderErrors(report: ErrorReport, utc = false, width = Infinity): string {
  if (report.failed === 0) return errorsSummary(report);
  const cols = errorColumns(report);
  const rows = errorRows(report, utc).map((r) => cols.map((c) => r[c] ?? ''));
  if (width === Infinity) return `${errorsSummary(report)}\n${renderTable(cols, rows)}`;
  const fitted = fitTable(cols.map((c) => ({ title: c, left: LEFT.has(c), id: c === 'sample' || c === 'client', drop: DROP[c] })), rows, width);
  const rule = fitted.lines[0]!.replace(/\S+/g, (w) => '-'.repeat(w.length));
  const note = droppedNote(fitted.dropped, width);
  return [errorsSummary(report), fitted.lines[0]!, rule, ...fitted.lines.slice(1), ...(note ? wrapProse(note, width) : [])].join('\n');
}
