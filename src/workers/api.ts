/**
 * The typed contract between the UI (main thread) and the two workers. Only types live here, so the
 * UI imports it with `import type` and never pulls tfjs into the main bundle.
 */

// The engine owns these shapes (it produces them); re-exported so the UI needs only this file.
export type { AdapterReport as AdapterInfo, BackendName, BackendReport } from '../engine/backend';
import type { BackendName } from '../engine/backend';

export interface WorkerInit {
  /** User's choice from the URL (?backend=) or Settings; undefined = pick automatically. */
  forcedBackend?: BackendName;
  /** Absolute URL of the site root, so workers can fetch the embedded dataset and models. */
  baseUrl: string;
}

/** Throttled progress of a long job (at most a few per second). */
export interface JobProgress {
  phase: string;
  done: number;
  total: number;
  /** Items per second over the recent window. */
  rate?: number;
  etaSeconds?: number;
  message?: string;
}

export type ProgressFn = (p: JobProgress) => void;

export type * from './fkdInteropApi';
