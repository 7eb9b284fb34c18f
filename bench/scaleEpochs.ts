/**
 * bench:scale --epochs N: the training phase as N whole epochs (every image read once per epoch, in a
 * seeded order), each measured as its own phase: resident MB of every Chromium process and the JS of
 * the page and each worker at the epoch's end, the epoch's images/s, and what each process kept per
 * image read (its growth over the epoch ÷ the images read). A browser process that keeps ~0.7 KB per
 * read (bench:reads) shows as a steady KB/read in every epoch; a bounded one as ~0 after the first.
 */
import type { Page } from 'playwright-core';
import type { TrainConfig } from '../src/core/recipe';
import { fmt, table } from './harness';
import type { PhaseReport } from './scalePhases';
import { trainRun } from './studioJobs';

export interface EpochReport {
  /** Where the images were read from: the folder's files, its WebDataset shards, or the studio's packed copy. */
  reads: 'folder' | 'shards' | 'packed';
  epoch: number;
  seconds: number;
  imagesPerSec: number;
  /** Resident MB at the epoch's end, by process type. */
  endRssMB: Record<string, number>;
  /** KB each process type grew by per image read in this epoch (negative: it shrank). */
  keptKBPerRead: Record<string, number>;
  /** JS MB by realm at the epoch's end. */
  endJsMB: Record<string, number>;
}

type Meter = {
  begin(phase: string): Promise<() => Promise<PhaseReport>>;
  rssNow(): Record<string, number>;
};

/** Step-arrival log of the run in the page (studioJobs.trainRun keeps it). */
function stepLog(page: Page): Promise<{ t: number; step: number }[]> {
  return page.evaluate(
    () => (window as unknown as { __benchSteps?: { t: number; step: number }[] }).__benchSteps ?? [],
  );
}

/** When the run passed `step`, in page ms (linear between the two metrics around it). */
function timeAt(log: { t: number; step: number }[], step: number): number {
  const j = log.findIndex((e) => e.step >= step);
  if (j <= 0) return j === 0 ? log[0].t : log[log.length - 1].t;
  const [a, b] = [log[j - 1], log[j]];
  return a.t + ((b.t - a.t) * (step - a.step)) / Math.max(1, b.step - a.step);
}

/**
 * Trains `cfg` (its `epochs` the N to measure) over a set of `images`, one phase per epoch; the phases
 * go into `phases` as 'train epoch k' ('packed epoch k' when the images come from the studio's copy). Returns the per-epoch figures and the run's overall images/s.
 */
export async function trainEpochs(
  page: Page,
  cfg: TrainConfig,
  images: number,
  meter: Meter,
  phases: PhaseReport[],
  onPhase: (r: PhaseReport) => void,
  reads: EpochReport['reads'] = 'folder',
): Promise<{ epochs: EpochReport[]; imagesPerSec: number }> {
  const stepsPerEpoch = Math.ceil(images / cfg.cropsPerStep);
  const label = reads === 'packed' ? 'packed epoch' : 'train epoch';
  let end = await meter.begin(`${label} 1`);
  let startRss = meter.rssNow();
  // A previous run's log must not end this run's first epoch before its own log starts.
  await page.evaluate(() => delete (window as unknown as { __benchSteps?: unknown }).__benchSteps);
  const run = trainRun(page, cfg, 0);
  let finished = false;
  void run.finally(() => (finished = true)).catch(() => undefined);
  const epochs: EpochReport[] = [];
  for (let k = 1; k <= cfg.epochs; k++) {
    // Polled: the run's metrics arrive a few times a second; the epoch's own time comes from them.
    for (;;) {
      const log = await stepLog(page);
      if (finished || (log.length > 0 && log[log.length - 1].step >= k * stepsPerEpoch)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const r = await end();
    phases.push(r);
    onPhase(r);
    const log = await stepLog(page);
    const seconds = (timeAt(log, k * stepsPerEpoch) - timeAt(log, (k - 1) * stepsPerEpoch)) / 1000;
    const kept = Object.fromEntries(
      Object.entries(r.endRssMB).map(([type, mb]) => [type, ((mb - (startRss[type] ?? mb)) * 1024) / images]),
    );
    epochs.push({
      reads,
      epoch: k,
      seconds,
      imagesPerSec: (stepsPerEpoch * cfg.cropsPerStep) / Math.max(1e-9, seconds),
      endRssMB: r.endRssMB,
      keptKBPerRead: kept,
      endJsMB: r.endJsMB,
    });
    if (k < cfg.epochs && !finished) {
      startRss = r.endRssMB;
      end = await meter.begin(`${label} ${k + 1}`);
    } else break;
  }
  const result = await run;
  if (result.status === 'error') throw new Error(`training failed: ${result.error ?? ''}`);
  if (epochs.length < cfg.epochs)
    throw new Error(`training stopped after ${epochs.length} of ${cfg.epochs} epochs (${result.status})`);
  return { epochs, imagesPerSec: (result.step * cfg.cropsPerStep) / result.seconds };
}

/** One epoch in a line: rate, memory by process at its end, KB kept per image read. */
export function describeEpoch(e: EpochReport): string {
  const by = (o: Record<string, number>, d: number) =>
    Object.entries(o)
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k} ${v.toFixed(d)}`)
      .join(', ');
  return (
    `${e.reads} epoch ${e.epoch}: ${e.imagesPerSec.toFixed(0)} img/s over ${e.seconds.toFixed(1)} s; RSS MB ${by(e.endRssMB, 0)}; ` +
    `KB kept per read ${by(e.keptKBPerRead, 2)}; JS MB ${by(e.endJsMB, 1)}`
  );
}

/** The per-epoch table: rate, and per main process type its MB at the epoch's end and KB kept per read. */
export function epochTable(rows: { images: number; epochs: EpochReport[] }[]) {
  const types = ['browser', 'renderer', 'gpu-process'];
  const realms = [...new Set(rows.flatMap((r) => r.epochs.flatMap((e) => Object.keys(e.endJsMB))))].sort();
  return table(
    [
      ...['images', 'reads', 'epoch', 's', 'img/s'],
      ...types.map((t) => `${t} MB (KB/read)`),
      ...realms.map((r) => `${r} JS MB`),
    ],
    rows.flatMap(({ images, epochs }) =>
      epochs.map((e) => [
        ...[images, e.reads, e.epoch, fmt(e.seconds), fmt(e.imagesPerSec)],
        ...types.map((t) =>
          e.endRssMB[t] === undefined
            ? '-'
            : `${e.endRssMB[t].toFixed(0)} (${(e.keptKBPerRead[t] ?? 0).toFixed(2)})`,
        ),
        ...realms.map((r) => (e.endJsMB[r] === undefined ? '-' : e.endJsMB[r].toFixed(1))),
      ]),
    ),
  );
}
