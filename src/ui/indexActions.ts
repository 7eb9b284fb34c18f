/**
 * UI side of the resumable index and the re-open check: both run as the dataset's index job in the
 * teacher worker (one at a time per dataset), with progress mirrored into the job store like a
 * first index.
 */
import * as Comlink from 'comlink';
import { getHandle, listDatasets, openStudioDb, type Dataset } from '../store';
import { jobId, type JobProgress } from '../workers/api';
import { claimJob, releaseJob } from './jobLocks';
import { jobStore } from './jobStore';
import type { Studio } from './studioTypes';

async function tracked<T>(
  datasetId: string,
  phase: string,
  call: (p: (p: JobProgress) => void) => Promise<T>,
): Promise<T> {
  jobStore.update((s) => ({ ...s, indexing: { ...s.indexing, [datasetId]: { phase, done: 0, total: 1 } } }));
  // An index (not a check) is this tab's job: a reload or close leaves it for Resume, a crash resumes it.
  if (phase === 'indexing') await claimJob('index', datasetId);
  try {
    return await call(
      Comlink.proxy((p: JobProgress) =>
        jobStore.update((s) => ({ ...s, indexing: { ...s.indexing, [datasetId]: p } }), true),
      ),
    );
  } finally {
    if (phase === 'indexing') await releaseJob('index', datasetId);
    jobStore.update((s) => ({ ...s, indexing: { ...s.indexing, [datasetId]: null } }));
    jobStore.bumpStore();
  }
}

/** Continues a cancelled or interrupted index after its last completed class folder or shard. */
export function resumeIndexing(studio: Studio, datasetId: string): Promise<unknown> {
  return tracked(datasetId, 'indexing', (p) => studio.teacher.api.resumeIndex(datasetId, p));
}

/** Lists the dataset's folder again and applies what was added, removed or changed. */
export function checkForChanges(studio: Studio, datasetId: string): Promise<unknown> {
  return tracked(datasetId, 'checking', (p) => studio.teacher.api.checkDataset(datasetId, p));
}

/** Stops the dataset's running index or check at its next unit; what is done stays, resumable. */
export function cancelIndexing(studio: Studio, datasetId: string): void {
  void studio.teacher.api.cancel(jobId.index(datasetId));
}

/** The dataset already indexed from this very folder (same entry on disk), if any. */
export async function datasetOfFolder(handle: FileSystemDirectoryHandle): Promise<Dataset | undefined> {
  const db = await openStudioDb();
  for (const d of await listDatasets(db)) {
    if (d.source !== 'folder' || !d.handleId) continue;
    const rec = await getHandle(db, d.handleId);
    const h = rec?.handle as FileSystemDirectoryHandle | undefined;
    if (h && typeof h.isSameEntry === 'function' && (await h.isSameEntry(handle).catch(() => false)))
      return d;
  }
  return undefined;
}

/**
 * Re-opening a folder that is already a dataset: an incomplete index resumes, a complete one is
 * checked for changes; a brand-new folder is left to the caller (undefined).
 */
export async function reopenFolder(
  studio: Studio,
  handle: FileSystemDirectoryHandle,
): Promise<string | undefined> {
  const known = await datasetOfFolder(handle);
  // An index made before units existed has nothing to check against: index it afresh.
  if (!known || (!known.indexing && !known.units?.length)) return undefined;
  if (known.indexing) await resumeIndexing(studio, known.id);
  else await checkForChanges(studio, known.id);
  return known.id;
}
