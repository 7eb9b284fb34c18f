// Datasets and their image index (datasetItems). Items live in their own store, keyed
// [datasetId, split, index], so a 1.28M-image index can be written in chunks and read by range.
import { liveCount } from '../core/goneItems';
import type { StudioDb } from './db';
import { guard } from './errors';
import type { Dataset, DatasetItem, DatasetPack, Split } from './schema';
import { CHUNK, abortTx, deleteRangeInChunks, prefixRange, spanRange } from './tx';

export type DatasetItemInput = Omit<DatasetItem, 'datasetId' | 'split'>;

export interface PutItemsOptions {
  /** Items per transaction (default 5000). */
  chunkSize?: number;
  /** Called after each committed chunk with the number of items written so far. */
  onProgress?: (written: number) => void;
}

export function putDataset(db: StudioDb, dataset: Dataset): Promise<void> {
  return guard('save dataset', async () => {
    await db.put('datasets', dataset);
  });
}

/**
 * Sets (or with undefined removes) the dataset's pack record alone, read and written in one
 * transaction, so a copy job never overwrites what a re-open check stored meanwhile. False when the
 * dataset is gone.
 */
export function putDatasetPack(db: StudioDb, id: string, pack: DatasetPack | undefined): Promise<boolean> {
  return guard('save dataset copy', async () => {
    const tx = db.transaction('datasets', 'readwrite');
    const d = await tx.store.get(id);
    if (!d) {
      await tx.done;
      return false;
    }
    if (pack) d.pack = pack;
    else delete d.pack;
    await Promise.all([tx.store.put(d), tx.done]);
    return true;
  });
}

export function getDataset(db: StudioDb, id: string): Promise<Dataset | undefined> {
  return guard('read dataset', () => db.get('datasets', id));
}

/** All datasets, oldest first. */
export function listDatasets(db: StudioDb): Promise<Dataset[]> {
  return guard('list datasets', async () => {
    const all = await db.getAll('datasets');
    return all.sort((a, b) => a.createdAt - b.createdAt);
  });
}

/**
 * Deletes a dataset, its items, and its label sets with their records. The metadata rows go first
 * in one transaction (so the UI never shows a half-deleted dataset); the bulk rows follow in
 * chunks. If that is interrupted, sweepOrphans() removes the leftovers.
 */
export function deleteDataset(db: StudioDb, id: string): Promise<void> {
  return guard('delete dataset', async () => {
    const tx = db.transaction(['datasets', 'labelSets'], 'readwrite');
    const setIds = await tx.objectStore('labelSets').index('byDataset').getAllKeys(id);
    await Promise.all([
      tx.objectStore('datasets').delete(id),
      ...setIds.map((setId) => tx.objectStore('labelSets').delete(setId)),
      tx.done,
    ]);
    await deleteRangeInChunks(db, 'datasetItems', prefixRange([id]));
    for (const setId of setIds) await deleteRangeInChunks(db, 'labels', prefixRange([setId]));
  });
}

/**
 * Writes items of one split, `chunkSize` per transaction. Each chunk is atomic; an interrupted
 * import leaves whole chunks, and re-running it overwrites by key (idempotent).
 */
export function putDatasetItems(
  db: StudioDb,
  datasetId: string,
  split: Split,
  items: readonly DatasetItemInput[],
  options: PutItemsOptions = {},
): Promise<void> {
  const chunk = Math.max(1, Math.floor(options.chunkSize ?? CHUNK));
  return guard('save dataset index', async () => {
    for (let lo = 0; lo < items.length; lo += chunk) {
      const tx = db.transaction('datasetItems', 'readwrite');
      const pending: Promise<unknown>[] = [];
      try {
        for (const item of items.slice(lo, lo + chunk)) {
          pending.push(tx.store.put({ ...item, datasetId, split }));
        }
        await Promise.all([...pending, tx.done]);
      } catch (e) {
        await abortTx(tx, pending);
        throw e;
      }
      options.onProgress?.(Math.min(items.length, lo + chunk));
    }
  });
}

/**
 * Deletes the items of one split from `start` on: a resumed index drops what the cancelled run
 * wrote past its cursor before walking on (one chunk per transaction).
 */
export function deleteDatasetItemsFrom(
  db: StudioDb,
  datasetId: string,
  split: Split,
  start: number,
): Promise<number> {
  return guard('trim dataset index', () =>
    deleteRangeInChunks(
      db,
      'datasetItems',
      IDBKeyRange.bound([datasetId, split, start], [datasetId, split, []]),
    ),
  );
}

/** True for a dataset whose index is complete (not being built, not a cancelled build). */
export function isIndexed(d: Pick<Dataset, 'indexing'>): boolean {
  return d.indexing === undefined;
}

/** Images of a split that still have a file (the index keeps the places of those gone). */
export function liveImages(d: Pick<Dataset, 'counts' | 'gone'>, split: Split): number {
  return liveCount(d.counts[split], d.gone?.[split]);
}

/** Items with start <= index < end, in index order. */
export function getDatasetItems(
  db: StudioDb,
  datasetId: string,
  split: Split,
  start: number,
  end: number,
): Promise<DatasetItem[]> {
  return guard('read dataset index', async () => {
    const range = spanRange([datasetId, split], start, end);
    return range ? db.getAll('datasetItems', range) : [];
  });
}

/**
 * Items at some indices (any order) in one read transaction: a training step over an index too large
 * to hold reads just its images' entries. An index with no item throws (the dataset changed under the run).
 */
export function getDatasetItemsAt(
  db: StudioDb,
  datasetId: string,
  split: Split,
  indices: readonly number[],
): Promise<DatasetItem[]> {
  return guard('read dataset index', async () => {
    const store = db.transaction('datasetItems').store;
    const rows = await Promise.all(indices.map((i) => store.get([datasetId, split, i])));
    return rows.map((row, n) => {
      if (!row)
        throw new Error(
          `image ${indices[n]} of the ${split} split is gone from the index: re-index the dataset`,
        );
      return row;
    });
  });
}

/**
 * Items at ascending indices, undefined where the index has none: one range read (under twice as
 * many rows as indices) when they are dense, one point read each (in one transaction) when they are
 * sparse, so a page of a subset never reads the stretch of index between its images.
 */
export function getDatasetItemsFor(
  db: StudioDb,
  datasetId: string,
  split: Split,
  indices: readonly number[],
): Promise<(DatasetItem | undefined)[]> {
  return guard('read dataset index', async () => {
    if (indices.length === 0) return [];
    const first = indices[0];
    const last = indices[indices.length - 1];
    if (last - first < 2 * indices.length) {
      const range = spanRange([datasetId, split], first, last + 1);
      const byIndex = new Map(
        (range ? await db.getAll('datasetItems', range) : []).map((it) => [it.index, it]),
      );
      return indices.map((i) => byIndex.get(i));
    }
    const store = db.transaction('datasetItems').store;
    return Promise.all(indices.map((i) => store.get([datasetId, split, i])));
  });
}

/** Number of items of one split, or of both splits when `split` is omitted. */
export function countDatasetItems(db: StudioDb, datasetId: string, split?: Split): Promise<number> {
  return guard('count dataset index', () =>
    split
      ? db.countFromIndex('datasetItems', 'byDataset', [datasetId, split])
      : db.count('datasetItems', prefixRange([datasetId])),
  );
}
