/**
 * Re-opening an indexed folder: the check of data/reopenCheck.ts (names-only listings, a sample of
 * sizes and dates), applied to the stored index.
 * Added images get new indices at the end of their split (no other index moves, so label records
 * stay valid); changed images keep their index with the new size/lastModified; removed ones stay
 * as items flagged `gone`. Label records of removed and changed images are dropped from every
 * label set of the dataset (a finished set becomes paused, so resuming it labels them again).
 */
import type { IndexedUnit } from '../core/indexWalk';
import { withGone } from '../core/goneItems';
import { isValByHash } from '../data/hash';
import { CHANGED_ON_DISK, checkUnits } from '../data/reopenCheck';
import {
  dropLabelRecords,
  getDataset,
  getDatasetItems,
  getDatasetItemsAt,
  listLabelSets,
  openStudioDb,
  putDataset,
  putDatasetItems,
  type Dataset,
  type DatasetCheck,
  type DatasetItem,
  type DatasetItemInput,
  type Split,
} from '../store';
import type { ProgressFn } from './api';
import { openSource, sourceSpecOf } from './datasets';
import { decodeProblemsOf } from './decodeReport';
import type { ClassCounts } from './indexJob';
import { ProgressReporter } from './progress';

/** Paths kept per list in the stored report; the counts stay exact. */
const LISTED = 1000;
/** Label records dropped per transaction. */
const DROP_CHUNK = 2000;

export async function runCheck(
  datasetId: string,
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<DatasetCheck> {
  const t0 = performance.now();
  const db = await openStudioDb();
  let record = await getDataset(db, datasetId);
  if (!record) throw new Error(`dataset ${datasetId} is gone`);
  if (record.indexing) throw new Error(`"${record.name}" is only partly indexed: resume its indexing first`);
  if (!record.units?.length)
    throw new Error(
      `"${record.name}" was indexed before re-open checks existed: forget it and open it again`,
    );
  const source = await openSource(sourceSpecOf(record));
  const split = (record.extra?.split as { seed: number; valFraction: number } | undefined) ?? {
    seed: 0,
    valFraction: 0.1,
  };
  const units = record.units.map((u) => ({ ...u, ranges: u.ranges.slice() }));
  const counts = { ...record.counts };
  let gone = { train: record.gone?.train ?? [], val: record.gone?.val ?? [] };
  const classCounts: ClassCounts = structuredClone((record.extra?.classCounts as ClassCounts) ?? {});
  const lists = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  const totals = { added: 0, removed: 0, changed: 0 };
  const note = (k: keyof typeof lists, path: string) => {
    totals[k]++;
    if (lists[k].length < LISTED) lists[k].push(path);
  };
  const dropTrain: number[] = [];
  // Files a job found changed on disk: their class folders are compared in full, then the skips go.
  const problems = decodeProblemsOf(record);
  const changedPaths = problems.filter((p) => p.reason.startsWith(CHANGED_ON_DISK)).map((p) => p.path);
  const suspects = new Set(
    units.filter((u) => changedPaths.some((p) => p.startsWith(`${u.path}/`))).map((u) => u.path),
  );
  const progress = new ProgressReporter(onProgress);
  const summary = await checkUnits(source, {
    units,
    signal,
    knownSkipped: new Set(record.skipped.map((s) => s.path).filter((p) => p.endsWith('/'))),
    readItemsAt: (s, indices) => getDatasetItemsAt(db, datasetId, s, indices),
    suspects,
    seed: Date.now() >>> 0,
    readItems: async (u) =>
      (
        await Promise.all(u.ranges.map((r) => getDatasetItems(db, datasetId, r.split, r.start, r.end)))
      ).flat(),
    onChanged: async (unit, diff, now) => {
      const writes: Record<Split, DatasetItemInput[]> = { train: [], val: [] };
      const lost: Record<Split, number[]> = { train: [], val: [] };
      const back: Record<Split, number[]> = { train: [], val: [] };
      const tally = (cls: number, s: Split, d: number) =>
        ((classCounts[cls] ??= { train: 0, val: 0 })[s] += d);
      for (const it of diff.removed) {
        note('removed', it.path);
        writes[it.split].push({ ...strip(it), gone: true });
        lost[it.split].push(it.index);
        tally(it.classIndex, it.split, -1);
        if (it.split === 'train') dropTrain.push(it.index);
      }
      for (const { item, now: f } of diff.changed) {
        note('changed', item.path);
        writes[item.split].push({ ...strip(item), bytes: f.bytes, modified: f.modified, gone: undefined });
        if (item.gone) tally(item.classIndex, item.split, +1);
        if (item.gone) back[item.split].push(item.index);
        if (item.split === 'train') dropTrain.push(item.index);
      }
      const start = { ...counts };
      for (const f of diff.added) {
        note('added', f.path);
        const s = splitOf(unit, f.path, split);
        const cls = unit.classIndex!;
        writes[s].push({
          index: counts[s]++,
          path: f.path,
          classIndex: cls,
          bytes: f.bytes,
          modified: f.modified,
        });
        tally(cls, s, +1);
      }
      for (const s of ['train', 'val'] as const) {
        // Appended at the end of the split: the unit gains one more range.
        if (counts[s] > start[s]) unit.ranges.push({ split: s, start: start[s], end: counts[s] });
        if (writes[s].length > 0) await putDatasetItems(db, datasetId, s, writes[s]);
      }
      gone = {
        train: withGone(gone.train, lost.train, back.train),
        val: withGone(gone.val, lost.val, back.val),
      };
      unit.digest = now.digest;
      unit.names = now.names;
      unit.files = now.files;
      // Saved per unit: an interrupted check never appends the same file twice.
      record = {
        ...record!,
        counts: { ...counts },
        gone,
        units,
        extra: { ...record!.extra, classCounts },
        updatedAt: Date.now(),
      };
      await putDataset(db, record);
    },
    onProgress: (p) =>
      progress.update({
        phase: 'checking',
        done: p.unitsDone,
        total: p.unitsTotal,
        message: `${p.filesListed.toLocaleString()} files listed`,
      }),
  });
  let dropped = 0;
  if (dropTrain.length > 0) {
    const why = `images changed or removed on disk since labelling: resume to label the changed ones again`;
    for (const set of await listLabelSets(db, datasetId))
      for (let i = 0; i < dropTrain.length; i += DROP_CHUNK)
        dropped += await dropLabelRecords(db, set.id, dropTrain.slice(i, i + DROP_CHUNK), why);
  }
  const report: DatasetCheck = {
    at: Date.now(),
    ms: Math.round(performance.now() - t0),
    ...summary,
    added: { count: totals.added, paths: lists.added },
    removed: { count: totals.removed, paths: lists.removed },
    changed: { count: totals.changed, paths: lists.changed },
    labelRecordsDropped: dropped,
  };
  // The units carry names digests filled in for an index made before them.
  const latest: Dataset = { ...record!, units, lastCheck: report, updatedAt: Date.now() };
  if (changedPaths.length > 0) {
    const kept = problems.filter((p) => !p.reason.startsWith(CHANGED_ON_DISK));
    latest.extra = { ...latest.extra, decodeProblems: kept };
  }
  await putDataset(db, latest);
  progress.update({ phase: 'checked', done: 1, total: 1 }, true);
  return report;
}

/** The stored fields of an item (what putDatasetItems takes). */
function strip(it: Omit<DatasetItem, 'datasetId'>): DatasetItemInput {
  const { split: _s, ...rest } = it as DatasetItem;
  delete (rest as Partial<DatasetItem>).datasetId;
  return rest;
}

function splitOf(unit: IndexedUnit, path: string, s: { seed: number; valFraction: number }): Split {
  if (unit.choose !== 'hash') return unit.choose;
  return isValByHash(s.seed, path, s.valFraction) ? 'val' : 'train';
}
