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

/**
 * `items` in order, each with its full-size decode (the teacher's view) or why it has none. Items may
 * come as a stream (pages of the stored index): each is pulled up to `depth` ahead with its read
 * already started, so reads overlap as they do over an array.
 */
export function decodeAhead(
  reader: ImageBytes,
  items: readonly DatasetItem[] | AsyncIterable<DatasetItem>,
  depth: number,
  decode: DecodeFn,
  partnerOf?: (item: DatasetItem) => Promise<DatasetItem | undefined>,
): AsyncGenerator<DecodedItem, void, undefined> {
  if (Symbol.asyncIterator in items)
    return settled(prefetch(started(reader, items, decode, partnerOf), depth));
  const list = items;
  function* reads(): Generator<() => Promise<DecodedItem>> {
    for (const item of list)
      yield async () => ({
        item,
        decoded: await readImage(reader, item, undefined, decode),
        partner: await readPartner(reader, item, decode, partnerOf),
      });
  }
  return prefetch(reads(), depth);
}

interface StartedItem {
  item: DatasetItem;
  decoded: Promise<DecodedItem['decoded']>;
  partner: Promise<DecodedItem['partner']>;
}

/** Label-time mixing: the partner image read beside the image. */
async function readPartner(
  reader: ImageBytes,
  item: DatasetItem,
  decode: DecodeFn,
  partnerOf?: (item: DatasetItem) => Promise<DatasetItem | undefined>,
): Promise<DecodedItem['partner']> {
  const p = await partnerOf?.(item);
  return p && { item: p, decoded: await readImage(reader, p, undefined, decode) };
}

async function* started(
  reader: ImageBytes,
  items: AsyncIterable<DatasetItem>,
  decode: DecodeFn,
  partnerOf?: (item: DatasetItem) => Promise<DatasetItem | undefined>,
): AsyncGenerator<StartedItem, void, undefined> {
  for await (const item of items) {
    const decoded = readImage(reader, item, undefined, decode);
    decoded.catch(() => undefined); // awaited in order by settled()
    const partner = readPartner(reader, item, decode, partnerOf);
    partner.catch(() => undefined);
    yield { item, decoded, partner };
  }
}

async function* settled(ahead: AsyncGenerator<StartedItem>): AsyncGenerator<DecodedItem, void, undefined> {
  for await (const s of ahead) yield { item: s.item, decoded: await s.decoded, partner: await s.partner };
}
