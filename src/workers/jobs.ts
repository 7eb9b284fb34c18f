/**
 * Cancellable jobs inside a worker. Each job has an id and an AbortController; cancel(id) aborts it and
 * the job stops at its next safe point (never mid-transaction). A Web Lock per job id makes sure only
 * one tab runs a given job at a time.
 */
import { noteOwnJobLock } from '../data/cpuSlots';
import { jobLockName } from './api';

const controllers = new Map<string, AbortController>();

export async function runJob<T>(id: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (controllers.has(id)) throw new Error(`job ${id} is already running in this tab`);
  const ctrl = new AbortController();
  controllers.set(id, ctrl);
  try {
    const locks = (globalThis.navigator as Navigator | undefined)?.locks;
    if (!locks) return await body(ctrl.signal);
    return await locks.request(jobLockName(id), { ifAvailable: true }, async (lock) => {
      if (!lock) throw new Error(`job ${id} is already running in another tab`);
      noteOwnJobLock(jobLockName(id), true);
      return body(ctrl.signal);
    });
  } finally {
    noteOwnJobLock(jobLockName(id), false);
    controllers.delete(id);
  }
}

export function cancelJob(id: string): boolean {
  const c = controllers.get(id);
  c?.abort();
  return c !== undefined;
}

export function runningJobs(): string[] {
  return [...controllers.keys()];
}
