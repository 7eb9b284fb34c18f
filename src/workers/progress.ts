import type { JobProgress, ProgressFn } from './api';

/**
 * Rate-limits progress callbacks across the worker boundary (a comlink call per image would flood the
 * main thread) and estimates throughput and ETA from a sliding window, so a resumed job's ETA is not
 * skewed by the work done before the reload.
 */
export class ProgressReporter {
  private lastSent = 0;
  private window: { t: number; done: number }[] = [];

  constructor(
    private readonly send: ProgressFn | undefined,
    private readonly minIntervalMs = 250,
    private readonly windowMs = 10_000,
  ) {}

  update(p: Omit<JobProgress, 'rate' | 'etaSeconds'>, force = false): void {
    const now = performance.now();
    this.window.push({ t: now, done: p.done });
    while (this.window.length > 2 && now - this.window[0].t > this.windowMs) this.window.shift();
    if (!this.send || (!force && now - this.lastSent < this.minIntervalMs)) return;
    this.lastSent = now;
    const first = this.window[0];
    const dt = (now - first.t) / 1000;
    const rate = dt > 0.2 ? (p.done - first.done) / dt : undefined;
    const etaSeconds = rate && rate > 0 ? (p.total - p.done) / rate : undefined;
    // Fire and forget: a slow UI must never stall the job.
    void Promise.resolve(this.send({ ...p, rate, etaSeconds })).catch(() => undefined);
  }
}

/** Calls `fn` at most once per interval; for live samples that are expensive to build. */
export class Throttle {
  private last = -Infinity;
  constructor(private readonly intervalMs: number) {}
  ready(): boolean {
    const now = performance.now();
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    return true;
  }
}
