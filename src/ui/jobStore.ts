/**
 * Live state of the jobs this tab started (progress, metrics, samples). Lives outside React views so the
 * Pipeline view can show what the Train view started, and a view switch never loses a curve.
 */
import { startTransition, useEffect, useRef, useState } from 'react';
import type {
  GenerationSample,
  JobProgress,
  LiveSample,
  PassEval,
  SpeedTable,
  TrainMetrics,
} from '../workers/api';

export interface GenerationJobState {
  labelSetId: string;
  running: boolean;
  progress: JobProgress | null;
  sample: GenerationSample | null;
  error?: string;
  skipped: { path: string; reason: string }[];
}

export interface TrainJobState {
  runId: string;
  running: boolean;
  progress: JobProgress | null;
  metrics: TrainMetrics[];
  evals: PassEval[];
  sample: LiveSample | null;
  error?: string;
  backend?: string;
}

/** A job lock held somewhere, with the owner record its starter wrote (absent if that write failed). */
export interface HeldJob {
  tab?: string;
  since?: number;
}

/** A job this tab resumed by itself at start-up after a crash, kill or reload interrupted it. */
export interface ResumedJob {
  kind: 'generate' | 'train' | 'index';
  id: string;
  name: string;
  /** Where it resumed: "image 512 of 2000", "from its checkpoint at step 30". */
  at: string;
}

export interface JobsState {
  generation: Record<string, GenerationJobState>;
  training: Record<string, TrainJobState>;
  /** The run the Pipeline view follows (the latest started). */
  focusRunId: string | null;
  speed: SpeedTable | null;
  speedProgress: JobProgress | null;
  indexing: Record<string, JobProgress | null>;
  /** Copies into studio storage running in this tab, by dataset (ui/packActions.ts). */
  packing: Record<string, JobProgress | null>;
  /** Bumped whenever a job changed the store, so lists re-read IndexedDB. */
  storeVersion: number;
  /** Held job locks (jobLocks.ts) by lock name, in any tab; null until first looked at. */
  heldJobs: Record<string, HeldJob> | null;
  /** Interrupted jobs resumed at start-up (interruptedJobs.ts), until the notice is dismissed. */
  resumed: ResumedJob[];
}

let state: JobsState = {
  generation: {},
  training: {},
  focusRunId: null,
  speed: null,
  speedProgress: null,
  indexing: {},
  packing: {},
  storeVersion: 0,
  heldJobs: null,
  resumed: [],
};
const listeners = new Set<() => void>();

/** A hidden tab gets no frames: its lists still follow other tabs' jobs, a few times a second. */
const HIDDEN_FLUSH_MS = 100;
let pending = false;

function flush(): void {
  if (!pending) return;
  pending = false;
  listeners.forEach((l) => l());
}

/**
 * Listeners hear of updates once per frame, not once per update: a job's progress, metrics and sample
 * messages arrive in bursts, and each notification makes every subscribed view select and schedule a
 * render on the main thread. get() always returns the latest state at once.
 */
function notify(): void {
  if (pending) return;
  pending = true;
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(flush);
  setTimeout(flush, typeof requestAnimationFrame === 'function' ? HIDDEN_FLUSH_MS : 0);
}

export const jobStore = {
  get: () => state,
  update(fn: (s: JobsState) => JobsState) {
    state = fn(state);
    notify();
  },
  subscribe(l: () => void) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  bumpStore() {
    jobStore.update((s) => ({ ...s, storeVersion: s.storeVersion + 1 }));
  },
  patchGeneration(id: string, patch: Partial<GenerationJobState>) {
    jobStore.update((s) => ({
      ...s,
      generation: {
        ...s.generation,
        [id]: {
          ...(s.generation[id] ?? {
            labelSetId: id,
            running: false,
            progress: null,
            sample: null,
            skipped: [],
          }),
          ...patch,
        },
      },
    }));
  },
  patchTraining(id: string, patch: Partial<TrainJobState> | ((t: TrainJobState) => Partial<TrainJobState>)) {
    jobStore.update((s) => {
      const cur: TrainJobState = s.training[id] ?? {
        runId: id,
        running: false,
        progress: null,
        metrics: [],
        evals: [],
        sample: null,
      };
      const p = typeof patch === 'function' ? patch(cur) : patch;
      return { ...s, training: { ...s.training, [id]: { ...cur, ...p } } };
    });
  },
};

/**
 * A slice of the job state. Updates arrive as transitions, not through useSyncExternalStore: a store
 * update there always renders synchronously, and a training run's progress re-rendering the live views
 * in one go made long main-thread tasks (bench:train). A transition render yields to the browser
 * every few ms and skips values superseded meanwhile; these views can show a frame-old value.
 */
export function useJobs<T>(select: (s: JobsState) => T): T {
  const selectRef = useRef(select);
  const [value, setValue] = useState(() => select(jobStore.get()));
  useEffect(() => {
    selectRef.current = select;
    // The selection may depend on props that just changed: re-select now (a no-op when equal).
    const now = select(jobStore.get());
    startTransition(() => setValue(() => now));
  });
  useEffect(() => {
    const onChange = () => {
      const next = selectRef.current(jobStore.get());
      startTransition(() => setValue(() => next));
    };
    onChange(); // an update between the first render and this subscription
    const off = jobStore.subscribe(onChange);
    return () => {
      off();
    };
  }, []);
  return value;
}
