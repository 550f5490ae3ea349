/**
 * What get_result answers stays tied to the client, as ipyparallel's
 * AsyncHubResult does: while a task is pending, `.ready()` asks again,
 * `.get()` and `.wait()` wait for it (polling, stopped by Ctrl-C), and the
 * answer's fields follow what was last fetched.
 */
import { asyncReady, waitOptions, type Client, type TaskResult } from '../client/index.js';

interface Live {
  readonly client: Client;
  readonly ids: readonly string[];
  latest: TaskResult[];
}

const LIVE = new WeakMap<object, Live>();

/** Ties what get_result returned (one result, or the list of several) to the client that answered it. */
export function keepLive(answer: TaskResult | TaskResult[], client: Client, results: TaskResult[]): void {
  LIVE.set(answer, { client, ids: results.map((r) => r.msgId), latest: results });
}

/** The results as last fetched for `answer`; `fallback` when it was not made by get_result. */
export function latestOf(answer: object, fallback: TaskResult[]): TaskResult[] {
  return LIVE.get(answer)?.latest ?? fallback;
}

/**
 * Fetches the results again unless all have finished, first waiting up to
 * `waitSeconds` (null: as long as it takes; 0: not at all) for them to.
 */
export async function refresh(answer: object, fallback: TaskResult[], waitSeconds: number | null, signal?: AbortSignal): Promise<TaskResult[]> {
  const live = LIVE.get(answer);
  if (!live || asyncReady(live.latest)) return live?.latest ?? fallback;
  if (waitSeconds !== 0) await live.client.wait(live.ids, waitSeconds, waitOptions(signal));
  live.latest = await live.client.getResult(live.ids);
  return live.latest;
}
