/**
 * How far a running statement's waits are, for whoever shows it: the
 * terminal registers a reporter for the statement's cancel signal, and a wait
 * that has that signal (rc.wait, AsyncHubResult.get) reports through it. A
 * statement run without a reporter (script mode) reports nothing.
 */
import type { WaitOptions } from './types.js';

type Reporter = (text: string | null) => void;

const reporters = new WeakMap<AbortSignal, Reporter>();

/** Shows what the waits of the statement cancelled by `signal` report; null clears it. */
export function reportWaitsTo(signal: AbortSignal, report: Reporter): void {
  reporters.set(signal, report);
}

/** The options of a wait run by the statement of `signal`: stopped by it, reporting to its reporter. */
export function waitOptions(signal: AbortSignal | undefined): WaitOptions {
  if (!signal) return {};
  const report = reporters.get(signal);
  if (!report) return { signal };
  let note: string | null = null;
  return {
    signal,
    onNote: (text) => {
      note = text;
    },
    onProgress: (done, total) => {
      if (done >= total) return report(null);
      const what = total === 1 ? 'the task' : `${total.toLocaleString('en-US')} tasks, ${done.toLocaleString('en-US')} done`;
      report(`waiting for ${what} (Ctrl-C stops waiting)` + (note ? `\n  ${note}` : ''));
    },
  };
}
