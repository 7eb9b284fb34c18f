// Versioned schema upgrades. Runs inside idb's `upgrade` callback (the versionchange transaction):
// every await below must be an IDB request of that transaction, or the transaction auto-commits.
import type { IDBPDatabase, IDBPTransaction } from 'idb';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../core/recipe';
import {
  V1_DEFAULT_INPUT_SIZE,
  type Dataset,
  type DatasetItem,
  type LabelSet,
  type Run,
  type Split,
  type StoreName,
  type StudioSchema,
  type V1Dataset,
  type V1LabelRow,
  type V1LabelSet,
  type V1Run,
} from './schema';

type VersionTx = IDBPTransaction<StudioSchema, StoreName[], 'versionchange'>;
// Migration steps touch stores that are not in the current schema (e.g. the v1 labels store),
// so they work on the untyped views of the same connection.
type AnyDb = IDBPDatabase<unknown>;
type AnyTx = IDBPTransaction<unknown, string[], 'versionchange'>;

export async function upgradeStudioDb(db: IDBPDatabase<StudioSchema>, oldVersion: number, tx: VersionTx) {
  if (oldVersion < 1) {
    // Fresh profile: create the current schema directly rather than replaying history.
    createV2Stores(db);
    return;
  }
  if (oldVersion < 2) await migrateV1ToV2(db as unknown as AnyDb, tx as unknown as AnyTx);
  if (oldVersion < 3) await rebuildGoneLists(tx as unknown as AnyTx);
}

/** Index rows per read while rebuilding gone lists. */
const GONE_SCAN = 5000;

/**
 * v3: items a re-open check flagged gone before datasets kept gone lists (or before a later check
 * started its list from nothing) are missing from the list every reader skips by. Each checked
 * dataset's lists are rebuilt from its items' flags; a dataset never checked has no gone item.
 */
async function rebuildGoneLists(tx: AnyTx): Promise<void> {
  const datasets = tx.objectStore('datasets');
  const items = tx.objectStore('datasetItems');
  for (const d of (await datasets.getAll()) as Dataset[]) {
    if (!d.lastCheck) continue;
    const gone: Record<Split, number[]> = { train: [], val: [] };
    for (const split of ['train', 'val'] as const) {
      for (let from = 0; ;) {
        const range = IDBKeyRange.bound([d.id, split, from], [d.id, split, []]);
        const rows = (await items.getAll(range, GONE_SCAN)) as DatasetItem[];
        for (const it of rows) if (it.gone) gone[split].push(it.index);
        if (rows.length < GONE_SCAN) break;
        from = rows[rows.length - 1].index + 1;
      }
    }
    await datasets.put({ ...d, gone });
  }
}

function createV2Stores(db: IDBPDatabase<StudioSchema>): void {
  db.createObjectStore('datasets', { keyPath: 'id' });
  db.createObjectStore('labelSets', { keyPath: 'id' }).createIndex('byDataset', 'datasetId');
  db.createObjectStore('labels', { keyPath: ['labelSetId', 'imageIndex'] });
  db.createObjectStore('runs', { keyPath: 'id' });
  createV2OnlyStores(db as unknown as AnyDb);
}

function createDatasetItems(db: AnyDb): void {
  const items = db.createObjectStore('datasetItems', { keyPath: ['datasetId', 'split', 'index'] });
  items.createIndex('byDataset', ['datasetId', 'split']);
}

/** Stores that did not exist in v1 at all. */
function createV2OnlyStores(db: AnyDb): void {
  createDatasetItems(db);
  db.createObjectStore('checkpoints', { keyPath: ['runId', 'step'] }).createIndex('byRun', 'runId');
  db.createObjectStore('models', { keyPath: 'id' });
  db.createObjectStore('handles', { keyPath: 'id' });
  db.createObjectStore('jobs', { keyPath: 'id' });
}

/** Parses a v1 label key `${labelSetId}/${imageIndex}`; ids may themselves contain '/'. */
export function parseV1LabelKey(key: unknown): { labelSetId: string; imageIndex: number } | null {
  if (typeof key !== 'string') return null;
  const cut = key.lastIndexOf('/');
  if (cut <= 0) return null;
  const digits = key.slice(cut + 1);
  // Decimal digits only: Number('') is 0 and Number('1e3') is 1000, neither a v1 key.
  if (!/^\d+$/.test(digits)) return null;
  const imageIndex = Number(digits);
  if (!Number.isSafeInteger(imageIndex)) return null;
  return { labelSetId: key.slice(0, cut), imageIndex };
}

async function migrateV1ToV2(db: AnyDb, tx: AnyTx): Promise<void> {
  // createV2OnlyStores also creates datasetItems, which v1 lacked.
  createV2OnlyStores(db);
  tx.objectStore('labelSets').createIndex('byDataset', 'datasetId');

  const perSet = await moveV1Labels(db, tx);

  // Label sets: recount from the records actually stored; v1 wrote the counter in a separate
  // transaction, so after a reload it could disagree with the records (the bug v2 fixes).
  let setCursor = await tx.objectStore('labelSets').openCursor();
  while (setCursor) {
    const old = setCursor.value as V1LabelSet;
    const stats = perSet.get(old.id) ?? { count: 0, bytes: 0 };
    const next: LabelSet = {
      ...old,
      settings: { ...old.settings, inputSize: V1_DEFAULT_INPUT_SIZE },
      imagesDone: stats.count,
      bytes: stats.bytes,
      updatedAt: old.createdAt,
    };
    await setCursor.update(next);
    setCursor = await setCursor.continue();
  }

  // Datasets: the inline file list moves to datasetItems, numbered per split in stored order.
  const items = tx.objectStore('datasetItems');
  let dsCursor = await tx.objectStore('datasets').openCursor();
  while (dsCursor) {
    const { items: inline, ...old } = dsCursor.value as V1Dataset;
    const nextIndex: Record<Split, number> = { train: 0, val: 0 };
    for (const it of inline ?? []) {
      const row: DatasetItem = { datasetId: old.id, index: nextIndex[it.split]++, ...it };
      await items.put(row);
    }
    const next: Dataset = { ...old, layout: 'imagefolder', skipped: [], updatedAt: old.createdAt };
    await dsCursor.update(next);
    dsCursor = await dsCursor.continue();
  }

  let runCursor = await tx.objectStore('runs').openCursor();
  while (runCursor) {
    const old = runCursor.value as V1Run;
    const seed = typeof old.config.seed === 'number' ? old.config.seed : 0;
    const next: Run = { ...old, config: { ...v1TrainConfig(old), seed }, seed, updatedAt: old.createdAt };
    await runCursor.update(next);
    runCursor = await runCursor.continue();
  }
}

/**
 * A v1 run's free-form config as a TrainConfig: the current defaults, with each v1 field that names
 * one of its fields and has its type (v1 runs trained with whatever their config held; the rest is
 * what a resume needs to run at all).
 */
export function v1TrainConfig(
  old: Pick<V1Run, 'method' | 'datasetId' | 'labelSetId' | 'config'>,
): TrainConfig {
  const base: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    method: old.method,
    datasetId: old.datasetId,
    labelSetId: old.labelSetId,
  };
  const fields = new Map<string, unknown>(Object.entries(base));
  const kept = Object.entries(old.config).filter(
    ([k, v]) =>
      fields.has(k) &&
      typeof v === typeof fields.get(k) &&
      Array.isArray(v) === Array.isArray(fields.get(k)) &&
      !['method', 'datasetId', 'labelSetId'].includes(k),
  );
  return { ...base, ...Object.fromEntries(kept) };
}

/**
 * Moves v1 label rows (string keys) into the v2 `labels` store (compound key). A store's key
 * path can't change in place, so the old store is renamed, copied from and then dropped.
 * Returns per-label-set record counts and byte sums.
 */
async function moveV1Labels(db: AnyDb, tx: AnyTx): Promise<Map<string, { count: number; bytes: number }>> {
  tx.objectStore('labels').name = 'labelsV1';
  const target = db.createObjectStore('labels', { keyPath: ['labelSetId', 'imageIndex'] });
  const perSet = new Map<string, { count: number; bytes: number }>();
  let cursor = await tx.objectStore('labelsV1').openCursor();
  while (cursor) {
    const where = parseV1LabelKey(cursor.key);
    const value = cursor.value as V1LabelRow | undefined;
    // A row whose key can't be parsed can't be attributed to any label set: it is dropped.
    if (where && value?.record) {
      const src = value.record;
      const record = src instanceof Uint8Array ? src : new Uint8Array(src);
      await target.put({ ...where, record });
      const stats = perSet.get(where.labelSetId) ?? { count: 0, bytes: 0 };
      stats.count += 1;
      stats.bytes += record.byteLength;
      perSet.set(where.labelSetId, stats);
    }
    cursor = await cursor.continue();
  }
  db.deleteObjectStore('labelsV1');
  return perSet;
}
