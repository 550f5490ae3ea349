import { engineLabel, type ErrorReport, type FailureSignature } from '../analytics/index.js';
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

/** `%errors` as plain text: the summary, then the table. */
export function renderErrors(report: ErrorReport, utc = false): string {
  if (report.failed === 0) return errorsSummary(report);
  const cols = errorColumns(report);
  const rows = errorRows(report, utc).map((r) => cols.map((c) => r[c] ?? ''));
  return `${errorsSummary(report)}\n${renderTable(cols, rows)}`;
}
