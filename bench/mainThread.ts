/**
 * How long the page's main thread is unavailable, measured two ways at once:
 *  - Long Task entries (PerformanceObserver 'longtask'): tasks over 50 ms, as Chromium attributes them;
 *    tasks it does not see (or none at all, in some headless runs) read as 0;
 *  - a timer probe: a setTimeout chain asking for every PROBE_MS; the gap between two ticks minus the
 *    interval asked for is how long anything (a task, rendering, garbage collection) kept the thread.
 * Input latency is measured per interaction the bench performs (a click, typing): from the event's
 * timestamp to the first frame after its handlers ran (requestAnimationFrame, then a task), beside the
 * Event Timing API's duration for the same events.
 */
import type { Page } from 'playwright-core';

/** The probe's interval: short enough to resolve 50 ms, long enough to cost the page nothing. */
const PROBE_MS = 5;
/** Gaps at least this long are stamped into a trace (console.timeStamp) so the trace can say what held them. */
export const STAMP_GAP_MS = 40;
/** The stamp's message prefix; the delay in ms follows it. */
export const GAP_STAMP = 'fkd-probe-gap';

export interface MainThreadReport {
  seconds: number;
  /** Long Task API. */
  longestTaskMs: number;
  longTasks: number;
  /** Timer probe: the longest delay past the asked interval, and how many exceeded 50 / 100 ms. */
  longestDelayMs: number;
  delaysOver50: number;
  delaysOver100: number;
  /** 99th percentile of the probe's delays. */
  p99DelayMs: number;
  /** The probe's delays of STAMP_GAP_MS or more: when each ended (page ms since the probe started) and its length. */
  gaps: { endMs: number; delayMs: number }[];
  /**
   * The same gaps, each with the last input before it began: what was clicked or typed in (a view's nav
   * button, a field) and how long before the gap it was, so a gap after a view switch tells itself apart
   * from one in a view's own live updates.
   */
  gapCauses: { delayMs: number; input: string | null; msAfterInput: number | null }[];
  /** Input: per measured interaction, event timestamp to the next frame (ms). */
  inputs: { kind: string; latencyMs: number; eventTimingMs: number | null }[];
  longestInputMs: number;
}

interface ProbeState {
  t0: number;
  longTasks: number[];
  delays: number[];
  gaps: { endMs: number; delayMs: number }[];
  inputs: { kind: string; latencyMs: number; eventTimingMs: number | null; at: number }[];
  /** Every input's time (page clock) and what it went to, for gapCauses. */
  inputLog: { at: number; what: string }[];
  eventTimings: { name: string; start: number; duration: number }[];
  stop: boolean;
  observers: PerformanceObserver[];
}

/** Installs the probe, the long-task observer and the input listeners in the page. */
export async function startMainThreadProbe(page: Page): Promise<void> {
  await page.evaluate(
    ([probeMs, stampMs, stamp]) => {
      const w = window as unknown as { __mainProbe?: ProbeState };
      if (w.__mainProbe) {
        w.__mainProbe.stop = true;
        for (const o of w.__mainProbe.observers) o.disconnect();
      }
      const s: ProbeState = {
        t0: performance.now(),
        longTasks: [],
        delays: [],
        gaps: [],
        inputs: [],
        inputLog: [],
        eventTimings: [],
        stop: false,
        observers: [],
      };
      w.__mainProbe = s;
      const lt = new PerformanceObserver((list) => {
        for (const e of list.getEntries()) s.longTasks.push(e.duration);
      });
      lt.observe({ type: 'longtask', buffered: false });
      s.observers.push(lt);
      try {
        const et = new PerformanceObserver((list) => {
          for (const e of list.getEntries())
            s.eventTimings.push({ name: e.name, start: e.startTime, duration: e.duration });
        });
        et.observe({ type: 'event', buffered: false, durationThreshold: 16 } as PerformanceObserverInit);
        s.observers.push(et);
      } catch {
        // No Event Timing API: the rAF measure below still answers.
      }
      let last = performance.now();
      const tick = () => {
        if (s.stop) return;
        const now = performance.now();
        const delay = Math.max(0, now - last - probeMs);
        s.delays.push(delay);
        if (delay >= stampMs) {
          s.gaps.push({ endMs: now - s.t0, delayMs: delay });
          // Lines the gap up with a trace's events (a TimeStamp event at its end).
          console.timeStamp(`${stamp} ${delay.toFixed(1)}`);
        }
        last = now;
        setTimeout(tick, probeMs);
      };
      setTimeout(tick, probeMs);
      const onInput = (e: Event) => {
        if (s.stop) return;
        const kind = e.type;
        const at = e.timeStamp;
        const t = e.target as HTMLElement | null;
        const name = t?.getAttribute('aria-label') ?? t?.textContent?.trim().slice(0, 24) ?? '';
        s.inputLog.push({ at, what: `${kind} ${name || (t?.tagName.toLowerCase() ?? '?')}` });
        requestAnimationFrame(() =>
          setTimeout(
            () => s.inputs.push({ kind, latencyMs: performance.now() - at, eventTimingMs: null, at }),
            0,
          ),
        );
      };
      for (const type of ['click', 'input'] as const)
        document.addEventListener(type, onInput, { capture: true });
    },
    [PROBE_MS, STAMP_GAP_MS, GAP_STAMP] as const,
  );
}

/** Stops the probe and returns what it saw since start. */
export async function stopMainThreadProbe(page: Page): Promise<MainThreadReport> {
  return page.evaluate(() => {
    const w = window as unknown as { __mainProbe?: ProbeState };
    const s = w.__mainProbe;
    if (!s) throw new Error('startMainThreadProbe was not called');
    for (const o of s.observers) {
      for (const e of o.takeRecords()) {
        if (e.entryType === 'longtask') s.longTasks.push(e.duration);
        else s.eventTimings.push({ name: e.name, start: e.startTime, duration: e.duration });
      }
      o.disconnect();
    }
    s.stop = true;
    // Event Timing entries of the same interaction: same type, start within a millisecond.
    for (const i of s.inputs) {
      const m = s.eventTimings.find((e) => e.name === i.kind && Math.abs(e.start - i.at) < 1);
      i.eventTimingMs = m ? m.duration : null;
    }
    const sorted = [...s.delays].sort((a, b) => a - b);
    return {
      seconds: (performance.now() - s.t0) / 1000,
      longestTaskMs: Math.max(0, ...s.longTasks),
      longTasks: s.longTasks.length,
      longestDelayMs: sorted.at(-1) ?? 0,
      delaysOver50: s.delays.filter((d) => d > 50).length,
      delaysOver100: s.delays.filter((d) => d > 100).length,
      p99DelayMs: sorted[Math.floor(0.99 * (sorted.length - 1))] ?? 0,
      gaps: s.gaps,
      gapCauses: s.gaps.map((g) => {
        const start = s.t0 + g.endMs - g.delayMs;
        const before = s.inputLog.filter((i) => i.at <= start).at(-1);
        return {
          delayMs: g.delayMs,
          input: before?.what ?? null,
          msAfterInput: before ? start - before.at : null,
        };
      }),
      inputs: s.inputs.map(({ kind, latencyMs, eventTimingMs }) => ({ kind, latencyMs, eventTimingMs })),
      longestInputMs: Math.max(0, ...s.inputs.map((i) => Math.max(i.latencyMs, i.eventTimingMs ?? 0))),
    };
  });
}

/** The probe's gaps over 50 ms, each with the input before it: "96 ms 120 ms after click Train". */
export function describeGapCauses(r: MainThreadReport): string {
  const long = r.gapCauses.filter((g) => g.delayMs > 50);
  if (!long.length) return 'probe gaps > 50 ms: none';
  return `probe gaps > 50 ms: ${long
    .map(
      (g) =>
        `${g.delayMs.toFixed(0)} ms${g.input ? ` ${g.msAfterInput!.toFixed(0)} ms after ${g.input}` : ' (no input before it)'}`,
    )
    .join('; ')}`;
}

/** One line for a bench's table: both measures side by side. */
export function describeMainThread(r: MainThreadReport): string {
  return (
    `Long Task API: longest ${r.longestTaskMs.toFixed(0)} ms (${r.longTasks} tasks > 50 ms); ` +
    `timer probe: longest delay ${r.longestDelayMs.toFixed(0)} ms, p99 ${r.p99DelayMs.toFixed(0)} ms, ` +
    `${r.delaysOver50} delays > 50 ms, ${r.delaysOver100} > 100 ms in ${r.seconds.toFixed(0)} s (goal: none > 50 ms)`
  );
}
