// Cleanup of rows whose parent is gone. Deletes remove the parent row first and the bulk rows
// in later chunks, so a reload mid-delete can leave orphans; call sweepOrphans() at startup
// (not while an import/generation is writing rows for a parent it hasn't saved yet).
import type { IDBPDatabase } from 'idb';
import type { StudioDb } from './db';
import { guard } from './errors';
import { deleteRangeInChunks, prefixRange } from './tx';

export interface SweepResult {
  datasetItems: number;
  labels: number;
  checkpoints: number;
}

/** Distinct first key components of a compound-key store, found by jumping the key cursor. */
async function parentIds(db: StudioDb, store: 'datasetItems' | 'labels' | 'checkpoints'): Promise<string[]> {
  const tx = (db as unknown as IDBPDatabase).transaction(store);
  const ids: string[] = [];
  let cursor = await tx.store.openKeyCursor();
  while (cursor) {
    const id = (cursor.key as IDBValidKey[])[0] as string;
    ids.push(id);
    // [id, []] sorts after every key of this parent, so this skips straight to the next one.
    cursor = await cursor.continue([id, []]);
  }
  await tx.done;
  return ids;
}

export function sweepOrphans(db: StudioDb): Promise<SweepResult> {
  return guard('clean up storage', async () => {
    const plans = [
      ['datasetItems', 'datasets'],
      ['labels', 'labelSets'],
      ['checkpoints', 'runs'],
    ] as const;
    const result: SweepResult = { datasetItems: 0, labels: 0, checkpoints: 0 };
    for (const [child, parent] of plans) {
      const live = new Set(await db.getAllKeys(parent));
      for (const id of await parentIds(db, child)) {
        if (!live.has(id)) result[child] += await deleteRangeInChunks(db, child, prefixRange([id]));
      }
    }
    return result;
  });
}
