import { Timestamp, type DeriveContext, type RecordStatus, type TaskRecord } from '../records/index.js';
import { compareEngines, engineLabel, taskInterval, type TaskInterval } from '../analytics/index.js';
import { safeText } from './sanitize.js';
import { niceStep, tickLabel } from './timescale.js';

export const STATUS_COLOURS: Record<RecordStatus | 'resubmitted', string> = {
  ok: '#43a047',
  error: '#e53935',
  aborted: '#9e9e9e',
  pending: '#fbc02d',
  resubmitted: '#8e24aa',
};

const WIDTH = 1200;
const LEFT = 110;
const RIGHT = 20;
const TOP = 50;
const ROW = 22;
const BAR = 16;
const PIECE = 1 << 16;

type Kind = RecordStatus | 'resubmitted';

/**
 * Text as XML character data: controls shown as escapes (XML 1.0 cannot
 * hold most of them even as character references), lone surrogates and
 * U+FFFE/U+FFFF likewise, markup characters as references.
 */
export function escapeXml(s: string): string {
  return xmlText(safeText(s, { oneLine: true, sgr: 'show' }));
}

/** Text already made safe (no controls) as XML character data: lone surrogates and U+FFFE/U+FFFF as escapes, markup characters as references. */
export function xmlText(s: string): string {
  return s
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]|[\ufffe\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16))
    .replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Where a task's bar starts and ends; a task still pending runs to the end of the chart. */
function barOf(t: TaskInterval, end: number): [number, number] | null {
  const from = t.started ?? t.submitted;
  if (from === null) return null;
  return [from, t.completed ?? Math.max(end, from)];
}

/** A task's row: its engine uuid, else its engine id, else the unassigned row. */
function rowKey(t: TaskInterval): number | string | null {
  return t.uuid ?? t.engine;
}

const kindOf = (t: TaskInterval): Kind => (t.resubmitted ? 'resubmitted' : t.status);

/**
 * A self-contained SVG Gantt chart: one row per engine, one bar per task
 * coloured by status, a time axis in seconds from the first task. It reads
 * the records twice (`open` is called once per pass): first for the rows
 * and the time span, then to draw. Tasks narrower than a pixel that touch
 * on the same row with the same status become one bar, so a million tasks
 * make a file of the chart's size, not of the task count.
 */
export async function* renderSvg(
  open: () => AsyncIterable<TaskRecord> | Iterable<TaskRecord>,
  ctx: DeriveContext = {},
  title = 'ipc task timeline',
  /** A file of its own (with the XML declaration), else an element to place inside an HTML page. */
  standalone = true,
): AsyncGenerator<string> {
  async function* intervals() {
    for await (const rec of open()) yield taskInterval(rec, ctx);
  }
  yield* renderSvgIntervals(intervals, title, standalone);
}

/** Calls `f` with each item, without a turn of the event loop per item when the items are in hand. */
async function forEach<T>(items: AsyncIterable<T> | Iterable<T>, f: (x: T) => void): Promise<void> {
  if (Symbol.iterator in items) for (const x of items) f(x);
  else for await (const x of items) f(x);
}

/** The SVG chart of tasks as intervals (`open` is called once per pass), in answer order. */
export async function* renderSvgIntervals(
  open: () => AsyncIterable<TaskInterval> | Iterable<TaskInterval>,
  title = 'ipc task timeline',
  standalone = true,
): AsyncGenerator<string> {
  // A row per engine uuid: its id may only be learned from another record (a failed task's engine_info).
  const rows = new Set<number | string | null>();
  const ids = new Map<string, number>();
  let t0 = Infinity;
  let t1 = -Infinity;
  let tasks = 0;
  await forEach(open(), (t) => {
    tasks++;
    if (t.uuid !== null && typeof t.engine === 'number') ids.set(t.uuid, t.engine);
    rows.add(rowKey(t));
    for (const v of [t.submitted, t.started, t.completed]) {
      if (v === null) continue;
      if (v < t0) t0 = v;
      if (v > t1) t1 = v;
    }
  });
  const shown = (k: number | string | null) => (typeof k === 'string' ? ids.get(k) ?? k : k);
  const order = [...rows].sort((a, b) => compareEngines(shown(a), shown(b)));
  const rowOf = new Map(order.map((e, i) => [e, i]));
  const height = TOP + order.length * ROW + 50;
  const plot = WIDTH - LEFT - RIGHT;
  const empty = !(t1 >= t0);
  const span = empty ? 1 : Math.max(1, t1 - t0);
  const x = (us: number) => LEFT + ((us - t0) / span) * plot;

  let text = `${standalone ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">\n`;
  text += `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>\n`;
  const when = empty ? '' : ` — from ${new Timestamp(t0).toISOString()}, ${tasks} tasks`;
  text += `<text x="${LEFT}" y="18" font-size="14" font-weight="bold">${escapeXml(title + when)}</text>\n`;
  const step = niceStep(span / 1e6, 10);
  for (let s = 0; !empty && s <= span / 1e6 + 1e-9; s += step) {
    const px = x(t0 + s * 1e6).toFixed(1);
    text += `<line x1="${px}" y1="${TOP - 8}" x2="${px}" y2="${TOP + order.length * ROW}" stroke="#dddddd"/>`;
    text += `<text x="${px}" y="${TOP - 12}" text-anchor="middle" fill="#555555">${escapeXml(tickLabel(s, step))}</text>\n`;
  }
  order.forEach((e, i) => {
    const y = TOP + i * ROW;
    text += `<text x="${LEFT - 8}" y="${y + BAR - 3}" text-anchor="end">${escapeXml(engineLabel(shown(e)))}</text>\n`;
  });

  // One open bar per row and kind: a task that starts within a pixel of its end extends it.
  const open_ = new Map<string, { row: number; kind: Kind; x0: number; x1: number; n: number; id: string }>();
  const flush = (b: { row: number; kind: Kind; x0: number; x1: number; n: number; id: string }) => {
    const y = TOP + b.row * ROW;
    const w = Math.max(1, b.x1 - b.x0);
    const tip = b.n === 1 ? `${b.id} (${b.kind})` : `${b.n} tasks (${b.kind})`;
    text += `<rect x="${b.x0.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${BAR}" fill="${STATUS_COLOURS[b.kind]}"><title>${escapeXml(tip)}</title></rect>\n`;
  };
  const draw = (t: TaskInterval) => {
    const bar = barOf(t, t1);
    if (!bar) return;
    const row = rowOf.get(rowKey(t)) ?? 0;
    const kind = kindOf(t);
    const x0 = x(bar[0]);
    const x1 = x(bar[1]);
    const k = `${row} ${kind}`;
    const cur = open_.get(k);
    if (cur && x0 <= cur.x1 + 1 && x0 >= cur.x0 - 1) {
      cur.x1 = Math.max(cur.x1, x1);
      cur.n++;
      return;
    }
    if (cur) flush(cur);
    open_.set(k, { row, kind, x0, x1, n: 1, id: t.msgId });
  };
  if (!empty) {
    const items = open();
    if (Symbol.iterator in items) {
      for (const t of items) {
        draw(t);
        if (text.length >= PIECE) {
          yield text;
          text = '';
        }
      }
    } else {
      for await (const t of items) {
        draw(t);
        if (text.length >= PIECE) {
          yield text;
          text = '';
        }
      }
    }
  }
  for (const b of open_.values()) flush(b);
  const ly = TOP + order.length * ROW + 28;
  let lx = LEFT;
  for (const [kind, colour] of Object.entries(STATUS_COLOURS)) {
    text += `<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${colour}"/><text x="${lx + 16}" y="${ly}">${kind}</text>\n`;
    lx += 110;
  }
  text += '</svg>\n';
  yield text;
}
