/**
 * Jobs a crash, kill or reload interrupted: stored as running while nobody holds their Web Lock
 * (jobLocks.ts). At start-up they are marked paused, so nothing shows "running" that does not run.
 * Those a crash or kill stopped (not a reload or close of their tab, which the user chose) are then
 * resumed, unless turned off in Settings: the user had them running, and a generation resumes at its
 * first unlabelled image, a run from its last checkpoint, a folder index after its last unit done, a
 * copy into studio storage after its last commit.
 */
import {
  listCheckpointSteps,
  listDatasets,
  listLabelSets,
  listRuns,
  openStudioDb,
  patchLabelSet,
  patchRun,
  putDataset,
  type Dataset,
  type LabelSet,
  type Run,
} from '../store';
import { startGeneration, startTraining } from './actions';
import { resumeIndexing } from './indexActions';
import { interruptedIndex, markedRuns } from './indexOrphans';
import {
  announceJobChange,
  forgetStopped,
  heldJobLocks,
  jobLockName,
  stoppedByUnload,
  type JobKind,
} from './jobLocks';
import { jobStore, type ResumedJob } from './jobStore';
import { packDataset, pauseCopy } from './packActions';
import { autoResumeJobs } from './settings';
import type { Studio } from './studioTypes';

/** A job whose lock nobody held at start-up: whatever ran it (tab, browser, worker) is gone. */
const INTERRUPTED = 'interrupted (the tab or browser was closed, killed or reloaded mid-job)';
const RELOADED = 'interrupted (its tab was reloaded or closed mid-job)';

/** Tabs opening together (a restored session) take turns, so only the first resumes an orphan. */
const RECOVER_LOCK = 'fkd-studio-recover-jobs';

/** How long a resumed job may take to take its lock before the next tab is let in anyway. */
const CLAIM_WAIT_MS = 20_000;

/** The orphans a crash or kill left (to resume); those of a reloaded or closed tab are only marked. */
export interface InterruptedJobs {
  sets: LabelSet[];
  runs: Run[];
  indexes: Dataset[];
  /** Datasets whose copy into studio storage was cut (its pack record still says 'packing'). */
  packs: Dataset[];
}

export async function markInterruptedJobs(): Promise<InterruptedJobs> {
  const db = await openStudioDb();
  const held = await heldJobLocks();
  const stopped = stoppedByUnload();
  const found: InterruptedJobs = { sets: [], runs: [], indexes: [], packs: [] };
  let marked = 0;
  const orphan = (kind: JobKind, id: string, status: string) => {
    const name = jobLockName(kind, id);
    if (status !== 'running' || held.has(name)) return null;
    marked++;
    const byUnload = stopped.has(name);
    forgetStopped(name);
    return { byUnload, why: byUnload ? RELOADED : INTERRUPTED };
  };
  for (const set of await listLabelSets(db)) {
    const o = orphan('generate', set.id, set.status);
    if (!o) continue;
    const patched = await patchLabelSet(db, set.id, {
      status: 'paused',
      error: `${o.why}: resume to continue`,
    });
    if (!o.byUnload) found.sets.push(patched);
  }
  for (const run of await listRuns(db)) {
    const o = orphan('train', run.id, run.status);
    if (!o) continue;
    const error = `${o.why}: resume from the last checkpoint`;
    const patched = await patchRun(db, run.id, { status: 'paused', error });
    if (!o.byUnload) found.runs.push(patched);
  }
  const datasets = await listDatasets(db);
  for (const d of datasets) {
    if (d.pack?.state !== 'packing') continue;
    const o = orphan('pack', d.id, 'running');
    if (!o) continue;
    const pack = await pauseCopy(d.id, `${o.why}: resume the copy to go on from its last commit`);
    if (!o.byUnload && pack) found.packs.push({ ...d, pack });
  }
  for (const d of datasets) {
    if (!interruptedIndex(d, held.has(jobLockName('index', d.id)))) continue;
    const o = orphan('index', d.id, 'running')!;
    // Marked so it is found once: with auto-resume off, or after a reload, it waits for Resume.
    const flagged: Dataset = {
      ...d,
      indexing: { ...d.indexing!, runs: markedRuns(d.indexing!.runs, o.why) },
    };
    await putDataset(db, flagged);
    if (!o.byUnload) found.indexes.push(flagged);
  }
  // Views opened before this ran re-read, so none keeps showing the stale 'running'.
  if (marked > 0) {
    jobStore.bumpStore();
    announceJobChange();
  }
  return found;
}

/** Resolves once the job holds its lock or its call has settled (started and ended, or refused). */
async function claimed(kind: JobKind, id: string, call: Promise<void>): Promise<void> {
  let settled = false;
  void call.finally(() => (settled = true));
  const name = jobLockName(kind, id);
  const end = performance.now() + CLAIM_WAIT_MS;
  while (!settled && performance.now() < end && !(await heldJobLocks()).has(name)) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

function note(job: ResumedJob): void {
  jobStore.update((s) => ({ ...s, resumed: [...s.resumed, job] }));
}

/** Starts the interrupted jobs again; resolves once each has taken its lock (or ended). */
async function resume(studio: Studio, found: InterruptedJobs): Promise<void> {
  const db = await openStudioDb();
  const claims: Promise<void>[] = [];
  for (const set of found.sets) {
    note({
      kind: 'generate',
      id: set.id,
      name: set.name,
      at: `image ${set.imagesDone} of ${set.imagesTotal}`,
    });
    claims.push(claimed('generate', set.id, startGeneration(studio, set.id)));
  }
  // One trainer: interrupted runs train one after another, the first now.
  let chain = Promise.resolve();
  for (const [i, run] of found.runs.entries()) {
    const steps = await listCheckpointSteps(db, run.id).catch(() => [] as number[]);
    const from = steps.length ? Math.max(...steps) : 0;
    note({ kind: 'train', id: run.id, name: run.name, at: `from its checkpoint at step ${from}` });
    const started = chain.then(() => startTraining(studio.current(), run.id));
    chain = started.catch(() => undefined);
    if (i === 0) claims.push(claimed('train', run.id, started));
  }
  for (const d of found.indexes) {
    const st = d.indexing!;
    note({
      kind: 'index',
      id: d.id,
      name: d.name,
      at: `after ${st.classesDone} of ${st.classesTotal || '?'} folders/shards`,
    });
    // A failed resume keeps its error on the dataset's cursor, shown in the Data view.
    const call = resumeIndexing(studio, d.id).then(
      () => undefined,
      () => undefined,
    );
    claims.push(claimed('index', d.id, call));
  }
  for (const d of found.packs) {
    const done = d.pack!.done.train + d.pack!.done.val;
    const total = d.counts.train + d.counts.val;
    note({ kind: 'pack', id: d.id, name: d.name, at: `after ${done} of ${total} images` });
    // A failed resume keeps its error on the copy's record, shown in the Data view.
    const call = packDataset(studio, d.id).then(
      () => undefined,
      () => undefined,
    );
    claims.push(claimed('pack', d.id, call));
  }
  await Promise.all(claims);
}

/**
 * Marks the interrupted jobs paused, runs `between` (start-up work that must see no job of this tab
 * running), then resumes them when the setting allows. Other tabs wait meanwhile: by the time they
 * look, a resumed job holds its lock and is no orphan to them.
 */
export async function recoverInterruptedJobs(studio: Studio, between: () => Promise<void>): Promise<void> {
  const body = async () => {
    const found = await markInterruptedJobs();
    await between();
    const any = found.sets.length + found.runs.length + found.indexes.length + found.packs.length > 0;
    if (autoResumeJobs() && any) await resume(studio, found);
  };
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks) await locks.request(RECOVER_LOCK, body);
  else await body();
}
