/**
 * Indexing a dataset (no image bytes read): walk the source unit by unit (class folder, shard), store
 * items in chunks (one transaction each), and keep a walk cursor in the dataset record while it is
 * incomplete, so a cancel, a reload or a crash resumes after the last unit done instead of from the
 * start. Other views list only complete datasets (store isIndexed); the Data view offers the resume.
 */
import { indexDataset, type IndexProgress } from '../data/indexer';
import type { DataSource } from '../data/source';
import type { DatasetItem } from '../data/types';
import {
  deleteDataset,
  deleteDatasetItemsFrom,
  getDataset,
  openStudioDb,
  putDataset,
  putDatasetItems,
  type Dataset,
  type DatasetIndexing,
  type DatasetItemInput,
  type IndexedUnit,
  type IndexRunStats,
  type StudioDb,
} from '../store';
import type { IndexJobSpec, JobProgress, ProgressFn } from './api';
import {
  EMBEDDED_PREFIX,
  loadImagenetClasses,
  openSource,
  registerSessionFiles,
  sourceSpecOf,
  type SourceSpec,
} from './datasets';
import { removePack } from './packJob';
import { ProgressReporter } from './progress';
import { requireTestBuild } from './testBuild';
import { holdWait } from './holdWait';

/** `dataset.extra.classCounts`: images per class index (as a string key) and split. */
export type ClassCounts = Record<string, { train: number; val: number }>;

const sourceKind: Record<SourceSpec['kind'], Dataset['source']> = {
  embedded: 'embedded',
  files: 'files',
  handle: 'folder',
};

/** The cursor is written at most this often (and always at a cancel): a crash redoes at most this much. */
const CURSOR_EVERY_MS = 500;

/** Test builds: the next walk stops after this many units until it is cancelled (a sure "midway"). */
let holdAfterUnits: number | null = null;

export function holdIndexAfter(units: number | null): void {
  requireTestBuild('holdIndexAfter');
  holdAfterUnits = units;
}

export async function runIndex(
  spec: IndexJobSpec,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<Dataset> {
  const db = await openStudioDb();
  const source = await openSource(spec.source);
  if (spec.source.kind === 'files') registerSessionFiles(spec.datasetId, spec.source.files);
  // Re-indexing replaces the old items wholesale, and the studio copy made from them.
  await removePack(spec.datasetId);
  await deleteDataset(db, spec.datasetId);
  const now = Date.now();
  const record: Dataset = {
    id: spec.datasetId,
    name: spec.name ?? source.name,
    source: sourceKind[spec.source.kind],
    layout: 'imagefolder',
    numClasses: 0,
    classes: [],
    counts: { train: 0, val: 0 },
    skipped: [],
    createdAt: now,
    updatedAt: now,
    handleId: spec.source.kind === 'handle' ? spec.source.handleId : undefined,
    extra: { embedded: spec.source.kind === 'embedded' },
    indexing: {
      splitSeed: spec.splitSeed ?? 0,
      valFraction: spec.valFraction ?? 0.1,
      counts: { train: 0, val: 0 },
      filesSeen: 0,
      skipped: [],
      skippedTotal: 0,
      classIds: [],
      classesDone: 0,
      classesTotal: 0,
      classCounts: {},
      runs: [],
    },
    units: [],
  };
  await putDataset(db, record);
  return walk(db, record, source, signal, onProgress);
}

/** Continues a cancelled or interrupted index from its cursor; units done are not listed again. */
export async function resumeIndex(
  datasetId: string,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<Dataset> {
  const db = await openStudioDb();
  const record = await getDataset(db, datasetId);
  if (!record) throw new Error(`dataset ${datasetId} is gone: open the folder again`);
  if (!record.indexing) return record;
  const source = await openSource(sourceSpecOf(record));
  // Items the cancelled run wrote past its cursor belong to a unit it did not finish.
  for (const split of ['train', 'val'] as const)
    await deleteDatasetItemsFrom(db, datasetId, split, record.indexing.counts[split]);
  return walk(db, record, source, signal, onProgress);
}

async function walk(
  db: StudioDb,
  record: Dataset,
  source: DataSource,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<Dataset> {
  const cur: DatasetIndexing = structuredClone(record.indexing!);
  const units: IndexedUnit[] = record.units?.slice() ?? [];
  const run: IndexRunStats = {
    filesListed: 0,
    unitsWalked: 0,
    unitsSkipped: units.length,
    cancelled: false,
  };
  cur.runs = [...cur.runs, run];
  const startSeen = cur.filesSeen;
  const progress = new ProgressReporter(onProgress);
  // Items of the unit being walked, tallied per class; merged into the cursor when the unit is done.
  let pending: ClassCounts = {};
  let lastSaved = performance.now();
  const save = async (force: boolean) => {
    const t = performance.now();
    if (!force && t - lastSaved < CURSOR_EVERY_MS) return;
    lastSaved = t;
    await putDataset(db, { ...record, indexing: cur, units, updatedAt: Date.now() });
  };
  const imagenetClasses = await loadImagenetClasses().catch(() => undefined);
  try {
    const index = await indexDataset(source, {
      splitSeed: cur.splitSeed,
      valFraction: cur.valFraction,
      imagenetClasses,
      signal,
      resume: units.length > 0 ? { ...cur, done: units.map((u) => u.path) } : undefined,
      onItems: async (items) => {
        for (const it of items) (pending[it.classIndex] ??= { train: 0, val: 0 })[it.split]++;
        await putDatasetItems(db, record.id, items[0].split, items.map(storedItem));
      },
      onUnitDone: async (unit, state) => {
        units.push(unit);
        for (const [k, c] of Object.entries(pending)) {
          const to = (cur.classCounts[k] ??= { train: 0, val: 0 });
          to.train += c.train;
          to.val += c.val;
        }
        pending = {};
        Object.assign(cur, state);
        cur.classesDone++;
        run.unitsWalked++;
        run.filesListed = state.filesSeen - startSeen;
        if (holdAfterUnits !== null && run.unitsWalked >= holdAfterUnits) {
          holdAfterUnits = null;
          await save(true);
          await holdWait(signal).done;
        }
        await save(false);
      },
      onProgress: (p) => {
        cur.classesTotal = p.classesTotal;
        run.filesListed = Math.max(run.filesListed, p.filesSeen - startSeen);
        progress.update(indexingProgress(p));
      },
    });
    signal.throwIfAborted();
    const done: Dataset = {
      ...record,
      layout: index.layout,
      numClasses: index.numClasses,
      classes: index.classes,
      counts: index.counts,
      skipped: index.skipped,
      updatedAt: Date.now(),
      extra: {
        ...record.extra,
        skippedTotal: index.skippedTotal,
        classCounts: cur.classCounts,
        indexRuns: cur.runs,
        split: { seed: cur.splitSeed, valFraction: cur.valFraction },
      },
      units,
    };
    delete done.indexing;
    await putDataset(db, done);
    progress.update({ phase: 'indexed', done: 1, total: 1 }, true);
    return done;
  } catch (e) {
    // The cursor as of the last unit done: a resume walks on from there.
    run.cancelled = signal.aborted;
    if (!signal.aborted) run.error = e instanceof Error ? e.message : String(e);
    // A root that is no dataset at all leaves nothing to resume; a walk cut short keeps its cursor.
    if (!signal.aborted && units.length === 0) await deleteDataset(db, record.id).catch(() => undefined);
    else await save(true).catch(() => undefined);
    if (signal.aborted) throw new Error('indexing cancelled: resume it in the Data view', { cause: e });
    throw e;
  }
}

/**
 * The number of files is known only when the walk ends: until then the total is estimated from the
 * files per unit seen so far times the units listed, and the message says it is an estimate.
 */
export function indexingProgress(p: IndexProgress): Omit<JobProgress, 'rate' | 'etaSeconds'> {
  const total = Math.max(p.classesTotal, p.classesDone);
  const estimate =
    p.classesDone > 0 && p.classesDone < total
      ? Math.max(p.filesSeen, Math.round((p.filesSeen / p.classesDone) * total))
      : p.filesSeen;
  const approx = p.classesDone < total;
  return {
    phase: 'indexing',
    done: p.filesSeen,
    total: Math.max(1, estimate),
    message: approx
      ? `${p.classesDone.toLocaleString()} of ${total.toLocaleString()} folders/shards; the file total is estimated from the folders seen so far`
      : `${p.filesSeen.toLocaleString()} files`,
  };
}

export function embeddedDatasetId(manifestId: string): string {
  return `${EMBEDDED_PREFIX}${manifestId}`;
}

const STORED_FIELDS = [
  'index',
  'path',
  'classIndex',
  'bytes',
  'shard',
  'offset',
  'headerAt',
  'dataAt',
  'modified',
] as const;

/**
 * The fields of an indexed item the store keeps, absent ones left out rather than stored as
 * undefined (a named field costs bytes in every one of up to 1.28M records).
 */
export function storedItem(item: DatasetItem): DatasetItemInput {
  const out: Record<string, unknown> = {};
  for (const k of STORED_FIELDS) if (item[k] !== undefined) out[k] = item[k];
  return out as unknown as DatasetItemInput;
}
