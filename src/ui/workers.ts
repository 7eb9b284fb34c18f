import * as Comlink from 'comlink';
import type { TeacherWorkerApi } from '../workers/teacher.worker';
import type { TrainerWorkerApi } from '../workers/trainer.worker';

export interface WorkerHandle<T> {
  api: Comlink.Remote<T>;
  worker: Worker;
  /** Rejects when the worker script fails to load or throws at top level (otherwise comlink hangs). */
  failed: Promise<never>;
  terminate(): void;
}

function wrap<T>(worker: Worker): WorkerHandle<T> {
  const failed = new Promise<never>((_, reject) => {
    worker.addEventListener('error', (e) =>
      reject(new Error(`worker failed to start: ${e.message || 'script error'}`)),
    );
  });
  failed.catch(() => undefined);
  const api = Comlink.wrap<T>(worker);
  return {
    api,
    worker,
    failed,
    terminate: () => {
      api[Comlink.releaseProxy]();
      worker.terminate();
    },
  };
}

export function startTeacherWorker(): WorkerHandle<TeacherWorkerApi> {
  return wrap(
    new Worker(new URL('../workers/teacher.worker.ts', import.meta.url), { type: 'module', name: 'teacher' }),
  );
}

export function startTrainerWorker(): WorkerHandle<TrainerWorkerApi> {
  return wrap(
    new Worker(new URL('../workers/trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' }),
  );
}

/** Races a worker call against the worker dying, so the UI shows an error instead of spinning forever. */
export function guarded<T>(h: WorkerHandle<unknown>, p: Promise<T>): Promise<T> {
  return Promise.race([p, h.failed]);
}
