import { readdirSync, readFileSync } from 'node:fs';

/**
 * Resident memory of this process's Chromium descendants by process type ('browser' for the main
 * process, else its --type: renderer, gpu-process, zygote; a utility process by its service, e.g.
 * 'utility:storage', 'utility:network', since the storage service holds IndexedDB's and OPFS's files
 * and the network service the page's loads; the workers live in the renderer).
 */
export function chromiumRssByType(): Record<string, number> {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  const chrome = new Map<number, string>();
  for (const d of readdirSync('/proc')) {
    const pid = Number(d);
    if (!pid) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      parent.set(pid, Number(/PPid:\s+(\d+)/.exec(status)?.[1] ?? 0));
      rss.set(pid, 1024 * Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0));
      // Child processes rewrite their title into one space-separated string: match, don't split.
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (/chrom/i.test(cmd.split(/[\0 ]/)[0])) chrome.set(pid, processType(cmd));
    } catch {
      // gone meanwhile
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 32; p = parent.get(p) ?? 0, hops++)
      if (p === process.pid) return true;
    return false;
  };
  const out: Record<string, number> = {};
  for (const [pid, type] of chrome) if (mine(pid)) out[type] = (out[type] ?? 0) + (rss.get(pid) ?? 0);
  return out;
}

function processType(cmd: string): string {
  const type = /--type=([^\s\0]+)/.exec(cmd)?.[1] ?? 'browser';
  if (type !== 'utility') return type;
  // e.g. --utility-sub-type=storage.mojom.StorageService -> utility:storage
  const sub = /--utility-sub-type=([^\s\0]+)/.exec(cmd)?.[1] ?? '';
  return `utility:${sub.split('.')[0] || 'other'}`;
}

/** Resident memory of this process's Chromium descendants (browser, renderer, GPU, workers' renderer). */
export function chromiumRss(): number {
  return Object.values(chromiumRssByType()).reduce((a, b) => a + b, 0);
}
