/**
 * UI side of "Copy into studio storage" (workers/packJob.ts): the copy runs as the dataset's pack job
 * in the teacher worker, its progress mirrored into the job store. The trainer worker's handles on an
 * older copy are closed first, since a copy being rewritten or removed cannot be open elsewhere.
 */
import * as Comlink from 'comlink';
import { jobId, type JobProgress } from '../workers/api';
import { getDataset, openStudioDb, putDatasetPack, type DatasetPack } from '../store';
import { diedMessage, regrantFolder, unlessWorkerDies, WorkerDiedError } from './actions';
import { announceJobChange, claimJob, releaseJob } from './jobLocks';
import { jobStore } from './jobStore';
import type { Studio } from './studioTypes';

function setPacking(datasetId: string, p: JobProgress | null): void {
  jobStore.update((s) => ({ ...s, packing: { ...s.packing, [datasetId]: p } }));
}

/**
 * Starts (or resumes from its last commit) the dataset's copy; resolves when it stops. From a click,
 * the folder's read grant is renewed first (the worker that reads it can only query it). A teacher
 * worker that dies mid-copy leaves the copy paused with a message, and a fresh worker takes over.
 */
export async function packDataset(studio: Studio, datasetId: string): Promise<void> {
  await regrantFolder(datasetId);
  setPacking(datasetId, { phase: 'packing', done: 0, total: 1 });
  await claimJob('pack', datasetId);
  try {
    await studio.trainer.api.releasePack(datasetId);
    await unlessWorkerDies(
      'pack',
      datasetId,
      studio.teacher.api.packDataset(
        datasetId,
        Comlink.proxy((p: JobProgress) => setPacking(datasetId, p)),
      ),
    );
  } catch (e) {
    if (!(e instanceof WorkerDiedError)) throw e;
    await pauseCopy(datasetId, diedMessage('teacher', 'resume the copy to go on from its last commit'));
    void studio.current().restartTeacher();
    throw new Error(diedMessage('teacher', 'resume the copy to go on from its last commit'), { cause: e });
  } finally {
    await releaseJob('pack', datasetId);
    setPacking(datasetId, null);
    jobStore.bumpStore();
    announceJobChange();
  }
}

/** Marks a copy whose job is gone as paused with why: what was committed stays, resumable. */
export async function pauseCopy(datasetId: string, error: string): Promise<DatasetPack | undefined> {
  const db = await openStudioDb();
  const pack = (await getDataset(db, datasetId))?.pack;
  if (!pack || pack.state === 'complete') return pack;
  const paused: DatasetPack = { ...pack, state: 'paused', error, updatedAt: Date.now() };
  await putDatasetPack(db, datasetId, paused);
  return paused;
}

/** Stops the copy at its next image; what was committed stays, resumable. */
export function cancelPack(studio: Studio, datasetId: string): void {
  void studio.teacher.api.cancel(jobId.pack(datasetId));
}

/** Deletes the copy's files and its record (the dataset reads its folder again). */
export async function removeCopy(studio: Studio, datasetId: string): Promise<void> {
  await studio.trainer.api.releasePack(datasetId);
  await studio.teacher.api.removePack(datasetId);
  jobStore.bumpStore();
}
