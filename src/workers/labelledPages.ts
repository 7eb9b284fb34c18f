/**
 * The labelled images of a label set with their index entries, one page at a time in ascending image
 * order: what an export walks instead of loading the set's keys and the dataset's index whole.
 */
import { getDatasetItemsFor, listDoneImageIndicesPage, type DatasetItem, type StudioDb } from '../store';

/** Labelled images per page: one keys read and one index read each. */
export const LABELLED_PAGE = 1024;

export interface LabelledImage {
  index: number;
  /** Undefined when the dataset's index has no such image (it changed since the set was made). */
  item: DatasetItem | undefined;
}

export async function* labelledImagePages(
  db: StudioDb,
  labelSetId: string,
  datasetId: string,
  size = LABELLED_PAGE,
): AsyncGenerator<LabelledImage[], void, undefined> {
  let after = -1;
  for (;;) {
    const indices = await listDoneImageIndicesPage(db, labelSetId, after, size);
    if (indices.length === 0) return;
    const items = await getDatasetItemsFor(db, datasetId, 'train', indices);
    yield indices.map((index, n) => ({ index, item: items[n] }));
    after = indices[indices.length - 1];
  }
}
