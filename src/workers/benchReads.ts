/**
 * Benchmark and e2e helper (bench:pack, bench:shards, e2e/data-pack.spec.ts): one pass over a
 * split's images through the jobs' one read path, DatasetReader.read (the studio copy when the
 * dataset has a complete one, else its folder or shards), each image's bytes had as a decoder has them
 * (a folder's File read whole; the copy's and the shards' bytes are already in memory).
 * Nothing is decoded: the benches measure what reading keeps and costs.
 */
import { Rng } from '../core/rng';
import { imageInputBytes } from '../data/imageInput';
import type { DatasetItem } from '../store';
import { DatasetReader } from './datasets';
import { PackMissingError } from './packFiles';

export interface ReadPass {
  images: number;
  /** Images the studio copy does not hold (skipped when it was made). */
  missing: number;
  bytes: number;
  seconds: number;
  packed: boolean;
}

/** Forces a collection where the worker runs with --expose-gc (the bench's Chromium flag). */
function collect(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export interface ReadPassOptions {
  /** 'random': a seeded permutation of the split, as a training pass reads it (items held in memory). */
  order?: 'index' | 'random';
  seed?: number;
  /** Stop after this many reads. */
  limit?: number;
  /**
   * Read WebDataset items as an index made before members' places were recorded would (the shard
   * cache): the bench's before/after in one run.
   */
  withoutSpans?: boolean;
}

async function* pages(
  reader: DatasetReader,
  split: 'train' | 'val',
  opts: ReadPassOptions,
): AsyncGenerator<DatasetItem[]> {
  const strip = (items: DatasetItem[]) =>
    opts.withoutSpans ? items.map((it) => ({ ...it, headerAt: undefined, dataAt: undefined })) : items;
  let left = opts.limit ?? Infinity;
  if (opts.order !== 'random') {
    for await (const page of reader.itemPages(split)) {
      if (left <= 0) return;
      yield strip(page.slice(0, left));
      left -= page.length;
    }
    return;
  }
  const all: DatasetItem[] = [];
  for await (const page of reader.itemPages(split)) all.push(...page);
  const order = new Rng(opts.seed ?? 1).permutation(all.length);
  for (let lo = 0; lo < Math.min(all.length, left); lo += 2048)
    yield strip([...order.subarray(lo, Math.min(lo + 2048, left))].map((i) => all[i]));
}

export async function readPass(
  datasetId: string,
  split: 'train' | 'val',
  opts: ReadPassOptions = {},
): Promise<ReadPass> {
  const t0 = performance.now();
  const reader = await DatasetReader.open(datasetId, { splits: [] });
  let images = 0;
  let missing = 0;
  let bytes = 0;
  for await (const page of pages(reader, split, opts)) {
    // 16 reads in flight, as the decode-ahead keeps a few images ahead of the model.
    for (let i = 0; i < page.length; i += 16) {
      const sizes = await Promise.all(
        page.slice(i, i + 16).map(async (item) => {
          try {
            return (await imageInputBytes(await reader.read(item))).byteLength;
          } catch (e) {
            if (e instanceof PackMissingError) return -1;
            throw e;
          }
        }),
      );
      for (const s of sizes) {
        if (s < 0) missing++;
        else bytes += s;
      }
      images += sizes.length;
      if (images % 2048 < 16) collect();
    }
  }
  collect();
  return { images, missing, bytes, seconds: (performance.now() - t0) / 1000, packed: reader.packed };
}
