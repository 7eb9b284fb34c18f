/**
 * What a generation job still has to label, streamed from the stored index page by page: each page's
 * items through the set's subset, minus those that already have a record (one key read per page). No
 * list of ids or done-set grows with the dataset, so a resume at image 1,000,000 costs what one at 10 does.
 * Images whose file a re-open check found gone are left out and counted.
 */
import { subsetSize } from '../core/labelPlan';
import { listDoneImageIndicesIn, type DatasetItem, type LabelSet, type StudioDb } from '../store';
import type { DatasetReader } from './datasets';
import { subsetFilter } from './subset';

/** Fewer images labelled in one go than this say too little about the rate to keep it. */
export const RATE_MIN_IMAGES = 8;

export interface GenerationRate {
  cropsPerSec: number;
  imagesPerSec: number;
  numCrops: number;
  images: number;
  at: number;
}

export function measuredRate(images: number, numCrops: number, seconds: number): GenerationRate {
  const s = Math.max(seconds, 1e-3);
  return { cropsPerSec: (images * numCrops) / s, imagesPerSec: images / s, numCrops, images, at: Date.now() };
}

export class LabelTodo {
  /** Items the subset keeps, counted as the pages go by (all of them once `finished`). */
  kept = 0;
  /** Items passed over because a re-open check found their file gone (never read). */
  gone = 0;
  finished = false;

  constructor(
    private readonly db: StudioDb,
    private readonly reader: Pick<DatasetReader, 'itemPages'>,
    private readonly set: Pick<LabelSet, 'id' | 'settings' | 'numClasses'>,
  ) {}

  /** The images the set will cover, before the walk has counted them (exact without a subset). */
  expected(trainImages: number): number {
    return subsetSize(trainImages, this.set.numClasses, this.set.settings.subset).images;
  }

  async *items(): AsyncGenerator<DatasetItem, void, undefined> {
    const keep = subsetFilter(this.set.settings.subset, this.set.settings.seed);
    for await (const page of this.reader.itemPages('train')) {
      const lo = page[0].index;
      const hi = page[page.length - 1].index + 1;
      const done = new Set(await listDoneImageIndicesIn(this.db, this.set.id, lo, hi));
      for (const item of page) {
        if (!keep(item)) continue;
        if (item.gone) {
          this.gone++;
          continue;
        }
        this.kept++;
        if (!done.has(item.index)) yield item;
      }
    }
    this.finished = true;
  }
}
