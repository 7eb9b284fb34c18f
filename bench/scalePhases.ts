/**
 * bench:scale's per-phase measures: while one phase runs (indexing, a generation window, training) the
 * resident memory of each Chromium process type and the page's JS heap are sampled every half second
 * (peaks), at its end once more plus the JS memory of each realm (the page and each dedicated worker,
 * from performance.measureUserAgentSpecificMemory in the cross-origin-isolated page), and the page's
 * main-thread tasks are traced (bench/mainThreadTrace.ts) so the longest is attributed to what ran in it.
 */
import type { CDPSession, Page } from 'playwright-core';
import { chromiumRssByType } from './chromiumRss';
import { traceMainThreadTasks, type TaskCpuReport } from './mainThreadTrace';
import { memoryInfraDump, topAllocators } from './memoryDump';

const MB = 2 ** 20;

export interface PhaseReport {
  phase: string;
  seconds: number;
  /** Resident MB per process type: the highest sample and the one at the phase's end. */
  peakRssMB: Record<string, number>;
  endRssMB: Record<string, number>;
  peakTotalRssMB: number;
  peakPageHeapMB: number;
  endPageHeapMB: number;
  /** JS MB per realm at the phase's end ('page', or a worker's script name); empty if not measurable. */
  endJsMB: Record<string, number>;
  tasks: TaskCpuReport;
  /** Private (anonymous) resident MB per process type at the phase's end: heap, not mapped files. */
  endAnonMB: Record<string, number>;
  /** With a memory dump (untraced phases only): MB by allocator per process type at the phase's end. */
  allocatorsMB?: Record<string, Record<string, number>>;
}

/** Chromium adds the '-<hash>.js' of a build to each worker's script: the name without it. */
function realm(url: string | undefined, scope: string | undefined): string {
  if (scope === 'Window' || !url) return 'page';
  const file = url.split('/').pop() ?? url;
  return file.replace(/-[\w-]{6,}\.js$/, '').replace(/\.js$/, '');
}

/** JS bytes by realm, or {} where the API is missing or does not answer within 30 s. */
async function realmMemory(page: Page): Promise<Record<string, number>> {
  const raw = await page.evaluate(async () => {
    const p = performance as unknown as {
      measureUserAgentSpecificMemory?: () => Promise<{
        breakdown: { bytes: number; attribution: { url?: string; scope?: string }[] }[];
      }>;
    };
    if (!crossOriginIsolated || !p.measureUserAgentSpecificMemory) return null;
    const timeout = new Promise<null>((r) => setTimeout(() => r(null), 30_000));
    const m = await Promise.race([p.measureUserAgentSpecificMemory(), timeout]);
    return m && m.breakdown.map((b) => ({ bytes: b.bytes, at: b.attribution[0] }));
  });
  const out: Record<string, number> = {};
  for (const b of raw ?? []) {
    if (!b.bytes) continue;
    const k = realm(b.at?.url, b.at?.scope);
    out[k] = (out[k] ?? 0) + b.bytes / MB;
  }
  return out;
}

/** Samples memory every half second for the bench's whole run; `begin` opens a phase, its call ends it. */
/** A phase measured without a trace (--no-trace): no task figures. */
const UNTRACED: TaskCpuReport = {
  ...{ seconds: 0, tasks: 0, cpuMsPerSec: 0, longestCpuMs: 0, longestWallMs: 0, cpuOver50: 0 },
  ...{ wallOver50: 0, hasThreadTime: false, longestParts: [], over50: [] },
  ...{
    gaps: [],
    mainThread: null,
    browserPids: [],
    workersAtOnce: { threads: 0, overlapMs: 0, longestMs: 0, over20: 0 },
  },
};

/**
 * `trace: false` measures memory alone: a trace costs the browser process hundreds of MB when it is
 * handed over after a long phase, and that memory may stay resident into the next phase.
 */
export async function phaseMeter(page: Page, trace = true, dump = false) {
  if (trace && dump) throw new Error('a memory dump needs its own trace: measure it with --no-trace');
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const heapNow = async () =>
    ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ??
      0) / MB;
  const rssNow = () => Object.fromEntries(Object.entries(chromiumRssByType()).map(([k, v]) => [k, v / MB]));
  let peakRss: Record<string, number> = {};
  let peakTotal = 0;
  let peakHeap = 0;
  const sample = async () => {
    const rss = rssNow();
    for (const [k, v] of Object.entries(rss)) peakRss[k] = Math.max(peakRss[k] ?? 0, v);
    // The tracing service holds the bench's own trace, not the studio's memory: left out of the total.
    const studio = Object.entries(rss).filter(([k]) => k !== 'utility:tracing');
    peakTotal = Math.max(
      peakTotal,
      studio.reduce((a, [, b]) => a + b, 0),
    );
    peakHeap = Math.max(peakHeap, await heapNow());
    return rss;
  };
  let live = true;
  const loop = (async () => {
    while (live) {
      await sample().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  return {
    /** Resident MB by process type now (one sample, outside any phase's peaks). */
    rssNow,
    /** Starts a phase; the returned function ends it and reports its figures. */
    async begin(phase: string): Promise<() => Promise<PhaseReport>> {
      const stopTrace = trace ? await traceMainThreadTasks(page) : async () => UNTRACED;
      // After the trace starts, so the last phase's trace hand-over is not in this one's peaks.
      await new Promise((r) => setTimeout(r, 1000));
      peakRss = {};
      peakTotal = 0;
      peakHeap = 0;
      const t0 = Date.now();
      return async () => {
        const seconds = (Date.now() - t0) / 1000;
        // The phase's end state and peaks before the trace is handed over: the browser process turns
        // the whole trace into JSON for the bench then (hundreds of MB after a long phase).
        const endRssMB = await sample();
        const endAnonMB = Object.fromEntries(
          Object.entries(chromiumRssByType('RssAnon')).map(([k, v]) => [k, v / MB]),
        );
        const endPageHeapMB = await heapNow();
        const peaks = { peakRssMB: { ...peakRss }, peakTotalRssMB: peakTotal, peakPageHeapMB: peakHeap };
        const tasks = await stopTrace();
        const endJsMB = await realmMemory(page);
        // A dump that fails (an older Chromium) leaves the phase's other figures standing.
        const allocatorsMB = dump ? await memoryInfraDump(page).catch(() => undefined) : undefined;
        return { phase, seconds, ...peaks, endRssMB, endAnonMB, endPageHeapMB, endJsMB, tasks, allocatorsMB };
      };
    },
    async stop() {
      live = false;
      await loop;
      await cdp.detach();
    },
  };
}

/** One line per phase: the longest task (wall and CPU, what ran in it) and the memory by process. */
export function describePhase(size: number, r: PhaseReport): string {
  const mb = (o: Record<string, number>) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ');
  const t = r.tasks;
  const head = `size ${size} ${r.phase} (${r.seconds.toFixed(0)} s)`;
  return [
    ...(t === UNTRACED
      ? [`${head}: tasks not traced`]
      : [
          `${head}: longest task ${t.longestWallMs.toFixed(0)} ms wall / ` +
            `${t.longestCpuMs.toFixed(0)} ms CPU, over 50 ms: ${t.wallOver50} wall / ${t.cpuOver50} CPU`,
          `  over 50 ms at (s: wall/CPU ms): ${t.over50.map((o) => `${o.atS}: ${o.wallMs}/${o.cpuMs}`).join(', ') || '-'}`,
          `  inside the longest: ${t.longestParts.map((p) => `${p.what} ${p.cpuMs} ms`).join(', ') || '-'}`,
        ]),
    `  RSS MB peak: ${mb(r.peakRssMB)}; end: ${mb(r.endRssMB)}; private at end: ${mb(r.endAnonMB)}`,
    `  page heap MB peak ${r.peakPageHeapMB.toFixed(1)}, end ${r.endPageHeapMB.toFixed(1)}; ` +
      `JS MB by realm at end: ${mb(r.endJsMB) || 'not measurable'}`,
    ...Object.entries(r.allocatorsMB ?? {})
      .filter(([kind]) => /renderer|browser|gpu/i.test(kind))
      .map(([kind, d]) => `  ${kind} allocators MB: ${topAllocators(d, 12)}`),
  ].join('\n');
}

/**
 * The per-phase table: longest task and count over 50 ms (wall; CPU beside it), peak and end resident
 * MB of each process type, the page heap and the JS of each realm at the phase's end.
 */
export function phaseTable(rows: { images: number; report: PhaseReport }[]): {
  headers: string[];
  cells: (string | number)[][];
} {
  const types = [...new Set(rows.flatMap((r) => Object.keys(r.report.peakRssMB)))].sort();
  const realms = [...new Set(rows.flatMap((r) => Object.keys(r.report.endJsMB)))].sort();
  const n0 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(0));
  const headers = [
    ...['images', 'phase', 's', 'longest task ms wall/CPU', '>50 ms'],
    ...types.map((t) => `${t} RSS MB peak/end`),
    'page heap MB peak/end',
    ...realms.map((r) => `${r} JS MB`),
  ];
  const cells = rows.map(({ images, report: r }) => [
    ...[images, r.phase, n0(r.seconds)],
    r.tasks === UNTRACED ? 'not traced' : `${n0(r.tasks.longestWallMs)} / ${n0(r.tasks.longestCpuMs)}`,
    r.tasks === UNTRACED ? '-' : `${r.tasks.wallOver50} / ${r.tasks.cpuOver50}`,
    ...types.map((t) => `${n0(r.peakRssMB[t])} / ${n0(r.endRssMB[t])}`),
    `${r.peakPageHeapMB.toFixed(1)} / ${r.endPageHeapMB.toFixed(1)}`,
    ...realms.map((k) => (r.endJsMB[k] === undefined ? '-' : r.endJsMB[k].toFixed(1))),
  ]);
  return { headers, cells };
}

/** The phase in the JSON line: figures rounded, the longest task's parts kept. */
export function phaseJson(images: number, r: PhaseReport) {
  const r1 = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v * 10) / 10]));
  const t = r.tasks;
  return {
    ...{ images, phase: r.phase, seconds: Math.round(r.seconds * 10) / 10, traced: t !== UNTRACED },
    ...{ longestTaskWallMs: Math.round(t.longestWallMs), longestTaskCpuMs: Math.round(t.longestCpuMs) },
    ...{
      tasksOver50Wall: t.wallOver50,
      tasksOver50Cpu: t.cpuOver50,
      longestParts: t.longestParts,
      over50: t.over50,
    },
    ...{ peakRssMB: r1(r.peakRssMB), endRssMB: r1(r.endRssMB), endAnonMB: r1(r.endAnonMB) },
    ...{ peakPageHeapMB: Math.round(r.peakPageHeapMB * 10) / 10 },
    ...{ endPageHeapMB: Math.round(r.endPageHeapMB * 10) / 10, endJsMB: r1(r.endJsMB) },
    ...(r.allocatorsMB
      ? { allocatorsMB: Object.fromEntries(Object.entries(r.allocatorsMB).map(([k, d]) => [k, r1(d)])) }
      : {}),
  };
}
