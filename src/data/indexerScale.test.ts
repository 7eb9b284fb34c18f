import { describe, expect, it } from 'vitest';
import type { IndexedUnit, IndexWalkState } from '../core/indexWalk';
import { FsaSource } from './fsaSource';
import { indexDataset } from './indexer';
import { FakeFs } from './testing/fakeFsa';
import { JPEG_BYTES, runIndex } from './testing/run';
import type { DataSource, SourceEntry } from './source';

describe('indexing a 10,000-file tree', () => {
  it('holds one folder listing at a time and streams items out in batches', async () => {
    const CLASSES = 40;
    const PER = 250;
    const fs = new FakeFs();
    for (let c = 0; c < CLASSES; c++)
      for (let i = 0; i < PER; i++) fs.add(`train/c${c}/img${i}.jpg`, JPEG_BYTES);
    let handedOut = 0;
    let maxOutstanding = 0;
    fs.onYield = (s) => {
      maxOutstanding = Math.max(maxOutstanding, s.entriesYielded - handedOut);
    };
    const BATCH = 256;
    const progress: number[] = [];
    const batches: number[] = [];
    const idx = await indexDataset(new FsaSource(fs.handle()), {
      splitSeed: 0,
      valFraction: 0,
      batchSize: BATCH,
      onItems: async (items) => {
        handedOut += items.length;
        batches.push(items.length);
        await new Promise((r) => setTimeout(r, 0)); // a store that takes its time
      },
      onProgress: (p) => progress.push(p.classesDone),
    });
    expect(idx.counts.train).toBe(CLASSES * PER);
    expect(fs.stats.peakOpenListings).toBe(1);
    // Entries listed but not yet handed to the store: at most one class folder + the class-folder
    // names of train/ + one pending batch + one getFile chunk; far below the 10,000 files.
    expect(maxOutstanding).toBeLessThanOrEqual(PER + CLASSES + 1 + BATCH + 32);
    // A class folder's items are flushed when it is done (the walk cursor moves per folder).
    expect(Math.max(...batches)).toBeLessThanOrEqual(BATCH);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(CLASSES * PER);
    expect(progress[progress.length - 1]).toBe(CLASSES);
    expect(fs.stats.getFileCalls).toBe(CLASSES * PER);
  });

  it('reuses the runIndex helper for a bare tree of the same size', async () => {
    const fs = new FakeFs();
    for (let c = 0; c < 10; c++) for (let i = 0; i < 1000; i++) fs.add(`k${c}/${i}.png`, JPEG_BYTES);
    const { idx } = await runIndex(new FsaSource(fs.handle()), { valFraction: 0.1 });
    expect(idx.counts.train + idx.counts.val).toBe(10_000);
    expect(fs.stats.peakOpenListings).toBe(1);
  });
});

/** 1000 class folders x 1000 files, generated as listed: the source itself holds nothing. */
class MillionSource implements DataSource {
  readonly kind = 'memory' as const;
  readonly name = 'million';
  listed = 0;
  classListings = 0;

  constructor(
    readonly classes = 1000,
    readonly perClass = 1000,
  ) {}

  async *list(dir: readonly string[]): AsyncIterable<SourceEntry> {
    if (dir.length === 0) {
      this.listed++;
      yield { name: 'train', kind: 'directory' };
      return;
    }
    if (dir.length === 1) {
      for (let c = 0; c < this.classes; c++) {
        this.listed++;
        yield { name: `c${String(c).padStart(4, '0')}`, kind: 'directory' };
      }
      return;
    }
    this.classListings++;
    for (let i = 0; i < this.perClass; i++) {
      this.listed++;
      yield { name: `${i}.jpg`, kind: 'file', size: 100 + i, modified: 1 };
    }
  }

  async open(): Promise<Blob> {
    throw new Error('indexing must not read image bytes');
  }
}

describe('indexing a million-file tree', () => {
  it('holds one folder at a time, writes bounded chunks, and resumes after a cancel without re-listing', async () => {
    const src = new MillionSource();
    const TOTAL = src.classes * src.perClass;
    const BATCH = 1000;
    let handedOut = 0;
    let peakHeld = 0;
    let maxBatch = 0;
    let nextIndex = 0;
    const units: IndexedUnit[] = [];
    let state: IndexWalkState | null = null;
    const ctrl = new AbortController();
    const opts = {
      splitSeed: 0,
      valFraction: 0,
      batchSize: BATCH,
      onItems: (items: { index: number }[]) => {
        // Dense, in order, each index once: nothing lost or repeated across the cancel.
        expect(items[0].index).toBe(nextIndex);
        nextIndex += items.length;
        handedOut += items.length;
        maxBatch = Math.max(maxBatch, items.length);
        peakHeld = Math.max(peakHeld, src.listed - handedOut);
      },
      onUnitDone: (u: IndexedUnit, s: IndexWalkState) => {
        units.push(u);
        state = s;
        if (units.length === 300) ctrl.abort();
      },
    };
    await expect(indexDataset(src, { ...opts, signal: ctrl.signal })).rejects.toThrow();
    expect(units).toHaveLength(300);
    expect(src.classListings).toBe(300);
    const s = state as unknown as IndexWalkState;
    expect(s.counts.train).toBe(300 * src.perClass);
    // Items written past the cursor would be overwritten on resume: the cursor is exact here.
    expect(nextIndex).toBe(s.counts.train);

    const idx = await indexDataset(src, { ...opts, resume: { ...s, done: units.map((u) => u.path) } });
    expect(idx.counts.train).toBe(TOTAL);
    expect(nextIndex).toBe(TOTAL);
    expect(units).toHaveLength(src.classes);
    // The resumed run listed only the 700 class folders left.
    expect(src.classListings).toBe(src.classes);
    expect(maxBatch).toBe(BATCH);
    // Entries held at once: one class folder listing + the class names + one pending batch.
    expect(peakHeld).toBeLessThanOrEqual(src.perClass + src.classes + 1 + BATCH);
    expect(units[999].ranges).toEqual([{ split: 'train', start: 999_000, end: 1_000_000 }]);
    expect(new Set(units.map((u) => u.digest)).size).toBe(src.classes);
  }, 120_000);
});
