/**
 * When Ink last drew its live area (its `onRender`), so that a full-screen
 * view takes the alternate screen as soon as Ink has drawn the frame that
 * empties its live area, not after a fixed wait. Ink draws at most one frame
 * per 1/maxFps second: the frame after a view mounts is drawn at its commit
 * (the view then enters at once) or up to that long after.
 */
let last = -Infinity;
const waiting = new Set<() => void>();

/** Ink's `onRender`: it is about to write a frame (the same call writes it, so those waiting go after it). */
export function inkRendered(): void {
  last = performance.now();
  for (const fn of waiting) setImmediate(fn);
  waiting.clear();
}

/** Calls `fn` once Ink has drawn a frame at or after `since` (at once when it has); returns what cancels the wait. */
export function afterInkFrame(since: number, fn: () => void): () => void {
  if (last >= since) {
    fn();
    return () => {};
  }
  waiting.add(fn);
  return () => {
    waiting.delete(fn);
  };
}
