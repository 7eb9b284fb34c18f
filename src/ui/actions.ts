/**
 * UI-side job starters: call the workers through comlink with proxied, throttled callbacks, and mirror
 * progress into the job store. The store (IndexedDB) is the source of truth; this is only live state.
 */
import * as Comlink from 'comlink';
import type { Studio } from './studioTypes';
import { jobStore } from './jobStore';
import { jobId, type GenerationSample, type IndexJobSpec, type JobProgress } from '../workers/api';
import type { TrainConfig, TrainMethod } from '../core/recipe';
import { getLabelSet, openStudioDb, putHandle } from '../store';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export async function indexDataset(studio: Studio, spec: IndexJobSpec): Promise<void> {
  jobStore.update((s) => ({
    ...s,
    indexing: { ...s.indexing, [spec.datasetId]: { phase: 'indexing', done: 0, total: 1 } },
  }));
  try {
    await studio.teacher.api.indexDataset(
      spec,
      Comlink.proxy((p: JobProgress) =>
        jobStore.update((s) => ({ ...s, indexing: { ...s.indexing, [spec.datasetId]: p } })),
      ),
    );
  } finally {
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

async function runGeneration(studio: Studio, labelSetId: string): Promise<void> {
  jobStore.patchGeneration(labelSetId, { running: true, error: undefined });
  try {
    const r = await studio.teacher.api.generate(
      labelSetId,
      Comlink.proxy((p: JobProgress) => {
        jobStore.patchGeneration(labelSetId, { progress: p });
        jobStore.bumpStore();
      }),
      Comlink.proxy((sample: GenerationSample) => jobStore.patchGeneration(labelSetId, { sample })),
    );
    jobStore.patchGeneration(labelSetId, { running: false, error: r.error, skipped: r.skipped });
  } catch (e) {
    jobStore.patchGeneration(labelSetId, { running: false, error: message(e) });
  } finally {
    jobStore.bumpStore();
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

export function cancelGeneration(studio: Studio, labelSetId: string): void {
  void studio.teacher.api.cancel(jobId.generate(labelSetId));
}

/** Errors after which the trainer's backend is gone and a fresh worker must take over. */
const DEVICE_LOST = /GPU device lost/;

export async function startTraining(studio: Studio, runId: string, retried = false): Promise<void> {
  jobStore.patchTraining(runId, { running: true, error: undefined });
  jobStore.update((s) => ({ ...s, focusRunId: runId }));
  try {
    const r = await studio.trainer.api.train(
      runId,
      Comlink.proxy({
        onProgress: (p) => jobStore.patchTraining(runId, { progress: p }),
        onMetrics: (m) => jobStore.patchTraining(runId, (t) => ({ metrics: [...t.metrics.slice(-2000), m] })),
        onSample: (sample) => jobStore.patchTraining(runId, { sample }),
        onEval: (e) => {
          jobStore.patchTraining(runId, (t) => ({ evals: [...t.evals, e] }));
          jobStore.bumpStore();
        },
      }),
    );
    jobStore.patchTraining(runId, { running: false, error: r.error, backend: r.backend.backend });
    if (r.error && DEVICE_LOST.test(r.error) && !retried) {
      // Resume from the last checkpoint on a new worker (and a new device), once.
      await studio.restartTrainer();
      return startTraining(studio.current(), runId, true);
    }
  } catch (e) {
    jobStore.patchTraining(runId, { running: false, error: message(e) });
  } finally {
    jobStore.bumpStore();
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
      Comlink.proxy((p: JobProgress) => jobStore.update((s) => ({ ...s, speedProgress: p }))),
    );
    jobStore.update((s) => ({ ...s, speed: table }));
  } finally {
    jobStore.update((s) => ({ ...s, speedProgress: null }));
  }
}
