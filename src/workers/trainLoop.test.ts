import { describe, expect, it } from 'vitest';
import type { StepInput } from './batches';
import type { StepOutcome } from './session';
import { PREFETCH_STEPS } from './session';
import { trainSteps, type StepSource } from './trainLoop';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A session whose steps load and read back on timers; it records what happened in which order. */
function fakeSession(opts: { failLoadAt?: number; emptyAt?: number } = {}) {
  const log: string[] = [];
  const disposed: number[] = [];
  let loading = 0;
  let peakLoading = 0;
  let loaded = 0;
  let stepped = 0;
  let maxAhead = 0;
  const losses = new Map<number, { resolve: (v: number) => void; settled: boolean }>();
  const source: StepSource = {
    async load(g) {
      loading++;
      peakLoading = Math.max(peakLoading, loading);
      await tick(1);
      loading--;
      loaded++;
      maxAhead = Math.max(maxAhead, loaded - stepped);
      if (g === opts.failLoadAt) throw new Error(`load ${g} failed`);
      const pixels = { dispose: () => disposed.push(g) };
      return {
        images: g === opts.emptyAt ? [] : [{ pixels }],
        skipped: [],
        decodeMs: 0,
      } as unknown as StepInput;
    },
    step(g, input, wantSample) {
      stepped++;
      log.push(`step ${g}${wantSample ? ' +sample' : ''}`);
      if (input.images.length === 0) return null;
      for (const im of input.images) im.pixels.dispose();
      const loss = new Promise<number>((resolve) => {
        losses.set(g, { resolve, settled: false });
      });
      // Each loss arrives a little later, like an async readback.
      void tick(2).then(() => {
        const l = losses.get(g)!;
        l.settled = true;
        l.resolve(g / 10);
      });
      return { loss, trainTop1: Promise.resolve(0), crops: 4, images: 1 } as unknown as StepOutcome;
    },
  };
  return {
    source,
    log,
    disposed,
    losses,
    stats: () => ({ peakLoading, maxAhead, loaded }),
  };
}

describe('trainSteps', () => {
  it('steps in order, loads at most PREFETCH_STEPS ahead, reads the loss one step behind', async () => {
    const f = fakeSession();
    const seen: { g: number; loss: number }[] = [];
    for await (const st of trainSteps(f.source, 2, 12, { wantSample: () => true })) {
      seen.push({ g: st.g, loss: st.loss });
      // The step just submitted may still be reading back, the one before it has been awaited.
      if (st.g > 2) expect(f.losses.get(st.g - 1)!.settled).toBe(true);
      await tick(3); // a slow consumer: loads must wait, not pile up
    }
    expect(seen.map((s) => s.g)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(seen[0].loss).toBeNaN();
    expect(seen.slice(1).map((s) => s.loss)).toEqual([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]);
    expect(f.log[0]).toBe('step 2 +sample');
    expect(f.stats().maxAhead).toBeLessThanOrEqual(PREFETCH_STEPS);
    expect(f.stats().peakLoading).toBe(PREFETCH_STEPS);
    expect(f.losses.get(11)!.settled).toBe(true); // the last readback finished before the loop ended
  });

  it('on a break, frees the steps loaded ahead and never loads past them', async () => {
    const f = fakeSession();
    for await (const st of trainSteps(f.source, 0, 1000)) if (st.g === 3) break;
    await tick(10);
    const { loaded } = f.stats();
    expect(loaded).toBeLessThanOrEqual(4 + PREFETCH_STEPS);
    // Every loaded step was either trained (disposed by step) or discarded: nothing held on.
    expect(f.disposed.sort((a, b) => a - b)).toEqual(Array.from({ length: loaded }, (_, i) => i));
  });

  it('a failing load or beforeStep fails the loop at its step, freeing what it holds', async () => {
    const f = fakeSession({ failLoadAt: 2 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const st of trainSteps(f.source, 0, 10)) seen.push(st.g);
      })(),
    ).rejects.toThrow('load 2 failed');
    expect(seen).toEqual([0, 1]);

    const h = fakeSession();
    await expect(
      (async () => {
        const failAtOne = (g: number): void => {
          if (g === 1) throw new Error('fault');
        };
        const opts = { beforeStep: failAtOne };
        for await (const st of trainSteps(h.source, 0, 10, opts)) void st;
      })(),
    ).rejects.toThrow('fault');
    await tick(10);
    expect(h.log).toEqual(['step 0']);
    const { loaded } = h.stats();
    expect(h.disposed.sort((a, b) => a - b)).toEqual(Array.from({ length: loaded }, (_, i) => i));
  });

  it('a step with no usable image yields no outcome and keeps the previous loss pending', async () => {
    const f = fakeSession({ emptyAt: 1 });
    const seen: { g: number; out: boolean; pending: boolean }[] = [];
    for await (const st of trainSteps(f.source, 0, 3))
      seen.push({ g: st.g, out: st.out !== null, pending: st.pending !== null });
    expect(seen).toEqual([
      { g: 0, out: true, pending: true },
      { g: 1, out: false, pending: true },
      { g: 2, out: true, pending: true },
    ]);
  });
});
