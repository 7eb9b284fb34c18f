/**
 * The page's main-thread tasks by CPU time, from a Chromium trace (DevTools Protocol tracing): each
 * task's thread time (`tdur`) is the CPU it used, not the wall time it held the thread, so on a loaded
 * machine it does not grow with the time the thread waited descheduled behind other processes. The
 * timer probe and Long Task API (mainThread.ts) say what the user waited; this says what the page cost.
 */
import { writeFileSync } from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';
import { GAP_STAMP } from './mainThread';
import {
  attributeGaps,
  concurrentTasks,
  describeGaps,
  threadNames,
  type Overlap,
  type GapAttribution,
  type TraceEvent,
} from './traceGaps';

export interface TaskCpuReport {
  seconds: number;
  tasks: number;
  /** Main-thread CPU per wall second (ms/s): 1000 would be a core kept busy. */
  cpuMsPerSec: number;
  /** The longest task by its CPU time, and by wall time (the latter includes waits for a core). */
  longestCpuMs: number;
  longestWallMs: number;
  /** Tasks whose CPU time alone was over 50 ms: long even on an idle machine. */
  cpuOver50: number;
  /** The same task count by wall time, for comparison. */
  wallOver50: number;
  /** Whether the trace carried thread times at all (else the CPU columns are 0). */
  hasThreadTime: boolean;
  /** What ran inside the longest task by CPU: its timeline events' CPU by name (event type, if any). */
  longestParts: { what: string; cpuMs: number }[];
  /** Each long gap the timer probe stamped: what the main thread and the other threads did meanwhile. */
  gaps: GapAttribution[];
  /** The page's main thread (OS ids: the trace's ids are the kernel's), and every browser process traced. */
  mainThread: { pid: number; tid: number } | null;
  browserPids: number[];
  /** The page's workers (its renderer's DedicatedWorker threads) inside tasks at the same time. */
  workersAtOnce: Overlap;
  /** The tasks over 50 ms by wall time (up to 8): seconds since the trace began, wall and CPU ms. */
  over50: { atS: number; wallMs: number; cpuMs: number }[];
}

/** Top-level task events of the renderer's main thread; the name changed across Chromium versions. */
const TASK_NAMES = new Set(['RunTask', 'ThreadControllerImpl::RunTask']);

export async function traceMainThreadTasks(page: Page): Promise<() => Promise<TaskCpuReport>> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (e) => {
    for (const ev of e.value as unknown as TraceEvent[])
      // 'P': sampled CPU profiles, with FKD_TRACE_CATEGORIES=disabled-by-default-v8.cpu_profiler.
      if (ev.ph === 'X' || ev.ph === 'M' || ev.ph === 'P' || ev.name === 'TimeStamp') events.push(ev);
  });
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: {
      // mojom: which interface a mojo message on the main thread was for (a task's only clue when no JS ran).
      // FKD_TRACE_CATEGORIES adds categories (comma-separated) for a closer look with FKD_TRACE_OUT.
      includedCategories: [
        'toplevel',
        '__metadata',
        'devtools.timeline',
        'mojom',
        ...(process.env.FKD_TRACE_CATEGORIES?.split(',').filter(Boolean) ?? []),
      ],
      recordMode: 'recordContinuously',
    },
  });
  const t0 = Date.now();
  return async () => {
    // The span traced, not counting the wait for the trace's delivery (long on a loaded machine).
    const seconds = (Date.now() - t0) / 1000;
    const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
    await cdp.send('Tracing.end');
    await done;
    await cdp.detach();
    // The raw events, for a look beyond this summary (chrome://tracing reads the file).
    if (process.env.FKD_TRACE_OUT)
      writeFileSync(process.env.FKD_TRACE_OUT, JSON.stringify({ traceEvents: events }));
    return summariseTasks(events, seconds);
  };
}

export function summariseTasks(events: TraceEvent[], seconds: number): TaskCpuReport {
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  // Several renderers (a spare one, extensions): the page's is the busiest.
  const byThread = new Map<string, TraceEvent[]>();
  const inner = new Map<string, TraceEvent[]>();
  const everyThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph === 'X') {
      if (!everyThread.has(key)) everyThread.set(key, []);
      everyThread.get(key)!.push(e);
    }
    if (e.ph !== 'X' || !mains.has(key)) continue;
    const to = TASK_NAMES.has(e.name) ? byThread : inner;
    if (!to.has(key)) to.set(key, []);
    to.get(key)!.push(e);
  }
  const total = (list: TraceEvent[]) => list.reduce((s, e) => s + (e.tdur ?? e.dur ?? 0), 0);
  const [key, tasks] = [...byThread.entries()].sort((a, b) => total(b[1]) - total(a[1]))[0] ?? ['', []];
  const ms = (us: number | undefined) => (us ?? 0) / 1000;
  const workerThreads = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'DedicatedWorker thread')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const stamps = events
    .filter((e) => e.name === 'TimeStamp' && `${e.pid}:${e.tid}` === key)
    .map((e) => ({ ts: e.ts, message: (e.args?.data as { message?: string } | undefined)?.message ?? '' }))
    .filter((e) => e.message.startsWith(GAP_STAMP))
    .map((e) => ({ ts: e.ts, delayMs: Number(e.message.slice(GAP_STAMP.length)) }));
  const cpu = tasks.map((e) => ms(e.tdur));
  const wall = tasks.map((e) => ms(e.dur));
  const first = tasks.reduce((a, e) => Math.min(a, e.ts), Infinity);
  return {
    seconds,
    tasks: tasks.length,
    cpuMsPerSec: cpu.reduce((a, b) => a + b, 0) / Math.max(seconds, 1e-9),
    // reduce, not Math.max(...): a long phase has more tasks than the call stack takes arguments.
    longestCpuMs: cpu.reduce((a, b) => Math.max(a, b), 0),
    longestWallMs: wall.reduce((a, b) => Math.max(a, b), 0),
    cpuOver50: cpu.filter((v) => v > 50).length,
    wallOver50: wall.filter((v) => v > 50).length,
    hasThreadTime: tasks.some((e) => e.tdur !== undefined),
    over50: tasks
      .filter((e) => ms(e.dur) > 50)
      .slice(0, 8)
      .map((e) => ({
        atS: Math.round((e.ts - first) / 1e5) / 10,
        ...{ wallMs: Math.round(ms(e.dur)), cpuMs: Math.round(ms(e.tdur)) },
      })),
    longestParts: partsOf(
      tasks.reduce<TraceEvent | undefined>((a, e) => ((e.tdur ?? 0) > (a?.tdur ?? -1) ? e : a), undefined),
      inner.get(key) ?? [],
    ),
    gaps: attributeGaps(key, stamps, everyThread, threadNames(events)),
    mainThread: key ? { pid: Number(key.split(':')[0]), tid: Number(key.split(':')[1]) } : null,
    workersAtOnce: concurrentTasks(
      [...everyThread]
        .filter(([k]) => k.split(':')[0] === key.split(':')[0] && workerThreads.has(k))
        .map(([, list]) => list),
    ),
    browserPids: [...new Set(events.filter((e) => e.name === 'process_name').map((e) => e.pid))],
  };
}

/** The timeline events inside a task, CPU summed by name and type (a part includes what nests in it). */
function partsOf(task: TraceEvent | undefined, inner: TraceEvent[]): { what: string; cpuMs: number }[] {
  if (!task) return [];
  const end = task.ts + (task.dur ?? 0);
  const within = inner
    .filter((e) => e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end)
    .sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const parts = new Map<string, number>();
  const label = (e: TraceEvent) => {
    const a = e.args as { data?: { type?: string; functionName?: string; url?: string } } | undefined;
    const mojo = Object.entries(e.args?.chrome_mojo_event_info ?? {}).find(([k]) => /tag|interface/.test(k));
    const detail =
      a?.data?.type ?? a?.data?.functionName ?? a?.data?.url?.split('/').pop() ?? String(mojo?.[1] ?? '');
    return detail ? `${e.name} (${detail})` : e.name;
  };
  // Every event inside, nested ones too (a bare dispatcher such as a mojo watcher holds the real work):
  // CPU summed by name, so a part's CPU includes what is nested in it.
  for (const e of within) {
    // A collection's own phases (V8.GC_*) repeat its MinorGC / MajorGC event: left out.
    if (e.name.startsWith('V8.GC_')) continue;
    parts.set(label(e), (parts.get(label(e)) ?? 0) + (e.tdur ?? 0) / 1000);
  }
  return [...parts.entries()]
    .map(([what, cpuMs]) => ({ what, cpuMs: Math.round(cpuMs * 10) / 10 }))
    .sort((a, b) => b.cpuMs - a.cpuMs)
    .slice(0, 8);
}

export function describeTasks(r: TaskCpuReport): string {
  if (!r.hasThreadTime) return `main-thread tasks (trace): ${r.tasks}, but the trace carried no thread times`;
  return [
    `main-thread tasks by CPU time (trace, contention-independent): ${r.tasks} tasks in ${r.seconds.toFixed(0)} s,`,
    `  CPU ${r.cpuMsPerSec.toFixed(0)} ms/s; longest task ${r.longestCpuMs.toFixed(1)} ms CPU (${r.longestWallMs.toFixed(1)} ms wall);`,
    `  over 50 ms: ${r.cpuOver50} by CPU, ${r.wallOver50} by wall time (goal: none)`,
    `  inside the longest: ${r.longestParts.map((p) => `${p.what} ${p.cpuMs} ms`).join(', ') || 'no timeline events'}`,
    `  workers inside tasks at once (${r.workersAtOnce.threads} worker threads): ${r.workersAtOnce.overlapMs.toFixed(0)} ms, longest ${r.workersAtOnce.longestMs.toFixed(0)} ms, ${r.workersAtOnce.over20} stretches >= 20 ms`,
    ...(r.gaps.length ? [describeGaps(r.gaps)] : []),
  ].join('\n');
}
