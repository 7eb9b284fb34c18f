import { describe, expect, it } from 'vitest';
import type { Dataset, DatasetIndexing, IndexRunStats } from '../store';
import { interruptedIndex, markedRuns } from './indexOrphans';

const run = (over: Partial<IndexRunStats> = {}): IndexRunStats => ({
  filesListed: 10,
  unitsWalked: 2,
  unitsSkipped: 0,
  cancelled: false,
  ...over,
});
const ds = (runs: IndexRunStats[] | null, source: Dataset['source'] = 'folder') => ({
  source,
  indexing: runs === null ? undefined : ({ runs } as unknown as DatasetIndexing),
});

describe('interrupted folder index', () => {
  it('is an incomplete folder index whose last run neither was cancelled nor failed, lock free', () => {
    expect(interruptedIndex(ds([run()]), false)).toBe(true);
    // Cut by a crash before its first cursor save: no run recorded yet.
    expect(interruptedIndex(ds([]), false)).toBe(true);
    expect(interruptedIndex(ds([run({ cancelled: true }), run()]), false)).toBe(true);
  });

  it('is not one while running, cancelled, failed, complete, or fed by picked files', () => {
    expect(interruptedIndex(ds([run()]), true)).toBe(false);
    expect(interruptedIndex(ds([run({ cancelled: true })]), false)).toBe(false);
    expect(interruptedIndex(ds([run({ error: 'permission lost' })]), false)).toBe(false);
    expect(interruptedIndex(ds(null), false)).toBe(false);
    expect(interruptedIndex(ds([run()], 'files'), false)).toBe(false);
  });

  it('marks the last run once, so the next start does not find it again', () => {
    const runs = [run({ cancelled: true }), run()];
    const marked = markedRuns(runs, 'interrupted');
    expect(marked).toEqual([runs[0], { ...runs[1], error: 'interrupted' }]);
    expect(interruptedIndex(ds(marked), false)).toBe(false);
    expect(markedRuns([], 'interrupted')).toEqual([
      { filesListed: 0, unitsWalked: 0, unitsSkipped: 0, cancelled: false, error: 'interrupted' },
    ]);
    // A resume adds a fresh run: that one is interrupted again if a crash cuts it.
    expect(interruptedIndex(ds([...marked, run()]), false)).toBe(true);
  });
});
