/**
 * Problems found while decoding: images a job had to skip (corrupt, truncated, too large)
 * and images that decoded with warnings (PNG data named .JPEG, CMYK converted, EXIF ignored...). They
 * join the dataset's report in `dataset.extra.decodeProblems`, merged by path, so the Data view can list
 * them next to the index-time skips. Writes are batched: a job calls recordDecodeProblems once at its
 * end, or hands problems to noteDecodeProblems, which writes every few hundred or after a short quiet.
 */
import { openStudioDb, type Dataset } from '../store';

export interface DecodeProblem {
  path: string;
  reason: string;
  kind: 'skipped' | 'warning';
}

/** Entries kept per dataset; beyond that only a count (decodeProblemsNotListed). */
export const MAX_DECODE_PROBLEMS = 2000;
const FLUSH_EVERY = 256;
const FLUSH_AFTER_MS = 1500;

/** The stored report of a dataset (empty for datasets no job has decoded yet). */
export function decodeProblemsOf(dataset: Pick<Dataset, 'extra'>): DecodeProblem[] {
  const list = dataset.extra?.decodeProblems;
  return Array.isArray(list) ? (list as DecodeProblem[]) : [];
}

/** One entry per image: its decode warnings joined, or its skip reason. */
export function decodeProblemsFrom(
  skipped: readonly { path: string; reason: string }[],
  warned: readonly { path: string; warnings: readonly string[] }[] = [],
): DecodeProblem[] {
  return [
    ...warned
      .filter((w) => w.warnings.length > 0)
      .map((w) => ({ path: w.path, reason: w.warnings.join('; '), kind: 'warning' as const })),
    ...skipped.map((s) => ({ path: s.path, reason: s.reason, kind: 'skipped' as const })),
  ];
}

/** Merges `problems` into `existing` by path (a skip outranks a warning for the same file). */
export function mergeDecodeProblems(
  existing: readonly DecodeProblem[],
  problems: readonly DecodeProblem[],
  max = MAX_DECODE_PROBLEMS,
): { list: DecodeProblem[]; notListed: number } {
  const byPath = new Map(existing.map((p) => [p.path, p]));
  let notListed = 0;
  for (const p of problems) {
    const old = byPath.get(p.path);
    if (old) {
      if (old.kind === 'warning' || p.kind === 'skipped') byPath.set(p.path, p);
    } else if (byPath.size < max) byPath.set(p.path, p);
    else notListed++;
  }
  return { list: [...byPath.values()], notListed };
}

/** One read-modify-write of the dataset record, in a single transaction (jobs of both workers merge). */
export async function recordDecodeProblems(datasetId: string, problems: DecodeProblem[]): Promise<void> {
  if (problems.length === 0) return;
  const db = await openStudioDb();
  const tx = db.transaction('datasets', 'readwrite');
  const dataset = await tx.store.get(datasetId);
  if (!dataset) {
    await tx.done;
    return;
  }
  const before = decodeProblemsOf(dataset);
  const { list, notListed } = mergeDecodeProblems(before, problems);
  const unchanged =
    notListed === 0 &&
    list.length === before.length &&
    list.every((p, i) => p.kind === before[i].kind && p.reason === before[i].reason);
  if (!unchanged) {
    const extra = dataset.extra ?? {};
    const prevNotListed =
      typeof extra.decodeProblemsNotListed === 'number' ? extra.decodeProblemsNotListed : 0;
    await tx.store.put({
      ...dataset,
      extra: { ...extra, decodeProblems: list, decodeProblemsNotListed: prevNotListed + notListed },
    });
  }
  await tx.done;
}

/** Buffered problems of jobs that run for long (training, evaluation), per dataset. */
const buffered = new Map<string, DecodeProblem[]>();
/** Problems this worker already wrote (training sees the same file every pass): not re-sent. */
const seen = new Set<string>();
let timer: ReturnType<typeof setTimeout> | null = null;
let writing: Promise<void> = Promise.resolve();

/** Queues problems for the dataset's report; written every FLUSH_EVERY or after a short quiet. */
export function noteDecodeProblems(datasetId: string, problems: DecodeProblem[]): void {
  let queued = 0;
  for (const p of problems) {
    const key = `${datasetId}\n${p.kind}\n${p.path}`;
    if (seen.has(key)) continue;
    if (seen.size < 100_000) seen.add(key);
    const list = buffered.get(datasetId) ?? [];
    list.push(p);
    buffered.set(datasetId, list);
    queued = Math.max(queued, list.length);
  }
  if (queued >= FLUSH_EVERY) void flushDecodeProblems();
  else if (queued > 0 && !timer) timer = setTimeout(() => void flushDecodeProblems(), FLUSH_AFTER_MS);
}

/** Writes everything buffered (jobs may await it at their end); never throws. */
export function flushDecodeProblems(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const batches = [...buffered.entries()];
  buffered.clear();
  writing = writing.then(async () => {
    for (const [datasetId, problems] of batches)
      await recordDecodeProblems(datasetId, problems).catch(() => undefined);
  });
  return writing;
}
