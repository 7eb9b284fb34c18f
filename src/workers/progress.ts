import type {
  JobProgress,
  LiveSample,
  ProgressFn,
  TrainCallbacks,
  TrainLiveUpdate,
  TrainMetrics,
} from './api';

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

/**
 * A training run's live reports on their way to the page: with `onLive` they wait here and go as one
 * message when the step's reports are in (`send`), so a step that reports progress and metrics, and
 * the sample read back meanwhile, cost the page one task instead of three; without it each goes to
 * its own callback at once.
 */
export class TrainReports {
  private pending: TrainLiveUpdate = {};
  private any = false;

  constructor(private readonly cb: TrainCallbacks) {}

  readonly progress = (p: JobProgress): void => {
    if (this.cb.onLive) this.hold({ progress: p });
    else this.cb.onProgress?.(p);
  };

  metrics(m: TrainMetrics): void {
    if (this.cb.onLive) this.hold({ metrics: m });
    else this.cb.onMetrics?.(m);
  }

  /** A sample read back after its step: it goes with the next step's reports. */
  sample(s: LiveSample): void {
    if (this.cb.onLive) this.hold({ sample: s });
    else this.cb.onSample?.(s);
  }

  /** Whether anyone listens for samples (reading one back costs the step a readback). */
  get wantsSamples(): boolean {
    return !!(this.cb.onLive ?? this.cb.onSample);
  }

  /** Sends what was held, if anything, as one message. */
  send(): void {
    if (!this.any || !this.cb.onLive) return;
    const u = this.pending;
    this.pending = {};
    this.any = false;
    // Fire and forget: a slow UI must never stall the job.
    void Promise.resolve(this.cb.onLive(u)).catch(() => undefined);
  }

  private hold(u: TrainLiveUpdate): void {
    Object.assign(this.pending, u);
    this.any = true;
  }
}
