import { ink } from './ink.js';
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type ReactElement } from 'react';
import { afterInkFrame } from './ink-frames.js';
import { KeyDecoder } from './keys.js';
import { AlternateScreen } from './screen.js';
import type { Session } from './terminal-session.js';
import { onScreen } from './style.js';
import type { Watch as WatchState } from './watch.js';
import { cursorPosition } from './text-buffer.js';
import { textWidth } from './text-width.js';

/**
 * Draws a Session: finished output in Ink's <Static> (the terminal's scrollback,
 * written once), and below it the one live thing: the prompt, the running
 * statement, the table viewer, the record pager or a watch.
 */
export function App({ session }: { session: Session }): ReactElement {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  useEffect(() => session.subscribe(rerender), [session]);
  useKeys(session);
  useResize(session);
  useClearScreen(session);

  return (
    <>
      <ink.Static items={session.finished}>{(item) => <ink.Text key={item.key}>{item.text}</ink.Text>}</ink.Static>
      <Live session={session} />
    </>
  );
}

function Live({ session }: { session: Session }): ReactElement | null {
  const s = session.screen;
  switch (s.kind) {
    case 'prompt':
      return <Prompt session={session} />;
    case 'running':
      if (s.question) return <ink.Text>{onScreen(`${s.question.text} [y/N] `, session.painter)}</ink.Text>;
      return <Running session={session} />;
    case 'table':
    case 'pager':
    case 'timeline':
    case 'top':
      return <FullScreen session={session} />;
    case 'watch':
      return <Watch session={session} watch={s.watch} />;
    case 'closed':
      return null;
  }
}

/** Said only when a statement takes a while, so quick answers do not flicker. */
function Running({ session }: { session: Session }): ReactElement | null {
  const [slow, setSlow] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setSlow(true), 250);
    return () => clearTimeout(timer);
  }, []);
  if (!slow) return null;
  const s = session.screen;
  const status = s.kind === 'running' ? s.status : null;
  return <ink.Text>{onScreen(session.painter.dim(status ? `… ${status}` : '… running (Ctrl-C cancels)'), session.painter)}</ink.Text>;
}

/** Ink's raw input events, decoded into our key events, go to the session. */
function useKeys(session: Session): void {
  const { internal_eventEmitter: events, setRawMode, isRawModeSupported } = ink.useStdin();
  const decoder = useMemo(() => new KeyDecoder(), []);
  useEffect(() => {
    if (isRawModeSupported) setRawMode(true);
    // What the first read brings (in one turn of the event loop) was typed while ipc started.
    let first: boolean | null = null;
    const onInput = (raw: string) => {
      if (first === null) {
        first = true;
        setImmediate(() => {
          first = false;
        });
      }
      for (const ev of decoder.feed(raw, first)) session.handleKey(ev);
    };
    events.on('input', onInput);
    return () => {
      events.off('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [session, events, decoder, setRawMode, isRawModeSupported]);
}

/** Ink's write() takes its live area away, writes, and draws it again: the prompt comes back at the top. */
function useClearScreen(session: Session): void {
  const { write } = ink.useStdout();
  useEffect(() => {
    session.clearScreen = () => write('\x1b[2J\x1b[H');
    return () => {
      session.clearScreen = null;
    };
  }, [session, write]);
}

function useResize(session: Session): void {
  const { stdout } = ink.useStdout();
  useEffect(() => {
    const onResize = () => session.resize(stdout.columns || 80, stdout.rows || 24);
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [session, stdout]);
}

function Prompt({ session }: { session: Session }): ReactElement {
  const p = session.painter;
  const { setCursorPosition } = ink.useCursor();
  const b = session.buffer;
  const r = session.reverse;
  let lines: string[];
  let cursor: { x: number; y: number };
  if (r) {
    const entries = session.history.entries;
    const match = r.index === undefined ? '' : entries[r.index]!;
    const label = `(${r.index === undefined && r.query !== '' ? 'failed ' : ''}reverse-i-search)'${r.query}': `;
    const matchLines = match.split('\n');
    lines = [label + matchLines[0], ...matchLines.slice(1)];
    cursor = { x: textWidth(label) - 3, y: 0 };
  } else {
    const prefix = session.promptText();
    const cont = session.continuationText();
    const textLines = b.text.split('\n');
    lines = textLines.map((l, i) => (i === 0 ? p.green(prefix) : p.green(cont)) + l);
    const pos = cursorPosition(b);
    const before = textLines[pos.row]!.slice(0, pos.column);
    let y = 0;
    for (let i = 0; i < pos.row; i++) y += rowsOf(textWidth(prefix) + textWidth(textLines[i]!), session.columns);
    const x = textWidth(pos.row === 0 ? prefix : cont) + textWidth(onScreen(before, p));
    cursor = { x: x % session.columns, y: y + Math.floor(x / session.columns) };
  }
  setCursorPosition(cursor);
  useEffect(() => () => setCursorPosition(undefined), [setCursorPosition]);
  const completions = session.completionLines();
  return (
    <ink.Box flexDirection="column">
      <ink.Text>{onScreen(lines.join('\n'), p)}</ink.Text>
      {completions.length > 0 ? <ink.Text>{onScreen(completions.join('\n'), p)}</ink.Text> : null}
    </ink.Box>
  );
}

function rowsOf(width: number, columns: number): number {
  return Math.max(1, Math.ceil(width / Math.max(1, columns)));
}

/** The longest a viewer waits for Ink to finish its last frame before it takes the alternate screen. */
const ENTER_DELAY_MS = 25;

/**
 * The table viewer and the record pager: drawn on the alternate screen, not
 * through Ink, which renders nothing meanwhile (see screen.ts).
 */
function FullScreen({ session }: { session: Session }): null {
  const { stdout } = ink.useStdout();
  const screen = useMemo(() => new AlternateScreen(stdout), [stdout]);
  const [entered, setEntered] = useState(false);
  const size = useRef({ columns: session.columns, rows: session.rows });
  // the time of the first render: Ink's frame of this commit (its live area emptied) comes at or after it
  const mounted = useRef(performance.now());
  useEffect(() => {
    let done = false;
    const enter = () => {
      if (done) return;
      done = true;
      screen.enter();
      setEntered(true);
    };
    const cancel = afterInkFrame(mounted.current, enter);
    // should Ink draw no frame (nothing of its own changed), the view enters after the longest Ink waits between two
    const timer = setTimeout(enter, ENTER_DELAY_MS);
    return () => {
      done = true;
      cancel();
      clearTimeout(timer);
    };
  }, [screen]);
  // Layout-effect cleanup runs before Ink writes its next frame, so Ink draws on the main screen again.
  useLayoutEffect(() => () => screen.leave(), [screen]);
  useLayoutEffect(() => {
    if (!entered) return;
    if (size.current.columns !== session.columns || size.current.rows !== session.rows) {
      size.current = { columns: session.columns, rows: session.rows };
      screen.invalidate();
    }
    screen.draw(session.viewerLines(), session.rows);
  });
  return null;
}

function Watch({ session, watch: w }: { session: Session; watch: WatchState }): ReactElement {
  return (
    <ink.Box flexDirection="column">
      <ink.Text>{onScreen(w.header(), session.painter)}</ink.Text>
      {w.error ? <ink.Text>{onScreen(session.painter.red(w.error), session.painter)}</ink.Text> : null}
      <ink.Text wrap="truncate-end">{onScreen(w.lines.join('\n'), session.painter) || session.painter.dim('…')}</ink.Text>
    </ink.Box>
  );
}
