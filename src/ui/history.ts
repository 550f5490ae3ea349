import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { configError } from '../errors.js';
import { FILE_CAPS, readBoundedFile, writeRegularFile } from '../files.js';

/**
 * The input history, kept in `~/.ipc_history` (mode 0600) as one JSON string
 * per line, so a multi-line statement is one entry.
 */
export const HISTORY_LIMIT = 10_000;

export function defaultHistoryFile(): string {
  return join(homedir(), '.ipc_history');
}

export class History {
  private readonly items: string[];

  constructor(
    readonly file: string | null,
    items: readonly string[] = [],
  ) {
    this.items = items.slice(-HISTORY_LIMIT);
  }

  /**
   * Reads the file; a missing or unreadable file is an empty history, bad
   * lines are skipped. A name that is no regular file (a FIFO, a device)
   * or a file past FILE_CAPS.history is neither read nor written: the
   * session keeps its history in memory.
   */
  static load(file: string | null): History {
    if (file === null || !existsSync(file)) return new History(file);
    let text: string;
    try {
      text = readBoundedFile(file, 'history file', FILE_CAPS.history, configError);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      return new History(code === 'ENOENT' ? file : null);
    }
    const items: string[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const v: unknown = JSON.parse(line);
        if (typeof v === 'string' && v !== '') items.push(v);
      } catch {
        // a line another program wrote: not ours to interpret
      }
    }
    const h = new History(file, items);
    if (items.length > HISTORY_LIMIT) h.rewrite();
    return h;
  }

  get entries(): readonly string[] {
    return this.items;
  }

  get length(): number {
    return this.items.length;
  }

  /** Adds a statement (not blank, not a repeat of the last one) and appends it to the file. */
  add(entry: string): void {
    const e = entry.replace(/\s+$/, '');
    if (e.trim() === '' || this.items[this.items.length - 1] === e) return;
    this.items.push(e);
    if (this.items.length > HISTORY_LIMIT) this.items.splice(0, this.items.length - HISTORY_LIMIT);
    if (this.file === null) return;
    // history is a convenience: an unwritable file must not break the session
    writeRegularFile(this.file, JSON.stringify(e) + '\n', 0o600, 'append');
  }

  private rewrite(): void {
    if (this.file === null) return;
    writeRegularFile(this.file, this.items.map((e) => JSON.stringify(e) + '\n').join(''), 0o600, 'replace');
  }
}

/**
 * Up/Down through the history. Navigation starts from what was typed: its
 * text is the draft (restored after the newest entry), and the entries
 * shown are those starting with it, as in IPython.
 */
export interface HistoryCursor {
  /** Index into entries; entries.length means "the draft". */
  readonly index: number;
  readonly draft: string;
}

export function startCursor(entries: readonly string[], draft: string): HistoryCursor {
  return { index: entries.length, draft };
}

export function olderEntry(entries: readonly string[], c: HistoryCursor): HistoryCursor | undefined {
  for (let i = Math.min(c.index, entries.length) - 1; i >= 0; i--) {
    const e = entries[i]!;
    if (e.startsWith(c.draft) && e !== currentText(entries, c)) return { index: i, draft: c.draft };
  }
  return undefined;
}

export function newerEntry(entries: readonly string[], c: HistoryCursor): HistoryCursor | undefined {
  if (c.index >= entries.length) return undefined;
  for (let i = c.index + 1; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.startsWith(c.draft) && e !== currentText(entries, c)) return { index: i, draft: c.draft };
  }
  return { index: entries.length, draft: c.draft };
}

export function currentText(entries: readonly string[], c: HistoryCursor): string {
  return c.index >= entries.length ? c.draft : entries[c.index]!;
}

/** Ctrl-R: the newest entry before `before` that contains `query`. */
export function reverseSearch(entries: readonly string[], query: string, before: number): number | undefined {
  for (let i = Math.min(before, entries.length) - 1; i >= 0; i--) {
    if (entries[i]!.includes(query)) return i;
  }
  return undefined;
}
