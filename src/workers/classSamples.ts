/**
 * The Data view's thumbnails of one class: images of that class found by paging through the stored
 * index and stopping once there are enough, so a class of an ImageNet-size index never makes the worker
 * load the whole split. Paging starts where the class should begin when the index is grouped by class.
 */
import { getDatasetItems, type Dataset, type Split, type StudioDb } from '../store';
import { ITEM_PAGE } from './datasets';

/**
 * Where class `classIndex` begins in a split indexed one class folder at a time: the counts of the
 * classes before it (the index job's `extra.classCounts`), or 0 when the dataset has no counts.
 */
export function classStartHint(dataset: Pick<Dataset, 'extra'>, split: Split, classIndex: number): number {
  const counts = dataset.extra?.classCounts as Record<string, Partial<Record<Split, number>>> | undefined;
  if (!counts || typeof counts !== 'object') return 0;
  let start = 0;
  for (const [cls, n] of Object.entries(counts)) if (Number(cls) < classIndex) start += n[split] ?? 0;
  return start;
}

/** Up to n indices of class `classIndex` (ascending), from `start` on, then from the split's beginning. */
export async function classSampleIndices(
  db: StudioDb,
  dataset: Pick<Dataset, 'id' | 'counts'>,
  split: Split,
  classIndex: number,
  n: number,
  page = ITEM_PAGE,
  start = 0,
): Promise<number[]> {
  const out: number[] = [];
  const total = dataset.counts[split];
  const from = Math.min(Math.max(0, Math.floor(start)), total);
  for (const [lo0, hi] of [
    [from, total],
    [0, from],
  ]) {
    for (let lo = lo0; lo < hi && out.length < n; lo += page) {
      for (const it of await getDatasetItems(db, dataset.id, split, lo, Math.min(hi, lo + page)))
        if (it.classIndex === classIndex && !it.gone && out.length < n) out.push(it.index);
    }
  }
  return out.sort((a, b) => a - b);
}
