/**
 * Times a bench job in Node: wall and CPU seconds, and (with `live`) the peak of heap + ArrayBuffers
 * still referenced above the level before it, in MB: sampled every 100 ms after a full collection, so
 * garbage that is merely not collected yet does not count (time it in a separate run, without these
 * pauses). `endMB` (with `live`): what is still referenced after the job, above that level (what it
 * stored, where the store lives in this heap), so peak − end is the job's working memory. Needs node --expose-gc for `live`. `everyMs` spaces the samples out for a long job whose
 * heap is large, where back-to-back full collections would leave it no time to run.
 */
export async function measureRun<T>(
  fn: () => Promise<T>,
  live = false,
  everyMs = 100,
): Promise<{ value: T; liveMB: number; endMB: number; seconds: number; cpuSeconds: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (live && !gc) throw new Error('run the bench with node --expose-gc (its npm script does)');
  gc?.();
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = used();
  let peak = base;
  const timer = live ? setInterval(() => (gc!(), (peak = Math.max(peak, used()))), everyMs) : undefined;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    const value = await fn();
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    gc?.();
    const end = live ? used() : base;
    peak = Math.max(peak, end);
    return {
      value,
      liveMB: (peak - base) / 2 ** 20,
      endMB: (end - base) / 2 ** 20,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  } finally {
    clearInterval(timer);
  }
}
