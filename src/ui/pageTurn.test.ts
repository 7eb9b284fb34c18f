import { describe, expect, it } from 'vitest';
import { CpuSlots, type SlotClock } from '../data/cpuSlots';
import { FakeLocks } from '../data/fakeLocks';
import { PAGE_TURN_MAX_MS, PageTurn } from './pageTurn';

const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

/** A clock moved by hand: sleeps end when `advance` passes their deadline. */
function manualClock() {
  let now = 0;
  const sleepers: { at: number; wake: () => void }[] = [];
  const clock: SlotClock = {
    now: () => now,
    sleep: (ms) => new Promise<void>((wake) => sleepers.push({ at: now + ms, wake })),
  };
  const advance = async (ms: number) => {
    now += ms;
    for (let i = sleepers.length - 1; i >= 0; i--) if (sleepers[i].at <= now) sleepers.splice(i, 1)[0].wake();
    await tick();
  };
  return { clock, advance };
}

/** A worker's job: units one after another on its budget, each until `finish` is called. */
function worker(budget: CpuSlots) {
  const started: number[] = [];
  let finish: () => void = () => undefined;
  let stop = false;
  const loop = (async () => {
    for (let i = 0; !stop; i++)
      await budget.run(
        () =>
          new Promise<void>((r) => {
            if (stop) return r();
            started.push(i);
            finish = r;
          }),
      );
  })();
  return {
    started,
    finishUnit: async () => {
      finish();
      await tick();
    },
    end: async () => {
      stop = true;
      finish();
      await loop;
    },
  };
}

const still: SlotClock = { now: () => 0, sleep: () => Promise.resolve() };

describe('the page turn after a view switch', () => {
  it.each([1, 3])('holds all %i slots for its time: the unit running finishes, none starts', async (n) => {
    const locks = new FakeLocks();
    const { clock, advance } = manualClock();
    const w = worker(new CpuSlots(n, locks.client(1), 'fkd-cpu', still));
    await tick();
    expect(w.started).toEqual([0]);
    const pageLocks = locks.client(2);
    let granted = 0;
    const page = new PageTurn(
      { request: (name, opts, cb) => pageLocks.request(name, opts, (l) => (granted++, cb(l))) },
      clock,
    );
    page.take(300, n);
    await tick();
    expect(page.held).toBe(true);
    // The page holds every slot at once, even the one the worker's unit is still running on.
    expect(granted).toBe(n);
    expect(locks.slotsHeld).toBe(n);
    await w.finishUnit();
    expect(w.started).toEqual([0]); // the next unit waits for the page
    await advance(299);
    expect(w.started).toEqual([0]);
    await advance(1);
    expect(page.held).toBe(false);
    expect(w.started).toEqual([0, 1]);
    await w.end();
  });

  it('goes ahead of units already waiting, and a second switch extends the turn it holds', async () => {
    const locks = new FakeLocks();
    const { clock, advance } = manualClock();
    const a = worker(new CpuSlots(1, locks.client(1), 'fkd-cpu', still));
    const b = worker(new CpuSlots(1, locks.client(2), 'fkd-cpu', still));
    await tick();
    expect([a.started, b.started]).toEqual([[0], []]); // b waits in the queue
    const page = new PageTurn(locks.client(3), clock);
    page.take(100, 1);
    await tick();
    await a.finishUnit();
    expect(b.started).toEqual([]);
    await advance(60);
    page.take(100, 1); // ends at 160 now, not 100
    await advance(60);
    expect(b.started).toEqual([]);
    await advance(40);
    expect(b.started).toEqual([0]); // the queue keeps its order behind the page
    await b.end(); // a waits behind b
    await a.end();
  });

  it('never holds past its cap, and takes nothing without a budget', async () => {
    const locks = new FakeLocks();
    const { clock, advance } = manualClock();
    const page = new PageTurn(locks.client(1), clock);
    page.take(60_000, 1);
    await tick();
    expect(locks.slotsHeld).toBe(1);
    await advance(PAGE_TURN_MAX_MS);
    expect(locks.slotsHeld).toBe(0);
    const off = new PageTurn(locks.client(2), clock);
    off.take(300, 0);
    await tick();
    expect(off.held).toBe(false);
    expect(locks.slotsHeld).toBe(0);
    new PageTurn(null, clock).take(300, 1); // no Web Locks: nothing to do, no throw
  });
});
