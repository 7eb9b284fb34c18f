/**
 * UI-side job starters: call the workers through comlink with proxied, throttled callbacks, and mirror
 * progress into the job store. The store (IndexedDB) is the source of truth; this is only live state.
 */
import * as Comlink from 'comlink';
import type { Studio } from './studioTypes';
import { jobStore } from './jobStore';
import {
  jobId,
  type GenerationSample,
  type IndexJobSpec,
  type JobProgress,
  type TrainMetrics,
} from '../workers/api';
import type { TrainConfig, TrainMethod } from '../core/recipe';
import {
  getDataset,
  getHandle,
  getLabelSet,
  openStudioDb,
  patchLabelSet,
  patchRun,
  putHandle,
} from '../store';
import { ensurePermission } from '../data/permissions';
import { announceJobChange, claimJob, lockReleased, releaseJob, type JobKind } from './jobLocks';
import { reopenFolder } from './indexActions';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A job's worker vanished mid-job (crash, out of memory, terminated): its call will never answer. */
export class WorkerDiedError extends Error {}

/**
 * The worker's answer, or a WorkerDiedError once the job's lock was released without one: a dead
 * worker's locks are freed by the browser, and a finished job answers right after releasing its lock.
 */
export async function unlessWorkerDies<T>(
  kind: JobKind,
  id: string,
  call: Promise<T>,
  graceMs = 5000,
): Promise<T> {
  const stop = { stopped: false };
  const died = lockReleased(kind, id, stop).then(
    () =>
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new WorkerDiedError(`${kind} ${id}: its worker is gone`)), graceMs),
      ),
  );
  died.catch(() => undefined);
  try {
    return await Promise.race([call, died]);
  } finally {
    stop.stopped = true;
  }
}

export function diedMessage(worker: 'teacher' | 'trainer', resume: string): string {
  return `the ${worker} worker stopped in the middle of this job (it crashed, ran out of memory or was ended); a fresh worker took over: ${resume}`;
}

export async function indexDataset(studio: Studio, spec: IndexJobSpec): Promise<void> {
  jobStore.update((s) => ({
    ...s,
    indexing: { ...s.indexing, [spec.datasetId]: { phase: 'indexing', done: 0, total: 1 } },
  }));
  await claimJob('index', spec.datasetId);
  try {
    await studio.teacher.api.indexDataset(
      spec,
      Comlink.proxy((p: JobProgress) =>
        jobStore.update((s) => ({ ...s, indexing: { ...s.indexing, [spec.datasetId]: p } }), true),
      ),
    );
  } finally {
    await releaseJob('index', spec.datasetId);
    jobStore.update((s) => ({ ...s, indexing: { ...s.indexing, [spec.datasetId]: null } }));
    jobStore.bumpStore();
  }
}

function newId(prefix: string): string {
  return `${prefix}:${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

/** The open-folder path shared by the picker, a drop and the test hooks: persist the handle, index. */
export async function openDirectory(
  studio: Studio,
  handle: FileSystemDirectoryHandle,
  name?: string,
): Promise<string> {
  // The same folder again: resume or check it rather than index a second copy.
  const known = await reopenFolder(studio, handle);
  if (known) return known;
  const db = await openStudioDb();
  const handleId = newId('handle');
  await putHandle(db, {
    id: handleId,
    name: name ?? handle.name,
    kind: 'directory',
    handle,
    createdAt: Date.now(),
  });
  const datasetId = newId('folder');
  await indexDataset(studio, {
    datasetId,
    name: name ?? (handle.name || 'folder'),
    source: { kind: 'handle', handleId },
  });
  return datasetId;
}

export async function openFiles(studio: Studio, files: File[], name: string): Promise<string> {
  const datasetId = newId('files');
  await indexDataset(studio, { datasetId, name, source: { kind: 'files', files, name } });
  return datasetId;
}

/** This tab's running generations by label set: a queued training start waits on them. */
const generations = new Map<string, Promise<void>>();

export function startGeneration(studio: Studio, labelSetId: string): Promise<void> {
  const job = runGeneration(studio, labelSetId).finally(() => generations.delete(labelSetId));
  generations.set(labelSetId, job);
  return job;
}

/**
 * Each bump makes every open list re-read IndexedDB on this thread; a generation reports progress four
 * times a second, and a count on a list needs it once a second (bench:ui: main-thread busy time).
 */
const PROGRESS_BUMP_MS = 1000;
let lastProgressBump = -Infinity;
function bumpStoreForProgress(): void {
  const now = performance.now();
  if (now - lastProgressBump < PROGRESS_BUMP_MS) return;
  lastProgressBump = now;
  jobStore.bumpStore(true);
}

async function runGeneration(studio: Studio, labelSetId: string): Promise<void> {
  jobStore.patchGeneration(labelSetId, { running: true, error: undefined });
  await claimJob('generate', labelSetId);
  try {
    const r = await unlessWorkerDies(
      'generate',
      labelSetId,
      studio.teacher.api.generate(
        labelSetId,
        Comlink.proxy((p: JobProgress) => {
          jobStore.patchGeneration(labelSetId, { progress: p }, true);
          bumpStoreForProgress();
        }),
        Comlink.proxy((sample: GenerationSample) => jobStore.patchGeneration(labelSetId, { sample }, true)),
      ),
    );
    jobStore.patchGeneration(labelSetId, { running: false, error: r.error, skipped: r.skipped });
  } catch (e) {
    let error = message(e);
    if (e instanceof WorkerDiedError) {
      error = diedMessage('teacher', 'resume to continue at the first unlabelled image');
      await patchLabelSet(await openStudioDb(), labelSetId, { status: 'paused', error }).catch(
        () => undefined,
      );
    }
    jobStore.patchGeneration(labelSetId, { running: false, error });
    // The UI says so at once; the fresh worker's start-up (a timed backend probe) takes a while.
    if (e instanceof WorkerDiedError) void studio.current().restartTeacher();
  } finally {
    await releaseJob('generate', labelSetId);
    jobStore.bumpStore();
    announceJobChange();
  }
}

/**
 * Trains the given (stored, pending) runs one after another once the label set's generation in this
 * tab has finished it. If it stops unfinished (paused, failed, the tab reloaded) the runs stay pending:
 * the Runs view starts them.
 */
export async function startAfterGeneration(
  studio: Studio,
  labelSetId: string,
  runIds: string[],
): Promise<void> {
  await generations.get(labelSetId);
  const set = await getLabelSet(await openStudioDb(), labelSetId);
  if (set?.status !== 'done') return;
  for (const id of runIds) await startTraining(studio.current(), id);
}

/**
 * Asks again for read access to a folder dataset, inside the click that resumes its job: the worker can
 * only query it, and a revoked (or, after a relaunch, not yet renewed) grant would pause the job again.
 */
export async function regrantFolder(datasetId: string): Promise<void> {
  const db = await openStudioDb();
  const handleId = (await getDataset(db, datasetId))?.handleId;
  const rec = handleId ? await getHandle(db, handleId) : undefined;
  // Refused or dismissed: the job then pauses with its own message saying so.
  if (rec) await ensurePermission(rec.handle as never, 'read', true).catch(() => undefined);
}

/** Resume from a click: the folder's grant renewed first, then the job. */
export async function resumeGeneration(studio: Studio, labelSetId: string, datasetId: string): Promise<void> {
  await regrantFolder(datasetId);
  return startGeneration(studio, labelSetId);
}

export function cancelGeneration(studio: Studio, labelSetId: string): void {
  void studio.teacher.api.cancel(jobId.generate(labelSetId));
}

/** Errors after which the trainer's backend is gone and a fresh worker must take over. */
const DEVICE_LOST = /GPU device lost/;

/** The metrics history with `m` appended, the last 2,000 kept: one copy per update, not two. */
function withMetrics(history: TrainMetrics[], m: TrainMetrics): TrainMetrics[] {
  const out = history.slice(-1999);
  out.push(m);
  return out;
}

export async function startTraining(studio: Studio, runId: string, retried = false): Promise<void> {
  jobStore.patchTraining(runId, { running: true, error: undefined });
  jobStore.update((s) => ({ ...s, focusRunId: runId }));
  await claimJob('train', runId);
  try {
    const r = await unlessWorkerDies(
      'train',
      runId,
      studio.trainer.api.train(
        runId,
        Comlink.proxy({
          // One message per tick: progress, metrics and sample together, one job-state update.
          onLive: (u) =>
            jobStore.patchTraining(
              runId,
              (t) => ({
                ...(u.progress && { progress: u.progress }),
                ...(u.sample && { sample: u.sample }),
                ...(u.metrics && { metrics: withMetrics(t.metrics, u.metrics) }),
              }),
              true,
            ),
          onEval: (e) => {
            jobStore.patchTraining(runId, (t) => ({ evals: [...t.evals, e] }));
            jobStore.bumpStore();
          },
          // The pretrained student's accuracy before step 0 is on the run record: re-read it.
          onBefore: () => jobStore.bumpStore(),
        }),
      ),
    );
    jobStore.patchTraining(runId, { running: false, error: r.error, backend: r.backend.backend });
    if (r.error && DEVICE_LOST.test(r.error) && !retried) {
      // Resume from the last checkpoint on a new worker (and a new device), once.
      await studio.restartTrainer();
      return startTraining(studio.current(), runId, true);
    }
  } catch (e) {
    let error = message(e);
    if (e instanceof WorkerDiedError) {
      error = diedMessage('trainer', 'resume to continue from the last checkpoint');
      await patchRun(await openStudioDb(), runId, { status: 'paused', error }).catch(() => undefined);
    }
    jobStore.patchTraining(runId, { running: false, error });
    if (e instanceof WorkerDiedError) void studio.current().restartTrainer();
  } finally {
    await releaseJob('train', runId);
    jobStore.bumpStore();
    announceJobChange();
  }
}

export function pauseTraining(studio: Studio, runId: string): void {
  void studio.trainer.api.cancel(jobId.train(runId));
}

export async function measureSpeed(studio: Studio, cfg: TrainConfig, methods: TrainMethod[]): Promise<void> {
  jobStore.update((s) => ({ ...s, speedProgress: { phase: 'starting', done: 0, total: 1 } }));
  try {
    const table = await studio.trainer.api.speed(
      cfg,
      methods,
      { warmupSteps: 2, timedSteps: 20 },
      Comlink.proxy((p: JobProgress) => jobStore.update((s) => ({ ...s, speedProgress: p }), true)),
    );
    jobStore.update((s) => ({ ...s, speed: table }));
  } finally {
    jobStore.update((s) => ({ ...s, speedProgress: null }));
  }
}
