/**
 * Who runs which job, from the Web Locks the workers hold while a job runs (workers/jobs.ts): a lock
 * dies with its holder, so a stored 'running' whose lock nobody holds is the orphan of a closed,
 * killed or crashed tab or worker, and a lock held by another tab names that tab as the job's writer.
 */
import { deleteJob, listJobs, openStudioDb, putJob, type JobRecord } from '../store';
import { jobId, jobLockName as lockOf } from '../workers/api';
import { jobStore, type HeldJob } from './jobStore';

/** This page's name in the owner records, so another tab can say who holds a job. */
export const TAB_ID = `tab ${Math.floor(Math.random() * 0x10000)
  .toString(16)
  .padStart(4, '0')}`;

export type JobKind = 'generate' | 'train' | 'index' | 'pack';

export const jobLockName = (kind: JobKind, id: string) => lockOf(jobId[kind](id));

/** Jobs this page started and has not seen end: their held locks are "here", not another tab's. */
const mine = new Set<string>();

export async function heldJobLocks(): Promise<Set<string>> {
  const q = await navigator.locks?.query?.();
  return new Set((q?.held ?? []).map((l) => l.name ?? '').filter((n) => n.startsWith(lockOf(''))));
}

/**
 * Jobs whose tab was reloaded, closed or navigated away while running them (written at pagehide): the
 * user stopped those, so start-up leaves them paused; a crash or kill writes nothing, and its orphans
 * resume by themselves (interruptedJobs.ts).
 */
const STOPPED_KEY = 'fkd.jobsStoppedByUnload';

export function stoppedByUnload(): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(STOPPED_KEY) ?? '[]') as string[]);
  } catch {
    return new Set();
  }
}

function saveStopped(names: Set<string>): void {
  if (names.size) localStorage.setItem(STOPPED_KEY, JSON.stringify([...names]));
  else localStorage.removeItem(STOPPED_KEY);
}

export function forgetStopped(name: string): void {
  const all = stoppedByUnload();
  if (all.delete(name)) saveStopped(all);
}

/** Records, as the page goes, the jobs it leaves unfinished (localStorage: synchronous, so it lands). */
export function noteJobsAtUnload(): void {
  addEventListener('pagehide', () => {
    if (mine.size) saveStopped(new Set([...stoppedByUnload(), ...mine]));
  });
}

/** Marks a job as this tab's and records the tab as its owner for other tabs to show. */
export async function claimJob(kind: JobKind, id: string): Promise<void> {
  mine.add(jobLockName(kind, id));
  forgetStopped(jobLockName(kind, id));
  const rec: JobRecord = {
    id: jobId[kind](id),
    kind,
    refId: id,
    state: { tab: TAB_ID, since: Date.now() },
    updatedAt: Date.now(),
  };
  // Only a label for other tabs: a full disk must not stop the job itself.
  await putJob(await openStudioDb(), rec).catch(() => undefined);
}

export async function releaseJob(kind: JobKind, id: string): Promise<void> {
  const name = jobLockName(kind, id);
  mine.delete(name);
  // The worker let go of the lock before it answered: drop it now, not at the next poll, so this
  // tab's own finished job never flashes up as another tab's.
  jobStore.update((s) => {
    if (!s.heldJobs?.[name]) return s;
    const { [name]: _gone, ...rest } = s.heldJobs;
    return { ...s, heldJobs: rest };
  });
  await deleteJob(await openStudioDb(), jobId[kind](id)).catch(() => undefined);
}

/** The job's lock as another tab's (with its owner), or undefined when it is free or this tab's. */
export function heldElsewhere(
  held: Record<string, HeldJob> | null,
  kind: JobKind,
  id: string,
): HeldJob | undefined {
  const name = jobLockName(kind, id);
  return mine.has(name) ? undefined : held?.[name];
}

/** What a job's row shows: this tab's live state first, then another tab's lock, then the store. */
export function shownStatus(
  stored: string,
  liveHere: boolean | undefined,
  elsewhere: HeldJob | undefined,
  locksKnown: boolean,
): string {
  if (liveHere) return 'running';
  if (elsewhere) return 'elsewhere';
  // Nobody holds the lock of a stored 'running': nothing runs it any more.
  if (stored === 'running' && locksKnown) return 'interrupted';
  return stored;
}

/**
 * What a stopped job's Resume offer may be: none while another tab holds its lock (a second writer
 * would be refused) or while the locks are not known yet and the store says running; else Resume.
 */
export type ResumeOffer =
  { offer: 'elsewhere'; owner: HeldJob } | { offer: 'checking' } | { offer: 'resume' };

export function resumeOffer(
  held: Record<string, HeldJob> | null,
  kind: JobKind,
  id: string,
  stored: string,
): ResumeOffer {
  const owner = heldElsewhere(held, kind, id);
  if (owner) return { offer: 'elsewhere', owner };
  if (held === null && stored === 'running') return { offer: 'checking' };
  return { offer: 'resume' };
}

export function ownerText(h: HeldJob): string {
  const since = h.since ? ` since ${new Date(h.since).toLocaleTimeString()}` : '';
  return `running in another tab (${h.tab ?? 'unknown tab'}${since}); this tab updates when it ends`;
}

async function poll(): Promise<void> {
  const names = await heldJobLocks();
  const before = jobStore.get().heldJobs;
  const owners = new Map<string, HeldJob>();
  if ([...names].some((n) => !mine.has(n))) {
    for (const j of await listJobs(await openStudioDb()).catch(() => [] as JobRecord[])) {
      const s = j.state as { tab?: string; since?: number };
      owners.set(jobLockName(j.kind as JobKind, j.refId), { tab: s.tab, since: s.since });
    }
  }
  const next: Record<string, HeldJob> = {};
  for (const n of names) next[n] = owners.get(n) ?? {};
  const key = (h: Record<string, HeldJob> | null) => JSON.stringify(h && Object.entries(h).sort());
  if (key(before) === key(next)) return;
  jobStore.update((s) => ({ ...s, heldJobs: next }));
  // A job started or ended somewhere: lists re-read what it wrote.
  jobStore.bumpStore();
}

let watching = false;
const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('fkd-studio-jobs') : null;

/** Tells other tabs that a job's stored state changed (it ended, paused or was marked), so they re-read. */
export function announceJobChange(): void {
  channel?.postMessage('changed');
}

/**
 * Polls the held job locks once a second (a query is cheap) for the life of the page, and re-reads
 * lists when another tab announces a job change (a status written after its lock was released).
 */
export function watchJobLocks(intervalMs = 1000): void {
  if (watching || !navigator.locks?.query) return;
  watching = true;
  channel?.addEventListener('message', () => jobStore.bumpStore());
  const tick = () => void poll().finally(() => setTimeout(tick, intervalMs));
  tick();
}

/**
 * Resolves once the job's lock has been seen held and then free: the job ended, or the worker that
 * held it died (a terminated or crashed worker gets no say, its locks are simply released).
 */
export function lockReleased(kind: JobKind, id: string, stop: { stopped: boolean }): Promise<void> {
  const name = jobLockName(kind, id);
  return new Promise((resolve) => {
    let seen = false;
    const tick = async () => {
      if (stop.stopped) return;
      const held = (await heldJobLocks()).has(name);
      if (held) seen = true;
      else if (seen) return resolve();
      setTimeout(() => void tick(), 500);
    };
    void tick();
  });
}
