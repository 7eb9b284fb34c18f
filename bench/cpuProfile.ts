/**
 * Where the page's main thread spends its time: a sampling CPU profile of the page (Chrome DevTools
 * Protocol, the main thread only: workers have their own isolates) summed by function, self time.
 */
import type { Page } from 'playwright-core';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the sampled time the thread was not idle (JS, rendering, garbage collection). */
  busyShare: number;
  /** Self time per function, most first: "(idle)" and "(program)" included, as the profiler names them. */
  top: { fn: string; ms: number; share: number }[];
}

export async function profileMainThread(page: Page, seconds: number, during: () => Promise<void>) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 1000 });
  await cdp.send('Profiler.start');
  const t0 = Date.now();
  await during();
  const left = seconds * 1000 - (Date.now() - t0);
  if (left > 0) await page.waitForTimeout(left);
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
  await cdp.detach();
  return summarise(profile);
}

export function summarise(profile: Profile, topN = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    if (!n) return;
    const file = n.callFrame.url.split('/').pop() ?? '';
    const fn = `${n.callFrame.functionName || '(anonymous)'}${file ? ` ${file}:${n.callFrame.lineNumber + 1}` : ''}`;
    self.set(fn, (self.get(fn) ?? 0) + ms);
  });
  const top = [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, topN)
    .map(([fn, ms]) => ({
      fn,
      ms: Math.round(ms),
      share: Math.round((1000 * ms) / Math.max(1, total)) / 1000,
    }));
  const idle = self.get('(idle)') ?? 0;
  return {
    totalMs: Math.round(total),
    busyShare: Math.round((1000 * (total - idle)) / Math.max(1, total)) / 1000,
    top,
  };
}
