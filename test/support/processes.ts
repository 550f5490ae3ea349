/** Controllers and engines a test starts in process groups of their own, and waiting for what they write. */
import type { ChildProcess } from 'node:child_process';

/** Ends a detached child's whole group: SIGTERM, then SIGKILL after 5 s. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/** Polls `ok` every 100 ms for up to 30 s. */
export async function until(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
