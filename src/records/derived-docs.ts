import type { DerivedKey } from './derived.js';

/** What each derived key holds, as `%help KEY` says it. */
export const DERIVED_DOCS: Readonly<Record<DerivedKey, string>> = {
  function: "the function's name (add, <lambda>); None for execute requests",
  args: 'the positional arguments (a tuple)',
  kwargs: 'the keyword arguments (a dict)',
  result: 'the returned value; None while pending or when the task failed',
  code: 'the code of an execute request (execute_input, else content.code)',
  status: "'ok', 'error', 'aborted' or 'pending'",
  engine_id: "the engine's integer id, when the engine map or the reply tells it",
  queue_wait: 'seconds from submitted to started',
  run_time: 'seconds from started to completed',
  ename: "the exception's class name of a failed task (ValueError, EngineError); None unless it failed",
  evalue: "the exception's message of a failed task; None unless it failed",
  traceback: "the traceback of a failed task as one text, lines joined; None unless it failed",
};
