// Label sets and their per-image label records. The invariant this module guards:
// labelSet.imagesDone / bytes always equal the count / byte sum of its stored records, because
// both are only ever changed in the same transaction as the records.
import type { StudioDb } from './db';
import { StoreError, guard, notFound } from './errors';
import type { LabelSet } from './schema';
import { abortTx, deleteRangeInChunks, prefixRange, spanRange } from './tx';

export interface LabelRecordInput {
  imageIndex: number;
  record: Uint8Array;
}

/** Fields a caller may change on a label set. The counters are owned by putLabelRecords. */
export type LabelSetPatch = Partial<
  Omit<LabelSet, 'id' | 'datasetId' | 'imagesDone' | 'bytes' | 'createdAt'>
>;

/**
 * Creates or replaces a label set's metadata. If the set already exists its imagesDone/bytes are
 * kept (a caller's stale copy must not desync them from the records); a new set starts at 0.
 */
export function putLabelSet(db: StudioDb, labelSet: LabelSet): Promise<LabelSet> {
  return guard('save label set', async () => {
    const tx = db.transaction('labelSets', 'readwrite');
    const existing = await tx.store.get(labelSet.id);
    const next: LabelSet = {
      ...labelSet,
      imagesDone: existing?.imagesDone ?? 0,
      bytes: existing?.bytes ?? 0,
    };
    await Promise.all([tx.store.put(next), tx.done]);
    return next;
  });
}

/** Read-modify-write of a label set in one transaction (status, error, name, ...). */
export function patchLabelSet(db: StudioDb, id: string, patch: LabelSetPatch): Promise<LabelSet> {
  return guard('update label set', async () => {
    const tx = db.transaction('labelSets', 'readwrite');
    const existing = await tx.store.get(id);
    if (!existing) {
      await abortTx(tx, []);
      throw notFound('label set', id);
    }
    const next: LabelSet = { ...existing, ...patch, updatedAt: patch.updatedAt ?? Date.now() };
    await Promise.all([tx.store.put(next), tx.done]);
    return next;
  });
}

export function getLabelSet(db: StudioDb, id: string): Promise<LabelSet | undefined> {
  return guard('read label set', () => db.get('labelSets', id));
}

/** Label sets (of one dataset if given), oldest first. */
export function listLabelSets(db: StudioDb, datasetId?: string): Promise<LabelSet[]> {
  return guard('list label sets', async () => {
    const all =
      datasetId === undefined
        ? await db.getAll('labelSets')
        : await db.getAllFromIndex('labelSets', 'byDataset', datasetId);
    return all.sort((a, b) => a.createdAt - b.createdAt);
  });
}

/** Deletes the set row first (atomic, UI-visible), then its records in chunks. */
export function deleteLabelSet(db: StudioDb, id: string): Promise<void> {
  return guard('delete label set', async () => {
    await db.delete('labelSets', id);
    await deleteRangeInChunks(db, 'labels', prefixRange([id]));
  });
}

/**
 * Stores one batch of records and updates the set's imagesDone/bytes (and `patch`, e.g.
 * status 'done' with the last batch) in ONE transaction over labels + labelSets. The counters are
 * derived inside the transaction (new index: +1; overwritten record: byte difference), so they
 * can't disagree with the records, even when a resumed job rewrites images. All or nothing: any
 * failure aborts the whole batch. Throws StoreError 'notFound' if the set doesn't exist.
 * Returns the updated set.
 */
export function putLabelRecords(
  db: StudioDb,
  labelSetId: string,
  records: readonly LabelRecordInput[],
  patch: LabelSetPatch = {},
): Promise<LabelSet> {
  return guard('save label records', async () => {
    // Last write wins for duplicate indices within a batch, exactly once in the counters.
    const batch = new Map<number, Uint8Array>();
    for (const { imageIndex, record } of records) {
      if (!Number.isInteger(imageIndex) || imageIndex < 0) {
        throw new StoreError('unknown', `invalid imageIndex ${imageIndex} for label set ${labelSetId}`);
      }
      if (!(record instanceof Uint8Array)) {
        throw new StoreError('unknown', `label record for image ${imageIndex} is not a Uint8Array`);
      }
      batch.set(imageIndex, record);
    }
    const tx = db.transaction(['labels', 'labelSets'], 'readwrite');
    const labels = tx.objectStore('labels');
    const sets = tx.objectStore('labelSets');
    const pending: Promise<unknown>[] = [];
    try {
      const set = await sets.get(labelSetId);
      if (!set) throw notFound('label set', labelSetId);
      const indices = [...batch.keys()];
      const previous = await Promise.all(indices.map((i) => labels.get([labelSetId, i])));
      let added = 0;
      let byteDelta = 0;
      indices.forEach((imageIndex, n) => {
        const record = batch.get(imageIndex) as Uint8Array;
        const old = previous[n];
        added += old ? 0 : 1;
        byteDelta += record.byteLength - (old ? old.record.byteLength : 0);
        pending.push(labels.put({ labelSetId, imageIndex, record }));
      });
      const next: LabelSet = {
        ...set,
        ...patch,
        imagesDone: set.imagesDone + added,
        bytes: set.bytes + byteDelta,
        updatedAt: patch.updatedAt ?? Date.now(),
      };
      pending.push(sets.put(next));
      await Promise.all([...pending, tx.done]);
      return next;
    } catch (e) {
      await abortTx(tx, pending);
      throw e;
    }
  });
}

/**
 * Drops the records of images that changed or vanished on disk (a re-open check), with the set's
 * counters in the same transaction; a finished set becomes paused with `why`, so resuming it labels
 * the changed images again. Returns how many records were dropped.
 */
export function dropLabelRecords(
  db: StudioDb,
  labelSetId: string,
  indices: readonly number[],
  why: string,
): Promise<number> {
  return guard('drop label records', async () => {
    const tx = db.transaction(['labels', 'labelSets'], 'readwrite');
    const labels = tx.objectStore('labels');
    const sets = tx.objectStore('labelSets');
    const pending: Promise<unknown>[] = [];
    try {
      const set = await sets.get(labelSetId);
      if (!set) throw notFound('label set', labelSetId);
      const old = await Promise.all(indices.map((i) => labels.get([labelSetId, i])));
      let dropped = 0;
      let bytes = 0;
      indices.forEach((i, n) => {
        const rec = old[n];
        if (!rec) return;
        dropped++;
        bytes += rec.record.byteLength;
        pending.push(labels.delete([labelSetId, i]));
      });
      if (dropped > 0) {
        const finished = set.status === 'done';
        pending.push(
          sets.put({
            ...set,
            imagesDone: set.imagesDone - dropped,
            bytes: set.bytes - bytes,
            ...(finished ? { status: 'paused' as const, error: why } : {}),
            updatedAt: Date.now(),
          }),
        );
      }
      await Promise.all([...pending, tx.done]);
      return dropped;
    } catch (e) {
      await abortTx(tx, pending);
      throw e;
    }
  });
}

/** Records with start <= imageIndex < end, as imageIndex -> bytes (one getAll). */
export function getLabelRecords(
  db: StudioDb,
  labelSetId: string,
  start: number,
  end: number,
): Promise<Map<number, Uint8Array>> {
  return guard('read label records', async () => {
    const range = spanRange([labelSetId], start, end);
    const rows = range ? await db.getAll('labels', range) : [];
    return new Map(rows.map((row) => [row.imageIndex, row.record]));
  });
}

export function getLabelRecord(
  db: StudioDb,
  labelSetId: string,
  imageIndex: number,
): Promise<Uint8Array | undefined> {
  return guard('read label record', async () => (await db.get('labels', [labelSetId, imageIndex]))?.record);
}

/**
 * The records of some images (any order) in one read transaction: a training step reads its images'
 * records together instead of paying one transaction each. Missing records come back undefined.
 */
export function getLabelRecordsAt(
  db: StudioDb,
  labelSetId: string,
  imageIndices: readonly number[],
): Promise<(Uint8Array | undefined)[]> {
  return guard('read label records', async () => {
    const store = db.transaction('labels').store;
    const rows = await Promise.all(imageIndices.map((i) => store.get([labelSetId, i])));
    return rows.map((row) => row?.record);
  });
}

/** Image indices that already have a record, ascending (keys only: cheap; used to resume). */
export function listDoneImageIndices(db: StudioDb, labelSetId: string): Promise<number[]> {
  return guard('list labelled images', async () => {
    const keys = await db.getAllKeys('labels', prefixRange([labelSetId]));
    return keys.map((key) => key[1]);
  });
}

/**
 * Up to `limit` records with imageIndex > `after`, ascending: an export pages through a set with
 * `after` = the last index of the previous page (-1 to start), never holding the whole set.
 */
export function getLabelRecordPage(
  db: StudioDb,
  labelSetId: string,
  after: number,
  limit: number,
): Promise<LabelRecordInput[]> {
  return guard('read label records', async () => {
    const range = IDBKeyRange.bound([labelSetId, after], [labelSetId, []], true, false);
    const rows = await db.getAll('labels', range, limit);
    return rows.map((row) => ({ imageIndex: row.imageIndex, record: row.record }));
  });
}

/** Up to `limit` image indices > `after` that have a record, ascending (keys only): one page of them. */
export function listDoneImageIndicesPage(
  db: StudioDb,
  labelSetId: string,
  after: number,
  limit: number,
): Promise<number[]> {
  return guard('list labelled images', async () => {
    const range = IDBKeyRange.bound([labelSetId, after], [labelSetId, []], true, false);
    return (await db.getAllKeys('labels', range, limit)).map((key) => key[1]);
  });
}

/** Image indices in [start, end) that already have a record, ascending: a resume checks page by page. */
export function listDoneImageIndicesIn(
  db: StudioDb,
  labelSetId: string,
  start: number,
  end: number,
): Promise<number[]> {
  return guard('list labelled images', async () => {
    const range = spanRange([labelSetId], start, end);
    const keys = range ? await db.getAllKeys('labels', range) : [];
    return keys.map((key) => key[1]);
  });
}

/**
 * Whether each of some ascending image indices has a record: keys only, one range read (under twice as
 * many keys as indices) when they are dense, one key lookup each (in one transaction) when sparse.
 */
export function hasLabelRecords(
  db: StudioDb,
  labelSetId: string,
  indices: readonly number[],
): Promise<boolean[]> {
  return guard('list labelled images', async () => {
    if (indices.length === 0) return [];
    const first = indices[0];
    const last = indices[indices.length - 1];
    if (last - first < 2 * indices.length) {
      const range = spanRange([labelSetId], first, last + 1);
      const done = new Set((range ? await db.getAllKeys('labels', range) : []).map((key) => key[1]));
      return indices.map((i) => done.has(i));
    }
    const store = db.transaction('labels').store;
    return (await Promise.all(indices.map((i) => store.getKey([labelSetId, i])))).map((k) => k !== undefined);
  });
}

/** Stored bytes of a label set's records (O(1): the counter kept by putLabelRecords). */
export function labelSetBytes(db: StudioDb, labelSetId: string): Promise<number> {
  return guard('read label set size', async () => {
    const set = await db.get('labelSets', labelSetId);
    if (!set) throw notFound('label set', labelSetId);
    return set.bytes;
  });
}
