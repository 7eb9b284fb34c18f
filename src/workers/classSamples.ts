/**
 * The Data view's thumbnails of one class: the first images of that class in index order, found by
 * paging through the stored index and stopping once there are enough, so a class of an ImageNet-size
 * index never makes the worker load the whole split.
 */
import { getDatasetItems, type Dataset, type Split, type StudioDb } from '../store';
import { ITEM_PAGE } from './datasets';

export async function classSampleIndices(
  db: StudioDb,
  dataset: Pick<Dataset, 'id' | 'counts'>,
  split: Split,
  classIndex: number,
  n: number,
  page = ITEM_PAGE,
): Promise<number[]> {
  const out: number[] = [];
  const total = dataset.counts[split];
  for (let lo = 0; lo < total && out.length < n; lo += page) {
    for (const it of await getDatasetItems(db, dataset.id, split, lo, Math.min(total, lo + page)))
      if (it.classIndex === classIndex && out.length < n) out.push(it.index);
  }
  return out;
}
