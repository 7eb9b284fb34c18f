/**
 * Start-up chores: index the embedded datasets once (so they go through the same store path as a user's
 * folder), and recover jobs that a crash, kill or reload interrupted (interruptedJobs.ts).
 */
import { getDataset, openStudioDb, sweepOrphans } from '../store';
import { indexDataset } from './actions';
import { recoverInterruptedJobs } from './interruptedJobs';
import { heldJobLocks } from './jobLocks';
import { loadManifest } from './embedded';
import type { Studio } from './studioTypes';

export const EMBEDDED_PREFIX = 'embedded:';

export async function bootstrap(studio: Studio): Promise<void> {
  const db = await openStudioDb();
  // Between marking and resuming: once this tab's resumed jobs hold locks the sweep would be skipped.
  await recoverInterruptedJobs(studio, async () => {
    if ((await heldJobLocks()).size) return;
    await sweepOrphans(db);
    // Studio copies whose dataset is gone; a failure only leaves files for the next start.
    await studio.teacher.api.sweepPacks().catch(() => 0);
  });
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
