/**
 * Whether another process on this machine has a file open, read from
 * /proc/<pid>/fd: a controller run with --sqlitedb keeps its tasks.db open
 * while it runs, so a file nobody holds is one no controller here writes.
 */
import { readdirSync, readlinkSync, realpathSync } from 'node:fs';

/**
 * True when another process has the file open, false when none of the
 * processes this user may look into has, null when it cannot be told (not
 * Linux, no /proc, a file that cannot be resolved).
 */
export function openElsewhere(path: string): boolean | null {
  if (process.platform !== 'linux') return null;
  let target: string;
  let pids: string[];
  try {
    target = realpathSync(path);
    pids = readdirSync('/proc');
  } catch {
    return null;
  }
  for (const pid of pids) {
    if (!/^[0-9]+$/.test(pid) || Number(pid) === process.pid) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      // another user's process, or one that just ended
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === target) return true;
      } catch {
        // closed meanwhile
      }
    }
  }
  return false;
}
