/**
 * What held the page's main thread during each long gap of the timer probe (bench/mainThread.ts stamps
 * every gap into the trace with console.timeStamp): the main thread's own tasks in the gap (wall and
 * CPU), how much of it the thread spent outside any task, and which other threads of the browser were
 * busy meanwhile. A gap the main thread spent outside any task while other threads kept the cores busy
 * is the OS scheduler's, not the page's work.
 */

export interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { name?: string; data?: unknown; chrome_mojo_event_info?: Record<string, unknown> };
}

export interface GapAttribution {
  /** The gap as the probe measured it (ms), and when it ended (trace clock, µs). */
  delayMs: number;
  endTs: number;
  /** Main thread: wall time inside its tasks during the gap, their CPU (pro rata), and time outside any task. */
  mainTaskMs: number;
  mainCpuMs: number;
  mainOutsideTaskMs: number;
  /** The main-thread task that overlapped the gap most: its wall and CPU time, and what ran inside it. */
  longestTask: { wallMs: number; cpuMs: number; parts: string[] } | null;
  /** Other threads busy during the gap: wall time inside their tasks and that time's CPU (pro rata). */
  others: { thread: string; busyMs: number; cpuMs: number }[];
  /** Other threads' CPU in the gap, summed: more than the cores while the page waited means no core was free. */
  othersCpuMs: number;
}

const ms = (us: number) => us / 1000;

/** The outermost complete events of one thread, in time order (events nested in another are dropped). */
export function outermost(list: TraceEvent[]): TraceEvent[] {
  const sorted = list.filter((e) => e.ph === 'X').sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const out: TraceEvent[] = [];
  let coveredTo = -Infinity;
  for (const e of sorted) {
    if (e.ts < coveredTo) continue;
    coveredTo = e.ts + (e.dur ?? 0);
    out.push(e);
  }
  return out;
}

/** Wall overlap (µs) of [a, b) with an event, and the event's CPU over that overlap (pro rata). */
function overlap(e: TraceEvent, a: number, b: number): { wall: number; cpu: number } {
  const dur = e.dur ?? 0;
  const wall = Math.max(0, Math.min(b, e.ts + dur) - Math.max(a, e.ts));
  const cpu = dur > 0 && e.tdur !== undefined ? (e.tdur * wall) / dur : 0;
  return { wall, cpu };
}

/**
 * Names of threads and processes from the trace's metadata events. A worker thread's name gets the
 * script its JS runs from (the devtools.timeline FunctionCall/EvaluateScript events' url, e.g.
 * "DedicatedWorker thread (teacher.worker)"), so the page's workers can be told apart.
 */
export function threadNames(events: TraceEvent[]): (pid: number, tid: number) => string {
  const procs = new Map<number, string>();
  const threads = new Map<string, string>();
  const scripts = new Map<string, string>();
  for (const e of events) {
    if ((e.name === 'FunctionCall' || e.name === 'EvaluateScript') && e.ph === 'X') {
      const url = (e.args?.data as { url?: unknown } | undefined)?.url;
      const key = `${e.pid}:${e.tid}`;
      if (typeof url === 'string' && url && !scripts.has(key)) scripts.set(key, scriptName(url));
      continue;
    }
    if (e.ph !== 'M' || !e.args?.name) continue;
    if (e.name === 'process_name') procs.set(e.pid, e.args.name);
    if (e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  }
  return (pid, tid) => {
    const key = `${pid}:${tid}`;
    const thread = threads.get(key) ?? `tid ${tid}`;
    const script = thread.startsWith('DedicatedWorker') ? scripts.get(key) : undefined;
    return `${procs.get(pid) ?? `pid ${pid}`}/${thread}${script ? ` (${script})` : ''}`;
  };
}

/** A script url's file name without its build hash and extension: ".../teacher.worker-Ab12.js" → "teacher.worker". */
export function scriptName(url: string): string {
  const file = url.split(/[?#]/)[0].split('/').pop() ?? url;
  return file.replace(/\.[cm]?js$/, '').replace(/-[A-Za-z0-9_]{6,}$/, '');
}

/**
 * Attributes each gap stamped on the main thread `mainKey` ("pid:tid"). `stamps` are the TimeStamp
 * events (their message's number is the gap's length in ms); `byThread` every thread's complete events.
 */
export function attributeGaps(
  mainKey: string,
  stamps: { ts: number; delayMs: number }[],
  byThread: Map<string, TraceEvent[]>,
  name: (pid: number, tid: number) => string,
): GapAttribution[] {
  const outer = new Map([...byThread].map(([k, list]) => [k, outermost(list)]));
  const main = outer.get(mainKey) ?? [];
  const mainAll = byThread.get(mainKey) ?? [];
  return stamps.map(({ ts, delayMs }) => {
    const a = ts - delayMs * 1000;
    let wall = 0;
    let cpu = 0;
    let longest: { e: TraceEvent; wall: number } | null = null;
    for (const e of main) {
      const o = overlap(e, a, ts);
      if (o.wall <= 0) continue;
      wall += o.wall;
      cpu += o.cpu;
      // The probe's own timer task ends every gap: a task counts as holding it from 1 ms inside.
      if (o.wall >= 1000 && (!longest || o.wall > longest.wall)) longest = { e, wall: o.wall };
    }
    const others: GapAttribution['others'] = [];
    for (const [key, list] of outer) {
      if (key === mainKey) continue;
      let busy = 0;
      let c = 0;
      for (const e of list) {
        const o = overlap(e, a, ts);
        busy += o.wall;
        c += o.cpu;
      }
      if (busy > 0) others.push({ thread: name(list[0].pid, list[0].tid), busyMs: ms(busy), cpuMs: ms(c) });
    }
    others.sort((x, y) => y.cpuMs - x.cpuMs || y.busyMs - x.busyMs);
    return {
      delayMs,
      endTs: ts,
      mainTaskMs: ms(wall),
      mainCpuMs: ms(cpu),
      mainOutsideTaskMs: Math.max(0, delayMs - ms(wall)),
      longestTask: longest
        ? {
            wallMs: ms(longest.e.dur ?? 0),
            cpuMs: ms(longest.e.tdur ?? 0),
            parts: partsInside(longest.e, mainAll),
          }
        : null,
      others: others.slice(0, 8),
      othersCpuMs: others.reduce((s, o) => s + o.cpuMs, 0),
    };
  });
}

export interface Overlap {
  /** Threads compared, time (ms) two or more of them were inside a task at once, and the longest such stretch. */
  threads: number;
  overlapMs: number;
  longestMs: number;
  /** Stretches of two or more at once lasting at least 20 ms. */
  over20: number;
}

/**
 * How long two or more of `lists` (each one thread's events) were inside a task at the same time: with
 * the CPU budget at one slot the studio's workers should rarely compute at once.
 */
export function concurrentTasks(lists: TraceEvent[][]): Overlap {
  const edges: [number, number][] = [];
  for (const list of lists)
    for (const e of outermost(list)) {
      edges.push([e.ts, 1]);
      edges.push([e.ts + (e.dur ?? 0), -1]);
    }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let depth = 0;
  let since = 0;
  let total = 0;
  let longest = 0;
  let over20 = 0;
  for (const [t, d] of edges) {
    const before = depth;
    depth += d;
    if (before < 2 && depth >= 2) since = t;
    if (before >= 2 && depth < 2) {
      const len = t - since;
      total += len;
      longest = Math.max(longest, len);
      if (len >= 20_000) over20++;
    }
  }
  return { threads: lists.length, overlapMs: ms(total), longestMs: ms(longest), over20 };
}

/** The names of the events directly inside a task, by CPU, for a one-line description. */
function partsInside(task: TraceEvent, all: TraceEvent[]): string[] {
  const end = task.ts + (task.dur ?? 0);
  const inner = outermost(all.filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end));
  const byName = new Map<string, number>();
  for (const e of inner) {
    const d = e.args as { data?: { type?: string; functionName?: string } } | undefined;
    const detail = d?.data?.type ?? d?.data?.functionName ?? '';
    const what = detail ? `${e.name} (${detail})` : e.name;
    byName.set(what, (byName.get(what) ?? 0) + ms(e.tdur ?? e.dur ?? 0));
  }
  return [...byName]
    .sort((x, y) => y[1] - x[1])
    .slice(0, 4)
    .map(([what, cpu]) => `${what} ${cpu.toFixed(1)} ms`);
}

/** The figures of each gap a bench's JSON line carries. */
export function gapsJson(gaps: GapAttribution[]) {
  const n = (x: number) => Math.round(x * 10) / 10;
  return gaps.map((g) => ({
    delayMs: n(g.delayMs),
    mainTaskMs: n(g.mainTaskMs),
    mainOutsideTaskMs: n(g.mainOutsideTaskMs),
    othersCpuMs: n(g.othersCpuMs),
    busiest: g.others.slice(0, 3).map((o) => `${o.thread} ${n(o.cpuMs)}`),
  }));
}

const f = (x: number) => x.toFixed(0);

export function describeGaps(gaps: GapAttribution[]): string {
  if (gaps.length === 0) return 'probe gaps in the trace: none stamped';
  return gaps
    .map((g) => {
      const t = g.longestTask;
      const task = t
        ? `; its longest task ${f(t.wallMs)} ms wall / ${f(t.cpuMs)} ms CPU (${t.parts.join(', ') || 'no inner events'})`
        : '';
      return [
        `probe gap ${g.delayMs.toFixed(1)} ms (ends ${(g.endTs / 1e6).toFixed(3)} s, trace clock): main thread in tasks ${f(g.mainTaskMs)} ms (CPU ${f(g.mainCpuMs)} ms), outside any task ${f(g.mainOutsideTaskMs)} ms${task}`,
        `  other threads' CPU in the gap ${f(g.othersCpuMs)} ms: ${g.others.map((o) => `${o.thread} ${f(o.cpuMs)}/${f(o.busyMs)}`).join(', ') || 'none'} (CPU/wall ms)`,
      ].join('\n');
    })
    .join('\n');
}
