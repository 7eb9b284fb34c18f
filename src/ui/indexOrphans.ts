/**
 * Folder indexes a crash or kill stopped mid-walk. The walk saves its cursor as it goes, so such an
 * index is incomplete with a last run that neither was cancelled nor failed, and nobody holds its
 * job lock; start-up marks it (so it is found once) and resumes it like an interrupted generation.
 */
import type { Dataset, IndexRunStats } from '../store';

export function interruptedIndex(d: Pick<Dataset, 'source' | 'indexing'>, lockHeld: boolean): boolean {
  // A file-input or drop index cannot resume after a reload: its files must be chosen again.
  if (!d.indexing || lockHeld || d.source !== 'folder') return false;
  const last = d.indexing.runs.at(-1);
  return !last || (!last.cancelled && last.error === undefined);
}

/** The runs with the last one marked interrupted (a run the crash cut before its first save is added). */
export function markedRuns(runs: readonly IndexRunStats[], why: string): IndexRunStats[] {
  const last = runs.at(-1) ?? { filesListed: 0, unitsWalked: 0, unitsSkipped: 0, cancelled: false };
  return [...runs.slice(0, -1), { ...last, error: why }];
}
