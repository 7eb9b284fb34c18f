/**
 * Generation's decode-ahead: the images still to label, read and decoded in order, a bounded number
 * ahead of the one being queued on the teacher, so file reads and decoding overlap its forwards.
 */
import type { DecodedPixels, DecodeFailure } from '../data/decode';
import { prefetch } from '../data/prefetch';
import type { DatasetItem } from '../store';
import { readImage, type DecodeFn, type ImageBytes } from './readImage';

/**
 * Images decoded ahead: two teacher batches' worth, so the reads for the next batch run while the
 * device works on this one (a small fixed depth starved large batches of many-crop images). Bounded:
 * each holds its RGBA.
 */
export function decodeAheadDepth(batchCrops: number, numCrops: number): number {
  return Math.max(8, Math.min(64, Math.ceil((2 * batchCrops) / Math.max(1, numCrops))));
}

export interface DecodedItem {
  item: DatasetItem;
  decoded: DecodedPixels | DecodeFailure;
  /** Label-time mixing: the partner image, read in the same queue. */
  partner?: { item: DatasetItem; decoded: DecodedPixels | DecodeFailure };
}

/** `items` in order, each with its full-size decode (the teacher's view) or why it has none. */
export function decodeAhead(
  reader: ImageBytes,
  items: readonly DatasetItem[],
  depth: number,
  decode: DecodeFn,
  partnerOf?: (item: DatasetItem) => DatasetItem,
): AsyncGenerator<DecodedItem, void, undefined> {
  const read = (item: DatasetItem) => readImage(reader, item, undefined, decode);
  function* reads(): Generator<() => Promise<DecodedItem>> {
    for (const item of items)
      yield async () => {
        const p = partnerOf?.(item);
        const [decoded, partner] = await Promise.all([read(item), p ? read(p) : undefined]);
        return { item, decoded, partner: p && partner ? { item: p, decoded: partner } : undefined };
      };
  }
  return prefetch(reads(), depth);
}
