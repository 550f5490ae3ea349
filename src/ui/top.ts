import type { TopMonitor } from '../client/index.js';
import { renderTop, type TopSnapshot } from '../format/index.js';
import { sourceOf, type TopRequest } from '../shell/index.js';
import type { KeyEvent } from './keys.js';
import type { Painter } from './style.js';
import { isCtrl, type ScreenSize } from './viewers.js';

export type TopAction =
  | { readonly kind: 'close' }
  /** Enter: the record view of the selected engine's task. */
  | { readonly kind: 'open'; readonly msgId: string }
  /** t: %tail of the selected engine's task. */
  | { readonly kind: 'tail'; readonly msgId: string };

/** IOPub may report many engines' changes a second: the view is drawn again at most this often between polls. */
const EVENT_REDRAW_MS = 250;

/**
 * `%top` on screen: the monitor polled every `seconds` (only changed records
 * are read), redrawn on each poll and, at most four times a second, when
 * IOPub or the notification channel says an engine changed. The lines go
 * to the alternate screen, which writes only the rows that changed.
 */
export class TopSession {
  snapshot: TopSnapshot | null = null;
  selected = 0;
  paused = false;
  showErrors = false;
  message = '';
  private readonly monitor: TopMonitor;
  private source = '';
  private timer: NodeJS.Timeout | null = null;
  private eventTimer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    readonly request: TopRequest,
    private size: ScreenSize,
    private readonly utc: boolean,
    private readonly onChange: () => void,
  ) {
    this.monitor = request.monitor();
    this.monitor.onEvent = () => this.eventSoon();
  }

  start(): void {
    void (async () => {
      try {
        this.source = await sourceOf(this.request.client);
        await this.monitor.start();
      } catch (e) {
        this.message = `reading the tasks failed: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (this.stopped) return this.monitor.stop();
      await this.refresh(false);
      this.schedule();
    })();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.request.seconds * 1000);
  }

  private async tick(): Promise<void> {
    await this.refresh(!this.paused);
    this.schedule();
  }

  private eventSoon(): void {
    if (this.eventTimer || this.stopped || this.paused) return;
    this.eventTimer = setTimeout(() => {
      this.eventTimer = null;
      void this.refresh(false);
    }, EVENT_REDRAW_MS);
  }

  private async refresh(poll: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      if (poll) await this.monitor.poll();
      const snap = await this.monitor.namedSnapshot(this.source);
      if (this.stopped) return;
      this.snapshot = snap;
      if (this.message.startsWith('reading the tasks failed')) this.message = '';
      this.selected = Math.min(this.selected, Math.max(0, snap.engines.length - 1));
    } catch (e) {
      this.message = `reading the tasks failed: ${e instanceof Error ? e.message : String(e)}`;
    }
    this.onChange();
  }

  resize(size: ScreenSize): void {
    this.size = size;
  }

  lines(p: Painter): string[] {
    const { columns, rows } = this.size;
    if (!this.snapshot) {
      const head = [p.bold('top') + '  ' + p.dim(this.request.source), '', this.message || p.dim('reading the tasks…')];
      return [...head, ...new Array(Math.max(0, rows - head.length - 1)).fill(''), p.dim('q leaves')];
    }
    return renderTop(this.snapshot, {
      columns, rows, selected: this.selected, paused: this.paused, showErrors: this.showErrors,
      seconds: this.request.seconds, utc: this.utc, message: this.message,
    }, p);
  }

  handleKey(ev: KeyEvent): TopAction | null {
    const letter = ev.name === 'text' && !ev.meta ? ev.text : '';
    if (isCtrl(ev, 'c') || letter === 'q' || ev.name === 'escape') return { kind: 'close' };
    const engines = this.snapshot?.engines ?? [];
    const task = engines[this.selected]?.task?.msgId ?? null;
    this.message = '';
    if (ev.name === 'up') this.selected = Math.max(0, this.selected - 1);
    else if (ev.name === 'down') this.selected = Math.min(Math.max(0, engines.length - 1), this.selected + 1);
    else if (letter === 'p') {
      this.paused = !this.paused;
      if (!this.paused) void this.refresh(true);
    } else if (letter === 'e') this.showErrors = !this.showErrors;
    else if (ev.name === 'enter' || letter === 't') {
      if (task) return { kind: ev.name === 'enter' ? 'open' : 'tail', msgId: task };
      this.message = 'the selected engine runs no task';
    }
    return null;
  }

  /** One line for the scrollback once %top closes. */
  summary(): string {
    const s = this.snapshot;
    if (!s) return `(${this.request.source} closed)`;
    return `(${this.request.source} closed: ${s.pending} pending, ${s.running} running, ${s.done} done, ${s.failed} failed on ${s.enginesUp} engine${s.enginesUp === 1 ? '' : 's'})`;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.eventTimer) clearTimeout(this.eventTimer);
    this.timer = this.eventTimer = null;
    this.monitor.stop();
  }
}
