import { Timestamp } from '../records/index.js';

/** A span of microseconds for people, in tables and views alike: `0.012 s`, `75.300 s`, `12m05s`, `2h05m07s`. */
export function formatDuration(us: number): string {
  const sign = us < 0 ? '-' : '';
  const a = Math.abs(us);
  if (a < 600e6) return `${sign}${(a / 1e6).toFixed(3)} s`;
  const total = Math.round(a / 1e6);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${sign}${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s` : `${sign}${m}m${String(s).padStart(2, '0')}s`;
}

/** `later − earlier` in microseconds when both are instants. */
export function span(earlier: unknown, later: unknown): number | null {
  return earlier instanceof Timestamp && later instanceof Timestamp ? later.us - earlier.us : null;
}
