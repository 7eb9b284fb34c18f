/**
 * Benchmark and e2e helper (bench:pack, e2e/data-pack.spec.ts): one pass over a split's images through the jobs' one read path,
 * DatasetReader.blob (the studio copy when the dataset has a complete one, else its folder), each
 * Blob's bytes read as a decoder would. Nothing is decoded: the bench measures what reading keeps.
 */
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

export async function readPass(datasetId: string, split: 'train' | 'val'): Promise<ReadPass> {
  const t0 = performance.now();
  const reader = await DatasetReader.open(datasetId, { splits: [] });
  let images = 0;
  let missing = 0;
  let bytes = 0;
  for await (const page of reader.itemPages(split)) {
    // 16 reads in flight, as the decode-ahead keeps a few images ahead of the model.
    for (let i = 0; i < page.length; i += 16) {
      const sizes = await Promise.all(
        page.slice(i, i + 16).map(async (item) => {
          try {
            return (await (await reader.blob(item)).arrayBuffer()).byteLength;
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
