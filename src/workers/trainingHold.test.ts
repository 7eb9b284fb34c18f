import { describe, expect, it, vi } from 'vitest';

vi.mock('./testBuild', () => ({ requireTestBuild: () => undefined }));
const { holdTrainingAt, trainingHeldAt, trainingHold } = await import('./trainingHold');

/** A run of `steps` steps calling the hold after each, as train.ts does; returns the steps it got to. */
function run(
  steps: number,
  signal: AbortSignal,
  reports: number[],
): { at: () => number; done: Promise<void> } {
  let g = 0;
  const done = (async () => {
    while (g < steps) {
      g++;
      const step = g;
      await trainingHold(step, signal, () => {
        reports.push(step);
      });
    }
  })();
  return { at: () => g, done };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('training hold (test builds)', () => {
  it('without a hold a run goes straight through and reports nothing extra', async () => {
    holdTrainingAt(null);
    const reports: number[] = [];
    const r = run(10, new AbortController().signal, reports);
    await r.done;
    expect(r.at()).toBe(10);
    expect(reports).toEqual([]);
    expect(trainingHeldAt()).toBeNull();
  });

  it('waits at the hold step, reports there, and goes on to the next hold when moved', async () => {
    const reports: number[] = [];
    holdTrainingAt(4);
    const r = run(20, new AbortController().signal, reports);
    await tick();
    expect(r.at()).toBe(4);
    expect(trainingHeldAt()).toBe(4);
    expect(reports).toEqual([4]);
    // Moving the hold to the same step keeps it waiting; a later one lets it run to there.
    holdTrainingAt(4);
    await tick();
    expect(r.at()).toBe(4);
    holdTrainingAt(9);
    await tick();
    expect(r.at()).toBe(9);
    expect(trainingHeldAt()).toBe(9);
    expect(reports).toEqual([4, 9]);
    holdTrainingAt(null);
    await r.done;
    expect(r.at()).toBe(20);
    expect(trainingHeldAt()).toBeNull();
  });

  it('a pause releases a waiting run', async () => {
    holdTrainingAt(3);
    const ac = new AbortController();
    const r = run(10, ac.signal, []);
    await tick();
    expect(trainingHeldAt()).toBe(3);
    ac.abort();
    await tick();
    expect(trainingHeldAt()).toBeNull();
    // An aborted run is no longer held (train.ts breaks out of its loop on the abort).
    await r.done;
    holdTrainingAt(null);
  });
});
