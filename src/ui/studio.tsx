import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { TeacherWorkerApi } from '../workers/teacher.worker';
import type { TrainerWorkerApi } from '../workers/trainer.worker';
import type { BackendReport } from '../workers/api';
import { forcedBackend } from './settings';
import { bootstrap } from './bootstrap';
import { guarded, startTeacherWorker, startTrainerWorker, type WorkerHandle } from './workers';

export type WorkerStatus =
  | { state: 'starting' }
  | { state: 'ready'; report: BackendReport }
  | { state: 'error'; error: string };

export interface Studio {
  teacher: WorkerHandle<TeacherWorkerApi>;
  trainer: WorkerHandle<TrainerWorkerApi>;
  teacherStatus: WorkerStatus;
  trainerStatus: WorkerStatus;
  /** Resolves once both workers have chosen a backend (or failed to). */
  ready: Promise<void>;
  /** undefined while starting up, null when the start-up chores succeeded, else the error. */
  bootError: string | null | undefined;
}

const StudioContext = createContext<Studio | null>(null);

export function useStudio(): Studio {
  const s = useContext(StudioContext);
  if (!s) throw new Error('useStudio outside StudioProvider');
  return s;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Starts both workers once per page and lets them pick their backends in parallel. */
export function StudioProvider({ children }: { children: ReactNode }) {
  const handles = useRef<{ teacher: WorkerHandle<TeacherWorkerApi>; trainer: WorkerHandle<TrainerWorkerApi> } | null>(
    null,
  );
  if (!handles.current) handles.current = { teacher: startTeacherWorker(), trainer: startTrainerWorker() };
  const [teacherStatus, setTeacherStatus] = useState<WorkerStatus>({ state: 'starting' });
  const [trainerStatus, setTrainerStatus] = useState<WorkerStatus>({ state: 'starting' });
  const readyRef = useRef<Promise<void> | null>(null);
  const [bootError, setBootError] = useState<string | null | undefined>(undefined);

  if (!readyRef.current) {
    const { teacher, trainer } = handles.current;
    const init = { forcedBackend: forcedBackend(), baseUrl: new URL('.', location.href).href };
    const t = guarded(teacher, teacher.api.init(init)).then(
      (report) => setTeacherStatus({ state: 'ready', report }),
      (e) => setTeacherStatus({ state: 'error', error: errorText(e) }),
    );
    const r = guarded(trainer, trainer.api.init(init)).then(
      (report) => setTrainerStatus({ state: 'ready', report }),
      (e) => setTrainerStatus({ state: 'error', error: errorText(e) }),
    );
    readyRef.current = Promise.all([t, r]).then(() => undefined);
    const studioForBoot = { teacher, trainer } as unknown as Studio;
    // Index the embedded datasets once and mark jobs a reload interrupted; errors surface as a banner.
    void t
      .then(() => bootstrap(studioForBoot))
      .then(() => setBootError(null), (e: unknown) => setBootError(errorText(e)));
  }

  useEffect(() => {
    const h = handles.current;
    return () => {
      // Only on a real unmount (page teardown); StrictMode's double effect would otherwise kill live workers.
      if (import.meta.env.PROD) {
        h?.teacher.terminate();
        h?.trainer.terminate();
      }
    };
  }, []);

  const value = useMemo<Studio>(
    () => ({
      teacher: handles.current!.teacher,
      trainer: handles.current!.trainer,
      teacherStatus,
      trainerStatus,
      ready: readyRef.current!,
      bootError,
    }),
    [teacherStatus, trainerStatus, bootError],
  );
  return <StudioContext.Provider value={value}>{children}</StudioContext.Provider>;
}
