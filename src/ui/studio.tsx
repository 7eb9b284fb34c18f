import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';
import { bootstrap } from './bootstrap';
import { cpuBudgetSlots, forcedBackend } from './settings';
import type { Studio, StudioStatus } from './studioTypes';
import { installTestHooks } from './testHooks';
import { noteJobsAtUnload, watchJobLocks } from './jobLocks';
import { guarded, startTeacherWorker, startTrainerWorker } from './workers';

export type { Studio, StudioStatus, WorkerStatus } from './studioTypes';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The two workers live once per page, outside React: a re-render or StrictMode's double mount must
 * never start a second trainer. Their start-up status is an external store React subscribes to.
 */
class StudioRuntime {
  teacher = startTeacherWorker();
  trainer = startTrainerWorker();
  private status: StudioStatus = {
    teacherStatus: { state: 'starting' },
    trainerStatus: { state: 'starting' },
    bootError: undefined,
  };
  private listeners = new Set<() => void>();

  constructor() {
    const t = this.initTeacher();
    void this.initTrainer();
    watchJobLocks();
    noteJobsAtUnload();
    // Index the embedded datasets once and mark jobs a reload interrupted; errors surface as a banner.
    void t
      .then(() => bootstrap(this.snapshot()))
      .then(
        () => this.set({ bootError: null }),
        (e: unknown) => this.set({ bootError: errorText(e) }),
      );
  }

  private initTeacher(): Promise<void> {
    const init = {
      forcedBackend: forcedBackend(),
      baseUrl: new URL('.', location.href).href,
      cpuSlots: cpuBudgetSlots(),
    };
    return guarded(this.teacher, this.teacher.api.init(init)).then(
      (report) => this.set({ teacherStatus: { state: 'ready', report } }),
      (e) => this.set({ teacherStatus: { state: 'error', error: errorText(e) } }),
    );
  }

  restartTeacher = (): Promise<void> => {
    this.teacher.terminate();
    this.teacher = startTeacherWorker();
    this.set({ teacherStatus: { state: 'starting' } });
    return this.initTeacher();
  };

  private initTrainer(): Promise<void> {
    const init = {
      forcedBackend: forcedBackend(),
      baseUrl: new URL('.', location.href).href,
      cpuSlots: cpuBudgetSlots(),
    };
    return guarded(this.trainer, this.trainer.api.init(init)).then(
      (report) => this.set({ trainerStatus: { state: 'ready', report } }),
      (e) => this.set({ trainerStatus: { state: 'error', error: errorText(e) } }),
    );
  }

  restartTrainer = (): Promise<void> => {
    this.trainer.terminate();
    this.trainer = startTrainerWorker();
    this.set({ trainerStatus: { state: 'starting' } });
    return this.initTrainer();
  };

  private cached: Studio | null = null;
  snapshot = (): Studio => {
    this.cached ??= {
      ...this.status,
      teacher: this.teacher,
      trainer: this.trainer,
      restartTrainer: this.restartTrainer,
      restartTeacher: this.restartTeacher,
      current: this.snapshot,
    };
    return this.cached;
  };
  subscribe = (l: () => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };
  private set(p: Partial<StudioStatus>) {
    this.status = { ...this.status, ...p };
    this.cached = null;
    this.listeners.forEach((l) => l());
  }
}

let runtime: StudioRuntime | null = null;
function getRuntime(): StudioRuntime {
  if (!runtime) {
    const rt = new StudioRuntime();
    runtime = rt;
    // Playwright's e2e and the benches drive the app through these; a product build has none.
    if (__FKD_TEST_HOOKS__) installTestHooks(rt.snapshot);
  }
  return runtime;
}

const StudioContext = createContext<StudioRuntime | null>(null);

export function StudioProvider({ children }: { children: ReactNode }) {
  return <StudioContext.Provider value={getRuntime()}>{children}</StudioContext.Provider>;
}

export function useStudio(): Studio {
  const rt = useContext(StudioContext);
  if (!rt) throw new Error('useStudio outside StudioProvider');
  return useSyncExternalStore(rt.subscribe, rt.snapshot);
}
