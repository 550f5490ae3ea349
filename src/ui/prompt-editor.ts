import type { Completion } from '../shell/index.js';
import { History, currentText, newerEntry, olderEntry, reverseSearch, startCursor, type HistoryCursor } from './history.js';
import type { KeyEvent } from './keys.js';
import * as tb from './text-buffer.js';
import { fitId, fitText, textWidth } from './text-width.js';
import { isCtrl } from './viewers.js';

export interface ReverseSearch {
  readonly query: string;
  /** The matching history entry, or undefined when nothing matches. */
  readonly index: number | undefined;
}

/** What a key at the prompt asks of the session, beyond editing the input. */
export type PromptAction =
  | { readonly kind: 'edit' }
  | { readonly kind: 'submit'; readonly source: string }
  /** Ctrl-C: drop the input (the text that was typed, for the echo). */
  | { readonly kind: 'cancel'; readonly dropped: string }
  | { readonly kind: 'clear-screen' }
  /** Ctrl-D on an empty input. */
  | { readonly kind: 'end' };

export interface PromptEditorOptions {
  readonly history: History;
  complete(text: string, cursor: number): Promise<Completion>;
  isComplete(source: string): boolean;
}

const MAX_COMPLETIONS_SHOWN = 40;

/**
 * The input being typed at `In [n]:`: the text and cursor, history
 * browsing, Ctrl-R search and Tab completion. Keys in, actions out.
 */
export class PromptEditor {
  buffer: tb.TextBuffer = tb.EMPTY_BUFFER;
  historyCursor: HistoryCursor | null = null;
  reverse: ReverseSearch | null = null;
  completions: readonly string[] = [];
  private completionTicket = 0;

  constructor(private readonly options: PromptEditorOptions) {}

  get history(): History {
    return this.options.history;
  }

  reset(): void {
    this.setBuffer(tb.EMPTY_BUFFER);
    this.reverse = null;
  }

  handleKey(ev: KeyEvent): PromptAction {
    if (this.reverse) return this.reverseKey(this.reverse, ev);
    const b = this.buffer;
    if (ev.name === 'ctrl') {
      switch (ev.text) {
        case 'a':
          return this.setBuffer(tb.home(b), true);
        case 'e':
          return this.setBuffer(tb.end(b), true);
        case 'b':
          return this.setBuffer(tb.left(b), true);
        case 'f':
          return this.setBuffer(tb.right(b), true);
        case 'k':
          return this.setBuffer(tb.killToEnd(b));
        case 'u':
          return this.setBuffer(tb.killToStart(b));
        case 'w':
          return this.setBuffer(tb.killWordBack(b));
        case 'y':
          return this.setBuffer(tb.yank(b));
        case 'h':
          return this.setBuffer(tb.backspace(b));
        case 'o':
          return this.setBuffer(tb.insert(b, '\n'));
        case 'p':
          return this.historyOlder();
        case 'n':
          return this.historyNewer();
        case 'l':
          return { kind: 'clear-screen' };
        case 'r':
          this.reverse = { query: '', index: undefined };
          this.completions = [];
          return EDIT;
        case 'c': {
          const dropped = b.text;
          this.setBuffer(tb.EMPTY_BUFFER);
          return { kind: 'cancel', dropped };
        }
        case 'd':
          if (b.text === '') return { kind: 'end' };
          return this.setBuffer(tb.deleteForward(b));
        default:
          return EDIT;
      }
    }
    switch (ev.name) {
      case 'text':
        if (ev.meta) return this.metaKey(ev.text);
        return this.setBuffer(tb.insert(b, ev.text));
      case 'paste':
        return this.setBuffer(tb.insert(b, ev.text));
      case 'newline':
        return this.setBuffer(tb.insert(b, '\n'));
      case 'enter':
        return this.submit();
      case 'backspace':
        return this.setBuffer(ev.meta ? tb.killWordBackAlnum(b) : tb.backspace(b));
      case 'delete':
        return this.setBuffer(tb.deleteForward(b));
      case 'left':
        return this.setBuffer(ev.ctrl || ev.meta ? tb.wordLeft(b) : tb.left(b), true);
      case 'right':
        return this.setBuffer(ev.ctrl || ev.meta ? tb.wordRight(b) : tb.right(b), true);
      case 'home':
        return this.setBuffer(tb.home(b), true);
      case 'end':
        return this.setBuffer(tb.end(b), true);
      case 'up': {
        const moved = tb.up(b);
        return moved ? this.setBuffer(moved, true) : this.historyOlder();
      }
      case 'down': {
        const moved = tb.down(b);
        return moved ? this.setBuffer(moved, true) : this.historyNewer();
      }
      case 'escape':
        this.completions = [];
        return EDIT;
      default:
        return EDIT;
    }
  }

  private setBuffer(b: tb.TextBuffer, keepHistory = false): PromptAction {
    this.buffer = b;
    if (!keepHistory) this.historyCursor = null;
    this.completions = [];
    return EDIT;
  }

  /** Enter: a complete statement is submitted; an open one goes on to a continuation line. */
  private submit(): PromptAction {
    const source = this.buffer.text;
    if (source.trim() !== '' && !this.options.isComplete(source)) return this.setBuffer(tb.insert(tb.bufferOf(source), '\n'));
    this.setBuffer(tb.EMPTY_BUFFER);
    return { kind: 'submit', source };
  }

  private metaKey(letter: string): PromptAction {
    const b = this.buffer;
    switch (letter) {
      case 'b':
        return this.setBuffer(tb.wordLeft(b), true);
      case 'f':
        return this.setBuffer(tb.wordRight(b), true);
      case 'd':
        return this.setBuffer(tb.killWordForward(b));
      default:
        return EDIT;
    }
  }

  private historyOlder(): PromptAction {
    const entries = this.history.entries;
    const c = this.historyCursor ?? startCursor(entries, this.buffer.text);
    const next = olderEntry(entries, c);
    if (!next) return EDIT;
    this.historyCursor = next;
    this.buffer = tb.bufferOf(currentText(entries, next));
    this.completions = [];
    return EDIT;
  }

  private historyNewer(): PromptAction {
    if (!this.historyCursor) return EDIT;
    const entries = this.history.entries;
    const next = newerEntry(entries, this.historyCursor);
    if (!next) return EDIT;
    this.historyCursor = next.index >= entries.length ? null : next;
    this.buffer = tb.bufferOf(currentText(entries, next));
    this.completions = [];
    return EDIT;
  }

  private reverseKey(r: ReverseSearch, ev: KeyEvent): PromptAction {
    const entries = this.history.entries;
    const found = (query: string, before: number): ReverseSearch => ({ query, index: query === '' ? undefined : reverseSearch(entries, query, before) });
    if (isCtrl(ev, 'r')) {
      const from = r.index ?? entries.length;
      const older = r.query === '' ? undefined : reverseSearch(entries, r.query, from);
      this.reverse = { query: r.query, index: older ?? r.index };
      return EDIT;
    }
    if (isCtrl(ev, 'g') || isCtrl(ev, 'c') || ev.name === 'escape') {
      this.reverse = null;
      return EDIT;
    }
    if (ev.name === 'backspace') {
      this.reverse = found(r.query.slice(0, -1), entries.length);
      return EDIT;
    }
    if ((ev.name === 'text' && !ev.meta) || ev.name === 'paste') {
      const q = r.query + ev.text;
      this.reverse = found(q, (r.index ?? entries.length - 1) + 1);
      return EDIT;
    }
    // Any other key takes the match into the input and acts on it, as readline does.
    this.reverse = null;
    if (r.index !== undefined) this.setBuffer(tb.bufferOf(entries[r.index]!));
    return ev.name === 'enter' ? this.submit() : EDIT;
  }

  /** Asks the shell; the answer applies only if the input has not changed meanwhile. Resolves true when it did apply. */
  async complete(): Promise<boolean> {
    const ticket = ++this.completionTicket;
    const before = this.buffer;
    let c: Completion;
    try {
      c = await this.options.complete(before.text, before.cursor);
    } catch {
      return false;
    }
    if (ticket !== this.completionTicket || this.buffer !== before) return false;
    const cands = [...new Set(c.candidates)];
    if (cands.length === 0) return false;
    if (cands.length === 1) {
      this.setBuffer(tb.replaceRange(before, c.start, c.end, cands[0]!));
    } else {
      const common = commonPrefix(cands);
      const typed = before.text.slice(c.start, c.end);
      this.setBuffer(common.length > typed.length ? tb.replaceRange(before, c.start, c.end, common) : before);
      this.completions = cands;
    }
    return true;
  }

  /** The candidates of the last Tab, in columns that fit the terminal. */
  completionLines(columns: number, rows: number, dim: (s: string) => string): string[] {
    if (this.completions.length === 0) return [];
    const shown = this.completions.slice(0, MAX_COMPLETIONS_SHOWN);
    // Columns as wide as the widest candidate, two spaces apart; an id too wide for the terminal keeps its tail.
    const w = Math.max(3, Math.min(columns, shown.reduce((m, s) => Math.max(m, textWidth(s)), 0) + 2));
    const perLine = Math.max(1, Math.floor(columns / w));
    const lines: string[] = [];
    for (let i = 0; i < shown.length; i += perLine) {
      lines.push(shown.slice(i, i + perLine).map((s) => (textWidth(s) > w - 2 && s.length === textWidth(s) ? fitId(s, w - 2) : fitText(s, w - 2)) + '  ').join('').trimEnd());
    }
    if (this.completions.length > shown.length) lines.push(dim(`… ${this.completions.length - shown.length} more`));
    return lines.slice(0, Math.max(1, rows - 4));
  }
}

const EDIT: PromptAction = { kind: 'edit' };

function commonPrefix(words: readonly string[]): string {
  let prefix = words[0] ?? '';
  for (const w of words) {
    while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}
