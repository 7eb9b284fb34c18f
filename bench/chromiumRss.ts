import { readdirSync, readFileSync } from 'node:fs';

/** Resident memory of this process's Chromium descendants (browser, renderer, GPU, workers' renderer). */
export function chromiumRss(): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  const chrome = new Set<number>();
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!pid) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      parent.set(pid, Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0));
      rss.set(pid, 1024 * Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      if (/chrom/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0])) chrome.add(pid);
    } catch {
      // gone meanwhile
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 32; p = parent.get(p) ?? 0, hops++)
      if (p === process.pid) return true;
    return false;
  };
  let sum = 0;
  for (const pid of chrome) if (mine(pid)) sum += rss.get(pid) ?? 0;
  return sum;
}
