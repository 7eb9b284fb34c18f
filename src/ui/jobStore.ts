/**
 * Live state of the jobs this tab started (progress, metrics, samples). Lives outside React views so the
 * Pipeline view can show what the Train view started, and a view switch never loses a curve.
 */
import { startTransition, useEffect, useRef, useState } from 'react';
import { Coalescer } from './coalesce';
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
  kind: 'generate' | 'train' | 'index' | 'pack';
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

/**
 * Listeners hear of updates once per frame, not once per update: a job's progress, metrics and sample
 * messages arrive in bursts, and each notification makes every subscribed view select and schedule a
 * render on the main thread. Updates a job streams (`live`) are told at most every LIVE_MS, so two
 * jobs' messages make a few renders and frames a second between them instead of one each; any other
 * update (what a click did) is told on the next frame. get() always returns the latest state at once.
 */
export const LIVE_MS = 250;
const notifier = new Coalescer(LIVE_MS);
const tellListeners = () => listeners.forEach((l) => l());

function notify(live = false): void {
  notifier.schedule('listeners', tellListeners, !live);
}

export const jobStore = {
  get: () => state,
  /** `live`: a job's streamed progress, metrics or sample, told with the next batch of them. */
  update(fn: (s: JobsState) => JobsState, live = false) {
    state = fn(state);
    notify(live);
  },
  subscribe(l: () => void) {
    listeners.add(l);
    return () => listeners.delete(l);
  },
  bumpStore(live = false) {
    jobStore.update((s) => ({ ...s, storeVersion: s.storeVersion + 1 }), live);
  },
  patchGeneration(id: string, patch: Partial<GenerationJobState>, live = false) {
    jobStore.update(
      (s) => ({
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
      }),
      live,
    );
  },
  patchTraining(
    id: string,
    patch: Partial<TrainJobState> | ((t: TrainJobState) => Partial<TrainJobState>),
    live = false,
  ) {
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
    }, live);
  },
};

/**
 * A slice of the job state. Updates arrive as transitions, not through useSyncExternalStore: a store
 * update there always renders synchronously, and a training run's progress re-rendering the live views
 * in one go made long main-thread tasks (bench:train). A transition render yields to the browser
 * every few ms and skips values superseded meanwhile; these views can show a frame-old value.
 * A selection equal to the one shown (`equal`, default Object.is) schedules nothing: most subscribers'
 * slices do not change with a job's progress, and each scheduled transition is work for React.
 */
export function useJobs<T>(select: (s: JobsState) => T, equal: (a: T, b: T) => boolean = Object.is): T {
  const selectRef = useRef(select);
  const [value, setValue] = useState(() => select(jobStore.get()));
  const offered = useRef(value);
  const equalRef = useRef(equal);
  useEffect(() => {
    selectRef.current = select;
    equalRef.current = equal;
    // The selection may depend on props that just changed: re-select now (a no-op when equal).
    offer(select(jobStore.get()));
  });
  function offer(next: T): void {
    if (equalRef.current(offered.current, next)) return;
    offered.current = next;
    startTransition(() => setValue(() => next));
  }
  useEffect(() => {
    const onChange = () => offer(selectRef.current(jobStore.get()));
    onChange(); // an update between the first render and this subscription
    const off = jobStore.subscribe(onChange);
    return () => {
      off();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return value;
}
