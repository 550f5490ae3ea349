/**
 * Raw terminal input → key events. Ink's parser splits stdin into chunks at
 * escape sequences; this decoder names the keys the prompt and the viewer
 * need (including Alt and Ctrl arrows that Ink's own key object does not
 * tell apart) and keeps a bracketed paste together as one `paste` event.
 */
export type KeyName =
  | 'text'
  | 'paste'
  | 'enter'
  | 'newline'
  | 'tab'
  | 'shift-tab'
  | 'backspace'
  | 'delete'
  | 'escape'
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'pageup'
  | 'pagedown'
  | 'ctrl'
  | 'unknown';

export interface KeyEvent {
  readonly name: KeyName;
  /** The characters of `text` and `paste`, the letter of `ctrl` and Alt-letter. */
  readonly text: string;
  readonly ctrl: boolean;
  readonly meta: boolean;
  readonly shift: boolean;
}

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

function key(name: KeyName, mods: Partial<Pick<KeyEvent, 'ctrl' | 'meta' | 'shift' | 'text'>> = {}): KeyEvent {
  return { name, text: mods.text ?? '', ctrl: mods.ctrl ?? false, meta: mods.meta ?? false, shift: mods.shift ?? false };
}

const CSI_FINAL: Record<string, KeyName> = { A: 'up', B: 'down', C: 'right', D: 'left', H: 'home', F: 'end' };
const CSI_TILDE: Record<string, KeyName> = {
  '1': 'home',
  '7': 'home',
  '4': 'end',
  '8': 'end',
  '3': 'delete',
  '5': 'pageup',
  '6': 'pagedown',
};

/** xterm modifier parameter: 1 + (shift 1, alt 2, ctrl 4, meta 8). */
function modifiers(param: string | undefined): { shift: boolean; meta: boolean; ctrl: boolean } {
  const m = param === undefined ? 0 : Math.max(0, Number(param) - 1);
  return { shift: (m & 1) !== 0, meta: (m & 2) !== 0 || (m & 8) !== 0, ctrl: (m & 4) !== 0 };
}

function decodeEscape(seq: string): KeyEvent {
  if (seq === '\x1b') return key('escape');
  // ESC ESC [ ... : Alt with an arrow, as some terminals send it.
  if (seq.startsWith('\x1b\x1b')) {
    const inner = decodeEscape(seq.slice(1));
    return { ...inner, meta: true };
  }
  let m = /^\x1b\[(?:(\d+)(?:;(\d+))?)?([ABCDHF])$/.exec(seq) ?? /^\x1bO()()([ABCDHF])$/.exec(seq);
  if (m) {
    const name = CSI_FINAL[m[3]!]!;
    return key(name, modifiers(m[2] || undefined));
  }
  m = /^\x1b\[(\d+)(?:;(\d+))?~$/.exec(seq);
  if (m) {
    const name = CSI_TILDE[m[1]!];
    return name ? key(name, modifiers(m[2])) : key('unknown', { text: seq });
  }
  if (seq === '\x1b[Z') return key('shift-tab', { shift: true });
  if (seq === '\x1b\r' || seq === '\x1b\n') return key('newline', { meta: true });
  if (seq === '\x1b\x7f' || seq === '\x1b\b') return key('backspace', { meta: true });
  if (seq.length === 2) return key('text', { meta: true, text: seq[1]! });
  return key('unknown', { text: seq });
}

/** Splits a chunk of plain characters into text runs and control keys. */
function decodePlain(chunk: string, out: KeyEvent[], newlineIsEnter: boolean): void {
  let run = '';
  const flush = () => {
    if (run !== '') out.push(key('text', { text: run }));
    run = '';
  };
  for (const ch of chunk) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && c !== 0x7f) {
      run += ch;
      continue;
    }
    flush();
    if (ch === '\r' || (ch === '\n' && newlineIsEnter)) out.push(key('enter'));
    else if (ch === '\n') out.push(key('newline', { ctrl: true }));
    else if (ch === '\t') out.push(key('tab'));
    else if (c === 0x7f || c === 0x08) out.push(key('backspace'));
    else if (c === 0) out.push(key('ctrl', { ctrl: true, text: ' ' }));
    else if (c <= 0x1a) out.push(key('ctrl', { ctrl: true, text: String.fromCharCode(c + 96) }));
    else out.push(key('unknown', { text: ch }));
  }
  flush();
}

/**
 * A stateful decoder: feed it Ink's raw input events in order. Between the
 * bracketed-paste markers everything is collected, then given as one `paste`.
 */
export class KeyDecoder {
  private pasting: string | null = null;
  private typedAhead = false;

  /**
   * Lines typed before the terminal was put in raw mode (while ipc was
   * starting) arrive as the terminal's line discipline kept them, each
   * ended by a newline (its ICRNL): with `typedAhead` those newlines are
   * Enter, so each line is an input of its own, not one merged input.
   */
  feed(raw: string, typedAhead = false): KeyEvent[] {
    const out: KeyEvent[] = [];
    this.typedAhead = typedAhead;
    let s = raw;
    while (s !== '') {
      if (this.pasting !== null) {
        const endAt = s.indexOf(PASTE_END);
        if (endAt === -1) {
          this.pasting += s;
          return out;
        }
        this.pasting += s.slice(0, endAt);
        out.push(key('paste', { text: this.pasting.replace(/\r\n?/g, '\n') }));
        this.pasting = null;
        s = s.slice(endAt + PASTE_END.length);
        continue;
      }
      const startAt = s.indexOf(PASTE_START);
      if (startAt !== -1) {
        this.decodeChunk(s.slice(0, startAt), out);
        this.pasting = '';
        s = s.slice(startAt + PASTE_START.length);
        continue;
      }
      this.decodeChunk(s, out);
      break;
    }
    return out;
  }

  private decodeChunk(s: string, out: KeyEvent[]): void {
    if (s === '') return;
    if (s.startsWith('\x1b')) {
      out.push(decodeEscape(s));
      return;
    }
    decodePlain(s, out, this.typedAhead);
  }
}
