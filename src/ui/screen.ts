import { safeText } from '../format/index.js';

/**
 * The viewers draw on the terminal's alternate screen, as a pager does, and
 * rewrite only the lines that changed since the last frame. Ink lays out
 * and re-encodes every cell of its output on each render, which costs tens
 * of milliseconds for a full screen; a viewer frame here costs what its
 * changed lines cost, so scrolling stays within a frame budget whatever the
 * size of the answer. Leaving restores the main screen as Ink left it.
 */
export interface Writable {
  write(data: string): unknown;
}

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J';
const LEAVE = '\x1b[?1049l';

export class AlternateScreen {
  private shown: string[] = [];
  private active = false;

  constructor(private readonly out: Writable) {}

  get isActive(): boolean {
    return this.active;
  }

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.shown = [];
    this.out.write(ENTER);
    // Whatever ends the process, the person gets the main screen back.
    process.once('exit', this.restore);
  }

  private readonly restore = () => {
    if (this.active) this.out.write(LEAVE);
  };

  /** Draws `lines` (one per terminal row, each no wider than the terminal); only changed rows are written. */
  draw(lines: readonly string[], rows: number): void {
    if (!this.active) return;
    let buf = '';
    for (let i = 0; i < rows; i++) {
      // the last step before the terminal: whatever a line holds, only colour reaches it as control
      const line = safeText(lines[i] ?? '');
      if (this.shown[i] === line) continue;
      buf += `\x1b[${i + 1};1H\x1b[0m${line}\x1b[0m\x1b[K`;
    }
    if (this.shown.length > rows) buf += `\x1b[${rows + 1};1H\x1b[J`;
    this.shown = lines.slice(0, rows);
    if (buf !== '') this.out.write(buf);
  }

  /** Forgets what is on the screen (after a resize) so that the next frame is drawn whole. */
  invalidate(): void {
    if (!this.active) return;
    this.shown = [];
    this.out.write('\x1b[H\x1b[2J');
  }

  leave(): void {
    if (!this.active) return;
    this.active = false;
    this.shown = [];
    process.off('exit', this.restore);
    this.out.write(LEAVE);
  }
}
