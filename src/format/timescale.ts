/** Steps a time axis may use, in seconds: 1, 2, 5 times a power of ten, then minutes and hours. */
const CLOCK_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/** The smallest readable step that puts at most `maxTicks` ticks over `seconds`. */
export function niceStep(seconds: number, maxTicks: number): number {
  const raw = seconds / Math.max(1, maxTicks);
  if (!(raw > 0)) return 1;
  if (raw >= 30) return CLOCK_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/** A tick's label: the offset from the axis origin, with as many decimals as the step needs. */
export function tickLabel(offset: number, step: number): string {
  if (step >= 3600) return `${Math.floor(offset / 3600)}h${String(Math.round((offset % 3600) / 60)).padStart(2, '0')}`;
  if (step >= 60) return `${Math.floor(offset / 60)}m${String(Math.round(offset % 60)).padStart(2, '0')}`;
  if (step >= 1) return `${Math.round(offset)}s`;
  if (step >= 1e-3) return `${offset.toFixed(Math.ceil(-Math.log10(step) - 1e-9))}s`;
  if (step >= 1e-6) return `${(offset * 1000).toFixed(Math.ceil(-Math.log10(step * 1000) - 1e-9))}ms`;
  return `${(offset * 1e6).toFixed(0)}µs`;
}
