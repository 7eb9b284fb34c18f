import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  budgetOnByDefault,
  budgetSlots,
  cpuSlotsToShare,
  CpuSlots,
  noteOwnJobLock,
  setCpuSlots,
  type SlotClock,
  whileHeld,
} from './cpuSlots';
import { FakeLocks } from './fakeLocks';

const tick = () => new Promise((r) => setTimeout(r, 0));
/** A clock that never moves: no unit counts as long, so turns do not depend on this machine's load. */
const still: SlotClock = { now: () => 0, sleep: () => Promise.resolve() };

describe('cpu slot budget', () => {
  it('leaves one core to the page, and is on by default only on small machines', () => {
    expect(budgetSlots(2)).toBe(1);
    expect(budgetSlots(1)).toBe(1);
    expect(budgetSlots(4)).toBe(3);
    expect(budgetSlots(undefined)).toBe(1);
    expect(budgetOnByDefault(2)).toBe(true);
    expect(budgetOnByDefault(4)).toBe(true);
    expect(budgetOnByDefault(8)).toBe(false);
    expect(() => new CpuSlots(0, new FakeLocks().client(1))).toThrow(/≥ 1/);
  });

  it.each([1, 2, 3])('never lets more than %i units run at once across clients', async (n) => {
    const locks = new FakeLocks();
    const budgets = [1, 2, 3, 4].map((c) => new CpuSlots(n, locks.client(c), 'fkd-cpu', still));
    let running = 0;
    let most = 0;
    const unit = async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    };
    await Promise.all(budgets.flatMap((b) => Array.from({ length: 6 }, () => b.run(unit))));
    expect(most).toBe(n);
    expect(locks.maxSlotsHeld).toBe(n);
    expect(locks.slotsHeld).toBe(0);
  });

  it('interleaves two jobs unit by unit instead of letting one run ahead', async () => {
    const locks = new FakeLocks();
    const order: string[] = [];
    const job = async (name: string, b: CpuSlots) => {
      for (let i = 0; i < 5; i++)
        await b.run(async () => {
          order.push(name);
          await tick();
        });
    };
    await Promise.all([
      job('a', new CpuSlots(1, locks.client(1), 'fkd-cpu', still)),
      job('b', new CpuSlots(1, locks.client(2), 'fkd-cpu', still)),
    ]);
    expect(order.join('')).toBe('ababababab');
  });

  it('serves waiters in order with several slots too', async () => {
    const locks = new FakeLocks();
    const b = new CpuSlots(2, locks.client(1), 'fkd-cpu', still);
    const first = [await b.acquire(), await b.acquire()];
    const got: number[] = [];
    const waits = [1, 2, 3].map((i) => b.acquire().then((r) => (got.push(i), r)));
    await tick();
    expect(got).toEqual([]);
    first[0]();
    await tick();
    expect(got).toEqual([1]);
    first[1]();
    await tick();
    expect(got).toEqual([1, 2]);
    (await waits[0])();
    await tick();
    expect(got).toEqual([1, 2, 3]);
    (await waits[1])();
    (await waits[2])();
    await tick();
    expect(locks.slotsHeld).toBe(0);
  });

  it('gives the slot back when the unit throws', async () => {
    const locks = new FakeLocks();
    const b = new CpuSlots(1, locks.client(1), 'fkd-cpu', still);
    await expect(b.run(() => Promise.reject(new Error('step failed')))).rejects.toThrow('step failed');
    await expect(
      b.run(() => {
        throw new Error('sync failure');
      }),
    ).rejects.toThrow('sync failure');
    expect(locks.slotsHeld).toBe(0);
    expect(await b.run(() => 7)).toBe(7);
  });

  it.each([1, 3])('a cancelled wait (%i slots) holds nothing and blocks no one', async (n) => {
    const locks = new FakeLocks();
    const a = new CpuSlots(n, locks.client(1), 'fkd-cpu', still);
    const b = new CpuSlots(n, locks.client(2), 'fkd-cpu', still);
    const held = await Promise.all(Array.from({ length: n }, () => a.acquire()));
    const stop = new AbortController();
    const cancelled = b.acquire(stop.signal);
    const after = a.acquire();
    await tick();
    stop.abort(new Error('job cancelled'));
    await expect(cancelled).rejects.toThrow('job cancelled');
    held.forEach((r) => r());
    const r = await after;
    await tick();
    expect(locks.slotsHeld).toBe(1);
    r();
    await tick();
    expect(locks.slotsHeld).toBe(0);
    await expect(b.acquire(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });

  it('a worker that dies holding a slot or waiting for one does not deadlock the others', async () => {
    const locks = new FakeLocks();
    const dying = new CpuSlots(2, locks.client(1), 'fkd-cpu', still);
    const other = new CpuSlots(2, locks.client(2), 'fkd-cpu', still);
    await dying.acquire();
    await dying.acquire();
    void dying.acquire(); // waiting (in the queue lock) when it dies
    const waiting = other.run(() => 'ran');
    await tick();
    locks.kill(1);
    expect(await waiting).toBe('ran');
    await tick();
    expect(locks.slotsHeld).toBe(0);
  });

  it('release is idempotent', async () => {
    const locks = new FakeLocks();
    const b = new CpuSlots(1, locks.client(1), 'fkd-cpu', still);
    const r = await b.acquire();
    r();
    r();
    const again = await b.acquire();
    expect(locks.slotsHeld).toBe(1);
    again();
  });

  it('after a long unit, pauses as long again only while another thread waits', async () => {
    const locks = new FakeLocks();
    let now = 0;
    const pauses: number[] = [];
    const clock: SlotClock = {
      now: () => now,
      sleep: (ms) => {
        pauses.push(ms);
        return Promise.resolve();
      },
    };
    const teacher = new CpuSlots(1, locks.client(1), 'fkd-cpu', clock);
    const trainer = new CpuSlots(1, locks.client(2), 'fkd-cpu', clock);
    // Alone: a long unit, then the next one at once.
    let r = await teacher.acquire();
    now += 300;
    r();
    (await teacher.acquire())();
    expect(pauses).toEqual([]);
    // With the trainer waiting: the teacher's next turn waits as long as its unit held the slot.
    r = await teacher.acquire();
    const trainerTurn = trainer.acquire();
    await tick();
    now += 120;
    r();
    const t = await trainerTurn; // the trainer holds the slot the teacher gave back
    const next = teacher.acquire();
    await tick();
    t();
    (await next)();
    expect(pauses).toEqual([120]);
    // Short units never pause; a stalled one pauses at most 500.
    r = await teacher.acquire();
    now += 5;
    r();
    const waiting = await trainer.acquire();
    const after = teacher.acquire();
    await tick();
    waiting();
    (await after)();
    r = await teacher.acquire();
    const w2 = trainer.acquire();
    await tick();
    now += 10_000;
    r();
    const t2 = await w2;
    const a2 = teacher.acquire();
    await tick();
    t2();
    (await a2)();
    expect(pauses).toEqual([120, 500]);
  });
});

describe('the budget bites only while another job runs', () => {
  afterEach(() => {
    setCpuSlots(0);
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('shares no slots with a lone job, and all of them once another thread holds a job lock', async () => {
    const locks = new FakeLocks();
    vi.stubGlobal('navigator', { locks: locks.client(1) });
    let now = 10_000;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    setCpuSlots(1);
    noteOwnJobLock('fkd-job:train:a', true);
    let release: (() => void) | undefined;
    void locks.client(1).request('fkd-job:train:a', {}, () => new Promise<void>((r) => (release = r)));
    expect(cpuSlotsToShare()).toBe(0);
    await tick();
    expect(cpuSlotsToShare()).toBe(0); // only this thread's own job
    // The other model worker starts a generation.
    let releaseOther: (() => void) | undefined;
    void locks
      .client(2)
      .request('fkd-job:generate:b', {}, () => new Promise<void>((r) => (releaseOther = r)));
    now += 500;
    cpuSlotsToShare();
    await tick();
    expect(cpuSlotsToShare()).toBe(0); // looked again at most once a second
    now += 600;
    cpuSlotsToShare();
    await tick();
    expect(cpuSlotsToShare()).toBe(1);
    releaseOther!();
    await tick();
    now += 1000;
    cpuSlotsToShare();
    await tick();
    expect(cpuSlotsToShare()).toBe(0);
    release!();
    noteOwnJobLock('fkd-job:train:a', false);
  });

  it('a slot taken by a steal says so, and a round run in parts stops there, keeping the rest', async () => {
    const locks = new FakeLocks();
    const b = new CpuSlots(1, locks.client(1), 'fkd-cpu', still);
    const slot = await b.acquire();
    expect(slot.taken()).toBe(false);
    const done: number[] = [];
    let stealAfter = 6;
    let page: (() => void) | undefined;
    const run = async (i: number) => {
      done.push(i);
      await tick();
      if (done.length === stealAfter && !page)
        void locks
          .client(2)
          .request('fkd-cpu-slot-0', { steal: true }, () => new Promise<void>((r) => (page = r)));
    };
    const left = await whileHeld(slot, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 3, run);
    await tick();
    expect(slot.taken()).toBe(true);
    // Three in flight: the steal came as the sixth ended; the three under way finished, none started after.
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(left).toEqual([6, 7, 8, 9]);
    slot(); // giving back a stolen slot frees nothing the page holds
    expect(locks.slotsHeld).toBe(1);
    page!();
    await tick();
    expect(locks.slotsHeld).toBe(0);
    // Without a slot (no budget, or Web Locks failed) every item runs, `inFlight` at a time.
    stealAfter = -1;
    done.length = 0;
    let inFlight = 0;
    let most = 0;
    const counted = async (i: number) => {
      most = Math.max(most, ++inFlight);
      await run(i);
      inFlight--;
    };
    expect(await whileHeld(null, [1, 2, 3], 2, counted)).toEqual([]);
    expect(most).toBe(2);
    const again = await b.acquire();
    expect(await whileHeld(again, [4, 5], 1, run)).toEqual([]);
    expect(done).toEqual([1, 2, 3, 4, 5]);
    again();
  });
});
