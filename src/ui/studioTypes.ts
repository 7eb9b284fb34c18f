/**
 * What the UI holds of the running studio: the two workers and their start-up status. Its own module
 * so the job starters (actions, bootstrap, test hooks) depend on the shape, not on the runtime in
 * studio.tsx that creates it and calls them.
 */
import type { BackendReport } from '../workers/api';
import type { TeacherWorkerApi } from '../workers/teacher.worker';
import type { TrainerWorkerApi } from '../workers/trainer.worker';
import type { WorkerHandle } from './workers';

export type WorkerStatus =
  { state: 'starting' } | { state: 'ready'; report: BackendReport } | { state: 'error'; error: string };

export interface StudioStatus {
  teacherStatus: WorkerStatus;
  trainerStatus: WorkerStatus;
  /** undefined while starting up, null when the start-up chores succeeded, else the error. */
  bootError: string | null | undefined;
}

export interface Studio extends StudioStatus {
  teacher: WorkerHandle<TeacherWorkerApi>;
  trainer: WorkerHandle<TrainerWorkerApi>;
  /** A fresh trainer worker (after a lost GPU device its backend is unusable); resolves when ready. */
  restartTrainer: () => Promise<void>;
  /** A fresh teacher worker (after the last one died mid-job); resolves when ready. */
  restartTeacher: () => Promise<void>;
  /** The studio as it is now: a snapshot taken before restartTrainer still holds the old trainer. */
  current: () => Studio;
}
