/**
 * Aborts `ac` after `ms` and says how late the timer fired: the longest the
 * event loop went without a turn. On a shared machine the process may wait
 * for a core meanwhile: what counts is the CPU time it spent past the
 * timer's time (`lateCpu`), its own work that kept the loop from turning.
 */
export function abortAfter(ms: number, ac: AbortController): () => { late: number; lateCpu: number } {
  const scheduled = performance.now();
  const cpuAt = process.cpuUsage();
  let late = 0;
  let lateCpu = 0;
  setTimeout(() => {
    late = performance.now() - scheduled - ms;
    const cpu = process.cpuUsage(cpuAt);
    lateCpu = Math.min(late, Math.max(0, (cpu.user + cpu.system) / 1000 - ms));
    ac.abort();
  }, ms);
  return () => ({ late, lateCpu });
}
