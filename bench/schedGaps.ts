/**
 * The OS scheduler's side of the probe's gaps (bench:ui --sched): from `perf sched timehist`, each time
 * the page's main thread was woken but waited for a core (its scheduling delay) at least `minMs`, and
 * who ran on the cores meanwhile: the browser's own threads (the studio's workers, Chromium's helpers),
 * other processes of the machine, or nobody. A probe gap that is such a wait is not work of the page.
 */
import { spawn, spawnSync } from 'node:child_process';

/** `--sched FILE` on a bench's command line: where to record the scheduler, or undefined. */
export function schedFileArg(): string | undefined {
  const i = process.argv.indexOf('--sched');
  return i > 0 ? process.argv[i + 1] : undefined;
}

/**
 * Starts `perf sched record` for `seconds` on the trace's clock (CLOCK_MONOTONIC), so its times line up
 * with the trace's; the returned function waits for it to finish writing.
 */
export function recordSched(file: string, seconds: number): () => Promise<void> {
  const p = spawn(
    'perf',
    ['sched', 'record', '-k', 'CLOCK_MONOTONIC', '-o', file, '--', 'sleep', String(Math.ceil(seconds))],
    { stdio: 'ignore' },
  );
  const done = new Promise<void>((resolve, reject) => {
    p.once('error', (e) =>
      reject(new Error(`perf sched record: ${e.message} (is perf installed, run as root?)`)),
    );
    p.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`perf sched record exited ${code}`)),
    );
  });
  return () => done;
}

/**
 * One `perf sched timehist --state` row: a thread switched out at `t` (s) after running `runMs`, in
 * `state` (R: preempted, still runnable). Before that run it waited `waitMs` since its last switch-out
 * (asleep, or on the run queue when that switch-out was a preemption) and `schDelayMs` from its wake-up.
 */
export interface SchedRow {
  t: number;
  thread: string;
  tid: number;
  pid: number;
  waitMs: number;
  schDelayMs: number;
  runMs: number;
  state: string;
}

export interface SchedWait {
  /** When the main thread got its core (trace clock, s) and how long it had waited for it. */
  at: number;
  delayMs: number;
  /** Woken (its timer or a message was due) or preempted (taken off a core while it ran). */
  cause: 'woken' | 'preempted';
  /** Core time used meanwhile (ms, over both cores): by the browser's processes, by the rest, idle. */
  browserMs: number;
  otherMs: number;
  idleMs: number;
  top: { thread: string; ms: number }[];
}

export interface SchedReport {
  /** Runs of the main thread, and its waits on the run queue before them: longest, and those over `minMs`. */
  runs: number;
  longestDelayMs: number;
  waits: SchedWait[];
}

const ROW =
  /^\s*(\d+\.\d+)\s+\[(\d+)\]\s+(.+?)\[(\d+)(?:\/(\d+))?\]\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s*([A-Z]*)\s*$/;
const IDLE = /^\s*(\d+\.\d+)\s+\[(\d+)\]\s+<idle>\s+(\d+\.\d+)\s+(\d+\.\d+)\s+(\d+\.\d+)\s*([A-Z]*)\s*$/;

/** Parses `perf sched timehist` output; idle rows get tid/pid -1 and the thread name "<idle>". */
export function parseTimehist(text: string): SchedRow[] {
  const rows: SchedRow[] = [];
  for (const line of text.split('\n')) {
    const m = ROW.exec(line);
    if (m) {
      const tid = Number(m[4]);
      rows.push({
        t: Number(m[1]),
        thread: `${m[3]}[${m[4]}${m[5] ? `/${m[5]}` : ''}]`,
        tid,
        pid: m[5] ? Number(m[5]) : tid,
        waitMs: Number(m[6]),
        schDelayMs: Number(m[7]),
        runMs: Number(m[8]),
        state: m[9],
      });
      continue;
    }
    const i = IDLE.exec(line);
    if (i)
      rows.push({
        t: Number(i[1]),
        thread: '<idle>',
        tid: -1,
        pid: -1,
        waitMs: 0,
        schDelayMs: 0,
        runMs: Number(i[5]),
        state: i[6],
      });
  }
  return rows;
}

/** The main thread's scheduling delays of `minMs` or more, each with who held the cores meanwhile. */
export function attributeWaits(
  rows: SchedRow[],
  mainTid: number,
  browserPids: Set<number>,
  minMs = 40,
): SchedReport {
  const mine = rows.filter((r) => r.tid === mainTid);
  // Time on the run queue before each run: since the wake-up, or since a preemption left it runnable.
  const queued = mine.map((r, i) => (i > 0 && mine[i - 1].state === 'R' ? r.waitMs : r.schDelayMs));
  const waits: SchedWait[] = [];
  for (const [i, r] of mine.entries()) {
    const delayMs = queued[i];
    if (delayMs < minMs) continue;
    const b = r.t - r.runMs / 1000;
    const a = b - delayMs / 1000;
    const by = new Map<string, number>();
    let browserMs = 0;
    let otherMs = 0;
    let idleMs = 0;
    for (const o of rows) {
      if (o.t <= a || o.tid === mainTid) continue;
      const s = o.t - o.runMs / 1000;
      if (s >= b) continue;
      const ms = (Math.min(b, o.t) - Math.max(a, s)) * 1000;
      if (ms <= 0) continue;
      if (o.tid === -1) idleMs += ms;
      else if (browserPids.has(o.pid)) browserMs += ms;
      else otherMs += ms;
      by.set(o.thread, (by.get(o.thread) ?? 0) + ms);
    }
    const top = [...by]
      .sort((x, y) => y[1] - x[1])
      .slice(0, 4)
      .map(([thread, ms]) => ({ thread, ms }));
    const cause = i > 0 && mine[i - 1].state === 'R' ? 'preempted' : 'woken';
    waits.push({ at: b, delayMs, cause, browserMs, otherMs, idleMs, top });
  }
  return {
    runs: mine.length,
    longestDelayMs: queued.reduce((a, b) => Math.max(a, b), 0),
    waits,
  };
}

/** Reads a `perf sched record` file (perf must be on PATH) and attributes the main thread's waits. */
export function schedWaits(file: string, mainTid: number, browserPids: number[], minMs = 40): SchedReport {
  const r = spawnSync('perf', ['sched', 'timehist', '--state', '-i', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`perf sched timehist -i ${file} failed: ${r.stderr.slice(0, 300)}`);
  return attributeWaits(parseTimehist(r.stdout), mainTid, new Set(browserPids), minMs);
}

/** The figures of a report a bench's JSON line carries. */
export function waitsJson(r: SchedReport) {
  const n = (x: number) => Math.round(x * 10) / 10;
  return {
    schedLongestWaitMs: n(r.longestDelayMs),
    schedWaitsOver40: r.waits.map((w) => ({
      delayMs: n(w.delayMs),
      cause: w.cause,
      browserMs: Math.round(w.browserMs),
      otherMs: Math.round(w.otherMs),
      idleMs: Math.round(w.idleMs),
    })),
  };
}

const f = (x: number) => x.toFixed(0);

export function describeWaits(r: SchedReport, minMs = 40): string {
  const head = `OS scheduler (perf sched): main thread ran ${r.runs} times, longest wait on the run queue ${r.longestDelayMs.toFixed(1)} ms, ${r.waits.length} waits >= ${minMs} ms`;
  return [
    head,
    ...r.waits.map(
      (w) =>
        `  wait ${w.delayMs.toFixed(1)} ms ${w.cause} (ran at ${w.at.toFixed(3)} s): cores used by the browser ${f(w.browserMs)} ms, other processes ${f(w.otherMs)} ms, idle ${f(w.idleMs)} ms; ${w.top.map((t) => `${t.thread} ${f(t.ms)}`).join(', ')}`,
    ),
  ].join('\n');
}
