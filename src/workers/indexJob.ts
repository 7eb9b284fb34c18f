/**
 * Indexing a dataset (no image bytes read): walk the source, store items in chunks, then the dataset
 * record with its classes, counts and skip report. The record is written last, so a reload mid-index
 * leaves no half dataset visible (its orphan items are swept at startup).
 */
import { indexDataset } from '../data/indexer';
import { deleteDataset, openStudioDb, putDataset, putDatasetItems, type Dataset } from '../store';
import type { ProgressFn } from './api';
import {
  EMBEDDED_PREFIX,
  loadImagenetClasses,
  openSource,
  registerSessionFiles,
  type SourceSpec,
} from './datasets';
import { ProgressReporter } from './progress';

/** What to index: the source the Data view picked. */
export type IndexSourceSpec = SourceSpec;

/** `dataset.extra.classCounts`: images per class index (as a string key) and split. */
export type ClassCounts = Record<string, { train: number; val: number }>;

export interface IndexJobSpec {
  datasetId: string;
  name?: string;
  source: IndexSourceSpec;
  splitSeed?: number;
  valFraction?: number;
}

const sourceKind: Record<SourceSpec['kind'], Dataset['source']> = {
  embedded: 'embedded',
  files: 'files',
  handle: 'folder',
};

export async function runIndex(
  spec: IndexJobSpec,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<Dataset> {
  const db = await openStudioDb();
  const source = await openSource(spec.source);
  const kind = sourceKind[spec.source.kind];
  const handleId = spec.source.kind === 'handle' ? spec.source.handleId : undefined;
  if (spec.source.kind === 'files') registerSessionFiles(spec.datasetId, spec.source.files);
  const progress = new ProgressReporter(onProgress);
  // Re-indexing replaces the old items wholesale.
  await deleteDataset(db, spec.datasetId);
  const imagenetClasses = await loadImagenetClasses().catch(() => undefined);
  // Items per class and split, tallied as the chunks go by, so the Data view never scans the index.
  const classCounts: ClassCounts = {};
  const index = await indexDataset(source, {
    splitSeed: spec.splitSeed ?? 0,
    valFraction: spec.valFraction ?? 0.1,
    imagenetClasses,
    signal,
    onItems: async (items) => {
      const split = items[0].split;
      for (const it of items) (classCounts[it.classIndex] ??= { train: 0, val: 0 })[it.split]++;
      await putDatasetItems(
        db,
        spec.datasetId,
        split,
        items.map(({ index, path, classIndex, bytes, shard, offset }) => ({
          index,
          path,
          classIndex,
          bytes,
          shard,
          offset,
        })),
      );
    },
    onProgress: (p) =>
      progress.update({
        phase: 'indexing',
        done: p.classesDone,
        total: Math.max(p.classesTotal, p.classesDone),
        message: `${p.filesSeen.toLocaleString()} files`,
      }),
  });
  if (signal.aborted) throw new Error('indexing cancelled');
  const now = Date.now();
  const dataset: Dataset = {
    id: spec.datasetId,
    name: spec.name ?? source.name,
    source: kind,
    layout: index.layout,
    numClasses: index.numClasses,
    classes: index.classes,
    counts: index.counts,
    skipped: index.skipped,
    createdAt: now,
    updatedAt: now,
    handleId,
    extra: { skippedTotal: index.skippedTotal, embedded: spec.source.kind === 'embedded', classCounts },
  };
  await putDataset(db, dataset);
  progress.update({ phase: 'indexed', done: 1, total: 1 }, true);
  return dataset;
}

export function embeddedDatasetId(manifestId: string): string {
  return `${EMBEDDED_PREFIX}${manifestId}`;
}
