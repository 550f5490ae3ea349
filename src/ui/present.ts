import { RecordList } from '../client/index.js';
import { isRecordView, oneLine, recordLines, renderDisplay, renderErrors, renderValue, type DisplayOptions, type OutputFormat, type RecordViewOptions } from '../format/index.js';
import { KEY_NAMES, Text, isDict, type TaskRecord } from '../records/index.js';
import { terminalRequest, type WatchRequest } from '../shell/index.js';
import { ErrorsViewer } from './errors-viewer.js';
import { onScreen, type Painter } from './style.js';
import { TableModel, recordBlock, tableLines, type TableOptions } from './table-columns.js';
import { wrapWords } from './text-width.js';
import { RecordPager, TableViewer } from './viewers.js';

/**
 * How the terminal shows what a statement or a magic answered: the shell
 * decides what the answer is, this decides only where and how it is drawn.
 */
export type Presentation =
  /** Finished text for the scrollback. */
  | { readonly kind: 'print'; readonly text: string }
  /** Too tall for the screen: the pager, or `text` in the scrollback when no answer is being given. */
  | { readonly kind: 'page'; readonly pager: RecordPager; readonly text: string }
  | { readonly kind: 'table'; readonly viewer: TableViewer }
  | { readonly kind: 'watch'; readonly request: WatchRequest };

export interface PresentContext {
  readonly painter: Painter;
  readonly columns: number;
  readonly rows: number;
  readonly format: OutputFormat;
  readonly display: DisplayOptions;
  readonly table: TableOptions;
  /** A table viewer is already open: one viewer at a time, a second large answer is summed up. */
  readonly viewerOpen: boolean;
  /** A viewer calls it when it changes on its own (a search in progress). */
  readonly onChange: () => void;
}

export function present(value: unknown, n: number, ctx: PresentContext): Presentation {
  const p = ctx.painter;
  const out = p.red(`Out[${n}]: `);
  const request = terminalRequest(value);
  if (request?.kind === 'watch') return { kind: 'watch', request };
  if (request?.kind === 'errors' && !ctx.viewerOpen) {
    return { kind: 'table', viewer: new ErrorsViewer(request, n, { columns: ctx.columns, rows: ctx.rows }, ctx.onChange) };
  }
  if (request?.kind === 'errors') return { kind: 'print', text: out + ctx.painter.raw(renderErrors(request.report, ctx.table.utc, ctx.columns)) };
  if (isRecordView(value)) return presentRecord(value.record, value.context, ctx);
  if (value instanceof Text) return presentText(value.text.replace(/\n$/, ''), 'output', '', ctx);
  if (ctx.format !== 'table') return { kind: 'print', text: renderValue(value, ctx.format, ctx.display) };
  const model = tableOf(value, ctx.table);
  if (model) {
    if (model.rowCount === 0) return { kind: 'print', text: out + '[]' + p.dim('  (no records)') };
    const tall = model.rowCount + 3 > viewHeight(ctx);
    const wide = model.fullWidth > ctx.columns;
    if (!tall && !wide) return { kind: 'print', text: out + p.dim(summary(model)) + '\n' + tableLines(model, ctx.columns, p).join('\n') };
    // psql's \x auto: rows too wide for the screen, few enough to show as blocks, stay in the scrollback
    if (!tall && model.rowCount * (model.columns.length + 1) + 1 <= viewHeight(ctx) - 1) {
      const blocks = Array.from({ length: model.rowCount }, (_, i) => recordBlock(model, i, ctx.columns, p)).flat();
      return { kind: 'print', text: out + p.dim(summary(model)) + '\n' + blocks.join('\n') };
    }
    if (ctx.viewerOpen) return { kind: 'print', text: out + p.dim(summary(model)) };
    return { kind: 'table', viewer: new TableViewer(model, n, { columns: ctx.columns, rows: ctx.rows }, ctx.onChange) };
  }
  const text = renderDisplay(value, ctx.display);
  const label = out + (text.includes('\n') && !text.startsWith('[') && !text.startsWith('{') ? '\n' : '');
  return presentText(p.raw(text), `Out[${n}]`, label, ctx);
}

/** Text in the scrollback when it fits the screen, else in the pager. */
function presentText(text: string, title: string, label: string, ctx: PresentContext): Presentation {
  const lines = text.split('\n').map((l) => onScreen(l, ctx.painter));
  const rows = lines.reduce((k, l) => k + wrapWords(l, ctx.columns).length, 0);
  if (rows <= viewHeight(ctx) - 1) return { kind: 'print', text: label + text };
  const pager = new RecordPager(title, label ? [label.trimEnd(), ...lines] : lines, 'prompt', { columns: ctx.columns, rows: ctx.rows });
  return { kind: 'page', pager, text: label + text };
}

/** The record view: in the scrollback when it fits, else in the pager. */
function presentRecord(rec: TaskRecord, context: RecordViewOptions, ctx: PresentContext): Presentation {
  const source = recordLines(rec, ctx.painter, { ...context, utc: ctx.table.utc }).map((l) => onScreen(l, ctx.painter));
  const rows = source.reduce((k, l) => k + wrapWords(l, ctx.columns).length, 0);
  if (rows <= viewHeight(ctx) - 1) return { kind: 'print', text: source.join('\n') };
  return { kind: 'page', pager: pagerOf(rec, source, ctx, 'prompt'), text: source.join('\n') };
}

/** The record view in the pager, as Enter in the table viewer opens it. */
export function recordPager(rec: TaskRecord, context: RecordViewOptions, ctx: PresentContext, back: 'table' | 'timeline' | 'top' | 'prompt'): RecordPager {
  return pagerOf(rec, recordLines(rec, ctx.painter, { ...context, utc: ctx.table.utc }).map((l) => onScreen(l, ctx.painter)), ctx, back);
}

function pagerOf(rec: TaskRecord, source: readonly string[], ctx: PresentContext, back: 'table' | 'timeline' | 'top' | 'prompt'): RecordPager {
  const title = typeof rec['msg_id'] === 'string' ? oneLine(rec['msg_id']) : 'record';
  return new RecordPager(title, source, back, { columns: ctx.columns, rows: ctx.rows });
}

/** Rows Ink's live area may use: it stays below the terminal height. */
function viewHeight(ctx: PresentContext): number {
  return Math.max(3, ctx.rows - 1);
}

/** A record list, or a list of records (dicts with a msg_id), as a table. */
export function tableOf(value: unknown, options: TableOptions = {}): TableModel | null {
  if (value instanceof RecordList) return TableModel.of(value, options);
  if (Array.isArray(value) && value.length > 0 && value.every((r) => isDict(r) && typeof r['msg_id'] === 'string')) {
    const keys: string[] = [];
    const seen = new Set<string>();
    for (const r of value.slice(0, 1000) as TaskRecord[]) {
      for (const k of Object.keys(r)) if (!seen.has(k)) (seen.add(k), keys.push(k));
    }
    const order = (k: string) => (k === 'msg_id' ? -1 : KEY_NAMES.indexOf(k) === -1 ? KEY_NAMES.length : KEY_NAMES.indexOf(k));
    keys.sort((a, b) => order(a) - order(b));
    return new TableModel(value as TaskRecord[], keys, options);
  }
  return null;
}

export function summary(model: TableModel): string {
  const n = model.rowCount;
  return `${n} record${n === 1 ? '' : 's'} × ${model.keys.length} key${model.keys.length === 1 ? '' : 's'}`;
}
