import { describe, expect, it } from 'vitest';
import { FsaSource } from './fsaSource';
import { indexDataset } from './indexer';
import { FakeFs } from './testing/fakeFsa';
import { JPEG_BYTES, runIndex } from './testing/run';

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
    expect(Math.max(...batches)).toBe(BATCH);
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
