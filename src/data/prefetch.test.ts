import { describe, expect, it } from 'vitest';
import { prefetch } from './prefetch';

const tick = (ms = 1): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('prefetch over thunks', () => {
  it('keeps order, runs at most depth at once, and never more than depth ahead', async () => {
    let running = 0;
    let peak = 0;
    let started = 0;
    let consumed = 0;
    let maxAhead = 0;
    const thunks = Array.from({ length: 20 }, (_, i) => async () => {
      started++;
      running++;
      peak = Math.max(peak, running);
      await tick(i % 3);
      running--;
      return i;
    });
    const out: number[] = [];
    for await (const v of prefetch(thunks, 3)) {
      consumed++;
      maxAhead = Math.max(maxAhead, started - consumed);
      out.push(v);
      await tick(2); // slow consumer: the producers must wait, not pile up
    }
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(maxAhead).toBe(3);
  });

  it('surfaces an error at its position', async () => {
    const thunks = [async () => 1, async () => Promise.reject(new Error('boom')), async () => 3];
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of prefetch(thunks, 2)) got.push(v);
      })(),
    ).rejects.toThrow('boom');
    expect(got).toEqual([1]);
  });

  it('pulls a lazy iterable of thunks only as far as depth ahead', async () => {
    let created = 0;
    function* loads(): Generator<() => Promise<number>> {
      for (let i = 0; i < 1_000_000; i++) {
        created++;
        yield async () => i;
      }
    }
    const out: number[] = [];
    for await (const v of prefetch(loads(), 3)) {
      out.push(v);
      if (v === 4) break;
    }
    expect(out).toEqual([0, 1, 2, 3, 4]);
    expect(created).toBe(8); // the 5 handed out and 3 ahead, never the whole range
  });

  it('discards what was produced ahead when the consumer stops, fails or is aborted', async () => {
    const discarded: number[] = [];
    const thunks = (n: number) => Array.from({ length: n }, (_, i) => async () => i);
    for await (const v of prefetch(thunks(10), 3, { discard: (x) => discarded.push(x) })) if (v === 1) break;
    await tick(5);
    expect(discarded.sort()).toEqual([2, 3, 4]);

    discarded.length = 0;
    const failing = [async () => 0, async () => Promise.reject(new Error('boom')), async () => 2];
    await expect(
      (async () => {
        for await (const v of prefetch(failing, 3, { discard: (x) => discarded.push(x) })) void v;
      })(),
    ).rejects.toThrow('boom');
    await tick(5);
    expect(discarded).toEqual([2]);

    discarded.length = 0;
    const ac = new AbortController();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow = [async () => 0, () => gate.then(() => 1), async () => 2];
    const it = prefetch(slow, 3, { signal: ac.signal, discard: (x) => discarded.push(x) });
    expect((await it.next()).value).toBe(0);
    const pending = it.next();
    ac.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
    release();
    await tick(5);
    expect(discarded.sort()).toEqual([1, 2]);
  });

  it('rejects bad depth', () => {
    expect(() => prefetch([], 0)).toThrow(RangeError);
  });
});

describe('prefetch over an async iterable', () => {
  it('pulls ahead by at most depth and closes the source on early break', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    let closed = false;
    async function* src(): AsyncGenerator<number> {
      try {
        for (let i = 0; i < 100; i++) {
          await tick(0);
          produced++;
          yield i;
        }
      } finally {
        closed = true;
      }
    }
    const out: number[] = [];
    for await (const v of prefetch(src(), 4)) {
      consumed++;
      maxAhead = Math.max(maxAhead, produced - consumed);
      out.push(v);
      await tick(3);
      if (v === 9) break;
    }
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(maxAhead).toBeLessThanOrEqual(4);
    expect(maxAhead).toBeGreaterThanOrEqual(3); // it did prefetch
    await tick(20);
    expect(closed).toBe(true);
    expect(produced).toBeLessThanOrEqual(14);
  });

  it('discards items pulled ahead of an early break', async () => {
    const produced: number[] = [];
    async function* src(): AsyncGenerator<number> {
      for (let i = 0; i < 100; i++) {
        produced.push(i);
        yield i;
      }
    }
    const discarded: number[] = [];
    for await (const v of prefetch(src(), 3, { discard: (x) => discarded.push(x) })) if (v === 0) break;
    await tick(5);
    // Everything produced but not handed out (the source stops soon after the break) is discarded.
    expect(produced.length).toBeGreaterThan(1);
    expect(discarded).toEqual(produced.slice(1));
  });

  it('aborts a pending read with the signal reason', async () => {
    const ac = new AbortController();
    async function* never(): AsyncGenerator<number> {
      yield 1;
      await new Promise(() => {});
    }
    const it = prefetch(never(), 2, { signal: ac.signal });
    expect((await it.next()).value).toBe(1);
    const pending = it.next();
    ac.abort(new Error('cancelled'));
    await expect(pending).rejects.toThrow('cancelled');
  });
});
