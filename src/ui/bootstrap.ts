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
import { jobId, jobLockName } from '../workers/api';
import { indexDataset } from './actions';
import { loadManifest } from './embedded';
import type { Studio } from './studioTypes';

export const EMBEDDED_PREFIX = 'embedded:';

async function heldJobLocks(): Promise<Set<string>> {
  const q = await navigator.locks?.query?.();
  return new Set((q?.held ?? []).map((l) => l.name ?? '').filter(Boolean));
}

export async function markInterruptedJobs(): Promise<void> {
  const db = await openStudioDb();
  const held = await heldJobLocks();
  for (const set of await listLabelSets(db)) {
    if (set.status === 'running' && !held.has(jobLockName(jobId.generate(set.id)))) {
      await patchLabelSet(db, set.id, {
        status: 'paused',
        error: 'interrupted (page closed or reloaded): resume to continue',
      });
    }
  }
  for (const run of await listRuns(db)) {
    if (run.status === 'running' && !held.has(jobLockName(jobId.train(run.id)))) {
      await patchRun(db, run.id, {
        status: 'paused',
        error: 'interrupted (page closed or reloaded): resume from the last checkpoint',
      });
    }
  }
}

export async function bootstrap(studio: Studio): Promise<void> {
  await markInterruptedJobs();
  const db = await openStudioDb();
  if (!(await heldJobLocks()).size) await sweepOrphans(db);
  const manifest = await loadManifest();
  for (const ds of manifest.datasets) {
    const id = `${EMBEDDED_PREFIX}${ds.id}`;
    if (!(await getDataset(db, id))) {
      await indexDataset(studio, {
        datasetId: id,
        name: ds.name,
        source: { kind: 'embedded', manifestId: ds.id },
      });
    }
  }
}
