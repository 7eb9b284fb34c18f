// Training runs and their checkpoints (keyed [runId, step], so a run's checkpoints are one key
// range ordered by step: the latest is the last key, pruning drops the first ones).
import type { StudioDb } from './db';
import { guard, notFound } from './errors';
import type { Checkpoint, Run, RunHistoryEntry } from './schema';
import { abortTx, deleteRangeInChunks, prefixRange } from './tx';

/** Fields a caller may change on a run without touching its history. */
export type RunPatch = Partial<Omit<Run, 'id' | 'history' | 'createdAt'>>;

/** Creates or overwrites a run as given. For later changes use patchRun / appendRunHistory,
 * which read-modify-write in one transaction and so can't drop history appended meanwhile. */
export function putRun(db: StudioDb, run: Run): Promise<void> {
  return guard('save run', async () => {
    await db.put('runs', run);
  });
}

export function getRun(db: StudioDb, id: string): Promise<Run | undefined> {
  return guard('read run', () => db.get('runs', id));
}

/** All runs, oldest first. */
export function listRuns(db: StudioDb): Promise<Run[]> {
  return guard('list runs', async () => (await db.getAll('runs')).sort((a, b) => a.createdAt - b.createdAt));
}

async function updateRun(db: StudioDb, id: string, change: (run: Run) => Run): Promise<Run> {
  const tx = db.transaction('runs', 'readwrite');
  const run = await tx.store.get(id);
  if (!run) {
    await abortTx(tx, []);
    throw notFound('run', id);
  }
  const next = change(run);
  await Promise.all([tx.store.put(next), tx.done]);
  return next;
}

export function patchRun(db: StudioDb, id: string, patch: RunPatch): Promise<Run> {
  return guard('update run', () =>
    updateRun(db, id, (run) => ({ ...run, ...patch, updatedAt: patch.updatedAt ?? Date.now() })),
  );
}

/** Appends history entries (and applies `patch`, e.g. status) atomically. Throws 'notFound'. */
export function appendRunHistory(
  db: StudioDb,
  runId: string,
  entries: RunHistoryEntry | readonly RunHistoryEntry[],
  patch: RunPatch = {},
): Promise<Run> {
  const list = Array.isArray(entries) ? entries : [entries as RunHistoryEntry];
  return guard('append run history', () =>
    updateRun(db, runId, (run) => ({
      ...run,
      ...patch,
      history: [...run.history, ...list],
      updatedAt: patch.updatedAt ?? Date.now(),
    })),
  );
}

/**
 * Drops history entries past `step` (and applies `patch`) atomically: a run resumed from its checkpoint
 * at `step` relogs the steps after it, which a killed tab had logged once already.
 */
export function truncateRunHistory(
  db: StudioDb,
  runId: string,
  step: number,
  patch: RunPatch = {},
): Promise<Run> {
  return guard('truncate run history', () =>
    updateRun(db, runId, (run) => ({
      ...run,
      ...patch,
      history: run.history.filter((h) => h.step <= step),
      updatedAt: patch.updatedAt ?? Date.now(),
    })),
  );
}

/** Deletes a run and all its checkpoints. */
export function deleteRun(db: StudioDb, id: string): Promise<void> {
  return guard('delete run', async () => {
    await db.delete('runs', id);
    // Checkpoints are large; a few per transaction keeps each commit small.
    await deleteRangeInChunks(db, 'checkpoints', prefixRange([id]), 4);
  });
}

export function putCheckpoint(db: StudioDb, checkpoint: Checkpoint): Promise<void> {
  return guard('save checkpoint', async () => {
    await db.put('checkpoints', checkpoint);
  });
}

/** The checkpoint with the highest step of a run (a reverse cursor reads just that one row). */
export function latestCheckpoint(db: StudioDb, runId: string): Promise<Checkpoint | undefined> {
  return guard('read checkpoint', async () => {
    const cursor = await db.transaction('checkpoints').store.openCursor(prefixRange([runId]), 'prev');
    return cursor?.value;
  });
}

/** Steps of a run's checkpoints, ascending (keys only, no weights read). */
export function listCheckpointSteps(db: StudioDb, runId: string): Promise<number[]> {
  return guard('list checkpoints', async () =>
    (await db.getAllKeys('checkpoints', prefixRange([runId]))).map((key) => key[1]),
  );
}

/** Keeps the `keep` most recent checkpoints of a run; returns how many were deleted. */
export function pruneCheckpoints(db: StudioDb, runId: string, keep: number): Promise<number> {
  return guard('prune checkpoints', async () => {
    const tx = db.transaction('checkpoints', 'readwrite');
    const keys = await tx.store.getAllKeys(prefixRange([runId]));
    const drop = keys.slice(0, Math.max(0, keys.length - Math.max(0, Math.floor(keep))));
    if (drop.length > 0) await tx.store.delete(IDBKeyRange.bound(drop[0], drop[drop.length - 1]));
    await tx.done;
    return drop.length;
  });
}
