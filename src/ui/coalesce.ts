/**
 * The page's one way to batch repeated work on the main thread: work queued under a key runs on the next
 * animation frame, all of it together, at most once per `intervalMs`. Each key keeps only its latest
 * work, so a burst of updates costs one run. Under full load the page's time went to many small tasks
 * back to back (worker messages, renders, one frame each), not to one long task (docs/results.md,
 * bench:ui): one run per interval, inside a frame, keeps them few.
 */
export class Coalescer {
  private readonly due = new Map<unknown, () => void>();
  private lastRun = -Infinity;
  private frame: number | null = null;
  private frameFallback: ReturnType<typeof setTimeout> | null = null;
  private wait: ReturnType<typeof setTimeout> | null = null;

  /**
   * `intervalMs`: the least time between two runs of queued work (0: every frame). `hiddenMs`: how long
   * a run waits for a frame that does not come (a hidden tab gets none) before it runs without one.
   */
  constructor(
    private readonly intervalMs: number,
    private readonly hiddenMs = 100,
  ) {}

  /**
   * Queues `work` under `key` (replacing what was queued under it). `soon`: on the next frame whatever
   * the interval says, for an update the user just caused; the rest of the queue goes with it.
   */
  schedule(key: unknown, work: () => void, soon = false): void {
    this.due.set(key, work);
    if (this.frame !== null || this.frameFallback !== null) return;
    const left = this.lastRun + this.intervalMs - performance.now();
    if (soon || left <= 0) {
      this.requestFrame();
      return;
    }
    this.wait ??= setTimeout(() => {
      this.wait = null;
      this.requestFrame();
    }, left);
  }

  /** Drops `key`'s queued work (a chart unmounted). */
  cancel(key: unknown): void {
    this.due.delete(key);
  }

  private requestFrame(): void {
    if (this.wait !== null) clearTimeout(this.wait);
    this.wait = null;
    if (typeof requestAnimationFrame === 'function') this.frame = requestAnimationFrame(() => this.run());
    this.frameFallback = setTimeout(
      () => this.run(),
      typeof requestAnimationFrame === 'function' ? this.hiddenMs : 0,
    );
  }

  private run(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    if (this.frameFallback !== null) clearTimeout(this.frameFallback);
    this.frame = null;
    this.frameFallback = null;
    this.lastRun = performance.now();
    const work = [...this.due.values()];
    this.due.clear();
    for (const w of work) w();
  }
}
