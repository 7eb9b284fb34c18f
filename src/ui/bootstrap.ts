/**
 * Start-up chores: index the embedded datasets once (so they go through the same store path as a user's
 * folder), and mark jobs that a reload interrupted as paused so the user can resume them.
 */
import {
  getDataset,
  listLabelSets,
  listRuns,
  openStudioDb,
  patchLabelSet,
  patchRun,
  sweepOrphans,
} from '../store';
import { indexDataset } from './actions';
import { announceJobChange, heldJobLocks, jobLockName } from './jobLocks';
import { jobStore } from './jobStore';
import { loadManifest } from './embedded';
import type { Studio } from './studioTypes';

export const EMBEDDED_PREFIX = 'embedded:';

/** A job whose lock nobody held at start-up: whatever ran it (tab, browser, worker) is gone. */
const INTERRUPTED = 'interrupted (the tab or browser was closed, killed or reloaded mid-job)';

export async function markInterruptedJobs(): Promise<void> {
  const db = await openStudioDb();
  const held = await heldJobLocks();
  let marked = 0;
  for (const set of await listLabelSets(db)) {
    if (set.status === 'running' && !held.has(jobLockName('generate', set.id))) {
      await patchLabelSet(db, set.id, { status: 'paused', error: `${INTERRUPTED}: resume to continue` });
      marked++;
    }
  }
  for (const run of await listRuns(db)) {
    if (run.status === 'running' && !held.has(jobLockName('train', run.id))) {
      await patchRun(db, run.id, {
        status: 'paused',
        error: `${INTERRUPTED}: resume from the last checkpoint`,
      });
      marked++;
    }
  }
  // Views opened before this ran re-read, so none keeps showing the stale 'running'.
  if (marked > 0) {
    jobStore.bumpStore();
    announceJobChange();
  }
}

export async function bootstrap(studio: Studio): Promise<void> {
  await markInterruptedJobs();
  const db = await openStudioDb();
  if (!(await heldJobLocks()).size) await sweepOrphans(db);
  const manifest = await loadManifest();
  for (const ds of manifest.datasets) {
    const id = `${EMBEDDED_PREFIX}${ds.id}`;
    // A reload in the middle of indexing a small embedded set: index it again from the start.
    const have = await getDataset(db, id);
    if (!have || have.indexing) {
      await indexDataset(studio, {
        datasetId: id,
        name: ds.name,
        source: { kind: 'embedded', manifestId: ds.id },
      });
    }
  }
}
