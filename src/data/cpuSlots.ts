/**
 * The studio's CPU budget: at most `slots` heavy threads compute at once across every model worker and
 * decode worker of the origin, so on a small machine the page keeps a core of its own. A unit of work
 * (a training step, a teacher batch, a round of queued decodes) takes a slot and gives it back when
 * done, so two jobs interleave unit by unit instead of both being descheduled mid-unit. Slots are Web Locks: the
 * browser grants each name first come first served and frees a lock when the thread holding it ends,
 * so a worker that crashes or is terminated mid-unit cannot keep a slot.
 *
 * With one slot every unit waits on that one lock. With more, a waiter first takes a queue lock (so
 * waiters are served in order) and then asks for every slot at once, keeping the first granted and
 * dropping the rest.
 *
 * Turns are fair by time, not only by count: a thread whose unit held a slot for long (a teacher
 * batch) waits as long again before asking for the next one when another thread waits or took the
 * slot it gave back, so a job of short units (training steps, decodes) gets about as much time, not one
 * short unit per long one.
 * Alone, nobody waits and nothing pauses.
 */

/** The part of the Web Locks API (LockManager) the budget uses; tests pass a fake. */
export interface SlotLocks {
  request(
    name: string,
    options: { mode?: 'exclusive'; ifAvailable?: boolean; signal?: AbortSignal; steal?: boolean },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown>;
  /** Held and waiting requests (LockManager.query); without it turns are fair by count only. */
  query?(): Promise<{ held?: { name?: string }[]; pending?: { name?: string }[] }>;
}

/** A unit that held its slot at least this long pauses the thread before its next turn. */
export const FAIR_PAUSE_MIN_MS = 20;
/** Longest pause: a stalled unit must not keep its thread away for long. */
const FAIR_PAUSE_MAX_MS = 500;

export interface SlotClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** performance.now and setTimeout: what a thread's budget (and the page's turn) run on. */
export const realClock: SlotClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** The Web Lock that is slot `i` of the budget. */
export function slotLockName(i: number, prefix = 'fkd-cpu'): string {
  return `${prefix}-slot-${i}`;
}

/**
 * Gives the slot back; calling it again does nothing. `taken()` tells whether the slot was taken away
 * meanwhile (the page's turn steals every slot: ui/pageTurn.ts), so work that can stop between parts
 * gives up the rest of its turn.
 */
export type Release = (() => void) & { readonly taken: () => boolean };

const noRelease: Release = Object.assign(() => undefined, { taken: () => false });

/** How many threads may compute at once when the budget is on: all cores but one for the page. */
export function budgetSlots(hardwareConcurrency: number | undefined): number {
  return Math.max(1, (hardwareConcurrency ?? 2) - 1);
}

/** The default: on where the machine is small enough that the page would otherwise lose its core. */
export function budgetOnByDefault(hardwareConcurrency: number | undefined): boolean {
  return (hardwareConcurrency ?? 2) <= 4;
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('aborted', 'AbortError');
}

/** A held lock's release, when the lock manager has actually freed it, and whether it was stolen. */
type Held = (() => void) & { freed: Promise<unknown>; taken: () => boolean };

/**
 * Holds lock `name` until the returned release is called. Resolves null when `ifAvailable` and the
 * lock is taken; rejects when `signal` aborts before the grant.
 */
function hold(
  locks: SlotLocks,
  name: string,
  opts: { ifAvailable?: boolean; signal?: AbortSignal },
): Promise<Held | null> {
  return new Promise((resolve, reject) => {
    let settled!: () => void;
    const freed = new Promise<void>((r) => (settled = r));
    let granted = false;
    let stolen = false;
    const request = locks.request(name, { mode: 'exclusive', ...opts }, (lock) => {
      if (!lock) {
        resolve(null);
        return;
      }
      granted = true;
      return new Promise<void>((done) => {
        let released = false;
        const release = () => {
          if (released) return;
          released = true;
          done();
        };
        resolve(Object.assign(release, { freed, taken: () => stolen }));
      });
    });
    request.then(settled, (e: unknown) => {
      // After the grant, the only way the request rejects is another request's steal.
      if (granted) stolen = true;
      settled();
      reject(e);
    });
  });
}

export class CpuSlots {
  /** How long this thread's last unit held its slot, and when that slot was freed. */
  private lastHeldMs = 0;
  private lastFreed: Promise<unknown> = Promise.resolve();

  constructor(
    readonly slots: number,
    private readonly locks: SlotLocks,
    private readonly prefix = 'fkd-cpu',
    private readonly clock: SlotClock = realClock,
  ) {
    if (!Number.isInteger(slots) || slots < 1)
      throw new Error(`CPU slots must be a whole number ≥ 1, got ${slots}`);
  }

  private slotName(i: number): string {
    return slotLockName(i, this.prefix);
  }

  /** Waits for a free slot; rejects (holding nothing) when `signal` aborts first. */
  async acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) throw abortError(signal);
    await this.fairPause();
    if (signal?.aborted) throw abortError(signal);
    const release = await this.grant(signal);
    const t0 = this.clock.now();
    let released = false;
    const giveBack = () => {
      if (released) return;
      released = true;
      this.lastHeldMs = this.clock.now() - t0;
      this.lastFreed = release.freed;
      release();
    };
    return Object.assign(giveBack, { taken: release.taken });
  }

  private async grant(signal?: AbortSignal): Promise<Held> {
    if (this.slots === 1) return (await hold(this.locks, this.slotName(0), { signal }))!;
    const queue = (await hold(this.locks, `${this.prefix}-queue`, { signal }))!;
    try {
      return await this.anySlot(signal);
    } finally {
      queue();
    }
  }

  /** After a long unit, gives waiting threads as long a turn before asking again. */
  private async fairPause(): Promise<void> {
    const held = this.lastHeldMs;
    this.lastHeldMs = 0;
    if (held < FAIR_PAUSE_MIN_MS || !this.locks.query) return;
    // Asked only once the lock manager has freed this thread's slot, so it is not counted as held.
    await this.lastFreed.catch(() => undefined);
    const state = await this.locks.query().catch(() => null);
    const ours = (l: { name?: string }) => l.name?.startsWith(`${this.prefix}-`) ?? false;
    // Another thread is waiting, or took every slot the moment this one gave its slot back.
    const slotsHeld = state?.held?.filter((l) => ours(l) && l.name !== `${this.prefix}-queue`).length ?? 0;
    const contended = (state?.pending?.some(ours) ?? false) || slotsHeld >= this.slots;
    if (contended) await this.clock.sleep(Math.min(held, FAIR_PAUSE_MAX_MS));
  }

  /** The first of the slots to be granted; the others' requests are withdrawn or given straight back. */
  private anySlot(signal?: AbortSignal): Promise<Held> {
    const stop = new AbortController();
    const onAbort = () => stop.abort(signal ? abortError(signal) : undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    let won: Held | null = null;
    const tries = Array.from({ length: this.slots }, (_, i) =>
      hold(this.locks, this.slotName(i), { signal: stop.signal }).then((r) => {
        if (won || stop.signal.aborted) r!();
        else {
          won = r;
          stop.abort();
        }
      }),
    );
    return Promise.allSettled(tries).then((results) => {
      signal?.removeEventListener('abort', onAbort);
      if (won) return won;
      const failed = results.find((r) => r.status === 'rejected');
      throw failed?.status === 'rejected' ? failed.reason : new Error('no CPU slot was granted');
    });
  }

  /** Runs `fn` holding a slot, and gives the slot back however `fn` ends. */
  async run<T>(fn: () => T | Promise<T>, signal?: AbortSignal): Promise<T> {
    const release = await this.acquire(signal);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Runs `items` through `run`, at most `inFlight` at a time, starting the next as one ends while `slot`
 * is still held (null: no slot, nothing to lose), and returns the items not started, in order, for the
 * thread's next turn: for a unit made of many small parts (a round of decodes), so the page's turn does
 * not wait for all of it.
 */
export async function whileHeld<T>(
  slot: Release | null,
  items: T[],
  inFlight: number,
  run: (item: T) => Promise<void>,
): Promise<T[]> {
  const left = items.slice();
  const lane = async () => {
    while (left.length > 0 && !slot?.taken()) await run(left.shift()!);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, inFlight), left.length) }, lane));
  return left;
}

// ---- This thread's budget (each worker sets its own; decode workers get it with each request) ----

let current: CpuSlots | null = null;

/**
 * The budget bites only while another job runs (in the other model worker or another tab): a job alone
 * keeps its model thread and its decode worker overlapping, since serialising them cost a lone job
 * a third to a half of its throughput (docs/results.md, bench:ui). Jobs are seen by their job locks
 * (workers/jobs.ts); this thread's own are not another job.
 */
const JOB_LOCK_PREFIX = 'fkd-job:';
const ownJobLocks = new Set<string>();
const OTHERS_CHECK_MS = 1000;
let othersRunning = false;
let othersCheckedAt = -Infinity;
let othersChecking = false;

/** workers/jobs.ts: a job of this thread started (true) or ended (false) holding `lockName`. */
export function noteOwnJobLock(lockName: string, running: boolean): void {
  if (running) ownJobLocks.add(lockName);
  else ownJobLocks.delete(lockName);
}

/** Whether another thread runs a job, as last seen; looks again at most once a second. */
function otherJobsRunning(): boolean {
  const locks = webLocks();
  const now = performance.now();
  if (locks?.query && !othersChecking && now - othersCheckedAt >= OTHERS_CHECK_MS) {
    othersChecking = true;
    othersCheckedAt = now;
    locks
      .query()
      .then((s) => {
        othersRunning =
          s.held?.some((l) => l.name?.startsWith(JOB_LOCK_PREFIX) && !ownJobLocks.has(l.name)) ?? false;
      })
      .catch(() => undefined)
      .finally(() => (othersChecking = false));
  }
  return othersRunning;
}

/** This thread's Web Locks (LockManager), or null where there are none. */
export function webLocks(): SlotLocks | null {
  const nav = (globalThis as { navigator?: { locks?: SlotLocks } }).navigator;
  return nav?.locks ?? null;
}

/** Turns this thread's budget on with `slots` slots, or off with 0 (or where Web Locks are missing). */
export function setCpuSlots(slots: number): void {
  if (slots === (current?.slots ?? 0)) return;
  const locks = webLocks();
  current = slots >= 1 && locks ? new CpuSlots(Math.floor(slots), locks) : null;
}

/** This thread's slot count; 0 when the budget is off. */
export function cpuSlotCount(): number {
  return current?.slots ?? 0;
}

/** The slots this thread's decode workers should use now: 0 while no other job runs. */
export function cpuSlotsToShare(): number {
  return current && otherJobsRunning() ? current.slots : 0;
}

/**
 * A slot of this thread's budget for a model unit; resolves at once (nothing to give back) when the
 * budget is off or no other job runs.
 */
export function cpuSlot(signal?: AbortSignal): Promise<Release> {
  return current && otherJobsRunning() ? current.acquire(signal) : Promise.resolve(noRelease);
}

/**
 * A slot for a decode worker, which follows its model thread's decision (cpuSlotsToShare); null when
 * it is to decode without one.
 */
export function decodeSlot(): Promise<Release | null> {
  return current ? current.acquire() : Promise.resolve(null);
}
