import { realClock, slotLockName, webLocks, type SlotClock, type SlotLocks } from '../data/cpuSlots';

/**
 * The page's turn on the CPU budget (data/cpuSlots.ts). With the budget on, the workers leave the
 * page a core, but a view switch needs more than one core for a moment: its commit, style, layout and
 * paint on the main thread, and the compositor's and GPU process's threads drawing the new view. On
 * a 2-core machine those threads shared the second core with the slot holder, and the switch's frames
 * stretched past 50 ms while nothing on the main thread took that long (docs/results.md, bench:ui).
 *
 * So for a short while after a view switch the page holds every slot itself. It steals them: a
 * training step or teacher batch under way finishes (tens of ms at most), a round of decodes stops after
 * the few images it is decoding (`whileHeld`), and the units queued behind them wait until the page
 * gives the slots back, which it does after `ms` whatever happens. Without the budget (one job alone)
 * there is no slot to take, and nothing waits.
 */

/** The longest turn one call may ask for: the jobs must never wait on the page for long. */
export const PAGE_TURN_MAX_MS = 1000;

export class PageTurn {
  private until = 0;
  private holding = false;
  /** The budget's slot count at the last switch (Settings may change it): what a turn renewed takes. */
  private slots = 0;

  constructor(
    private readonly locks: SlotLocks | null,
    private readonly clock: SlotClock,
  ) {}

  /**
   * Holds all `slots` slots for the next `ms` (extending a turn already held); does nothing without
   * slots (the budget off).
   */
  take(ms: number, slots: number): void {
    if (slots < 1 || !this.locks || !(ms > 0)) return;
    this.slots = slots;
    this.until = Math.max(this.until, this.clock.now() + Math.min(ms, PAGE_TURN_MAX_MS));
    if (this.holding) return;
    this.holding = true;
    const hold = async () => {
      for (let left = this.until - this.clock.now(); left > 0; left = this.until - this.clock.now())
        await this.clock.sleep(left);
    };
    const turns = Array.from({ length: slots }, (_, i) =>
      // A lock lost to another tab's steal, or a lock manager that refuses, only ends this turn early.
      Promise.resolve(this.locks!.request(slotLockName(i), { mode: 'exclusive', steal: true }, hold)).catch(
        () => undefined,
      ),
    );
    void Promise.all(turns).then(() => {
      this.holding = false;
      // A switch that came as this turn was ending extended `until` after its locks were let go.
      const left = this.until - this.clock.now();
      if (left > 0) this.take(left, this.slots);
    });
  }

  /** Whether the page holds (or is taking) its turn now. */
  get held(): boolean {
    return this.holding;
  }
}

/** A view switch's turn: its deferred sections and chart builds come within it, a frame or two each. */
export const VIEW_SWITCH_TURN_MS = 500;

let pageTurn: PageTurn | null = null;

/** The page's turn after a view switch, with `slots` the budget's slot count (0 when it is off). */
export function takePageTurn(slots: number): void {
  pageTurn ??= new PageTurn(webLocks(), realClock);
  pageTurn.take(VIEW_SWITCH_TURN_MS, slots);
}
