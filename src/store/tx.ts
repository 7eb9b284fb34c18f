// Key-range and transaction helpers shared by the accessors.
import type { IDBPDatabase } from 'idb';
import type { StudioDb } from './db';

/** Default rows per transaction for bulk writes/deletes: large enough to amortise the per-tx
 * cost, small enough that one tx doesn't hold hundreds of MB or block readers for long. */
export const CHUNK = 5000;

/**
 * All keys that start with `prefix`. An empty array sorts after every number, string and date
 * key, so [...prefix, []] bounds everything below the prefix.
 */
export function prefixRange(prefix: IDBValidKey[]): IDBKeyRange {
  return IDBKeyRange.bound(prefix, [...prefix, []]);
}

/** Keys [...prefix, i] for start <= i < end. */
export function spanRange(prefix: IDBValidKey[], start: number, end: number): IDBKeyRange | null {
  if (!(end > start)) return null;
  return IDBKeyRange.bound([...prefix, start], [...prefix, end], false, true);
}

type CompoundStore = 'datasetItems' | 'labels' | 'checkpoints';

/**
 * Deletes every key in `range` of `store`, `chunk` keys per transaction, so deleting a 1.28M-row
 * index neither builds one giant transaction nor freezes other readers. Returns rows deleted.
 */
export async function deleteRangeInChunks(
  db: StudioDb,
  store: CompoundStore,
  range: IDBKeyRange,
  chunk = CHUNK,
): Promise<number> {
  // The three stores differ only in key/value types, which this loop never inspects.
  const anyDb = db as unknown as IDBPDatabase;
  let deleted = 0;
  for (;;) {
    const tx = anyDb.transaction(store, 'readwrite');
    const keys = await tx.store.getAllKeys(range, chunk);
    if (keys.length > 0) {
      await tx.store.delete(IDBKeyRange.bound(keys[0], keys[keys.length - 1]));
    }
    await tx.done;
    deleted += keys.length;
    if (keys.length < chunk) return deleted;
  }
}

/**
 * Aborts a transaction after a failure and waits for every request issued in it to settle, so
 * the rejections of those requests are observed (no unhandled rejections) and the abort is
 * complete before the caller reports the error.
 */
export async function abortTx(tx: { abort(): void; done: Promise<void> }, pending: Promise<unknown>[]) {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted (e.g. a request error aborted it for us).
  }
  await Promise.allSettled([...pending, tx.done]);
}
