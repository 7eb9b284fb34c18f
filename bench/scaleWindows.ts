/**
 * bench:scale's generation windows: the rate is measured over a fixed number of images at the START of
 * a fresh label set and over the same number at the END of a set whose earlier records are already
 * stored, so a 200k-image size costs two windows, not a 200k-image labelling run. The end window is the
 * real job resuming at image N - window: it walks the stored index and the done records to get there.
 */
import type { Page } from 'playwright-core';

export interface Window {
  /** Images labelled in this window (the job is paused once the window is full). */
  images: number;
  /** Wall seconds of the whole job call: teacher open, the resume walk, labelling. */
  seconds: number;
  /**
   * Steady rate: images per second from the first progress report of the window to the last (the
   * teacher's warm-up and the resume walk left out; they are in `seconds` and `firstReportSeconds`).
   */
  imagesPerSec: number;
  /** Seconds from the job call to its first progress report (the resume walk and warm-up). */
  firstReportSeconds: number;
}

/** Runs the set's generation job until `size` more images are labelled (or the set is done). */
export function labelWindow(page: Page, labelSetId: string, size: number): Promise<Window> {
  return page.evaluate(
    async ({ id, size }) => {
      const fkd = window.__fkd!;
      const api = fkd.studio().teacher.api;
      const db = await fkd.store.openStudioDb();
      const before = (await fkd.store.getLabelSet(db, id))!.imagesDone;
      const reports: { t: number; done: number }[] = [];
      let cancelled = false;
      const t0 = performance.now();
      const res = await api.generate(
        id,
        fkd.proxy((p: { phase: string; done: number }) => {
          if (p.phase !== 'labelling') return;
          reports.push({ t: performance.now(), done: p.done });
          if (!cancelled && p.done - before >= size) {
            cancelled = true;
            void api.cancel(`generate:${id}`);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      if (res.status === 'error') throw new Error(`label generation failed: ${res.error ?? ''}`);
      const first = reports[0];
      const last = reports[reports.length - 1];
      // Too few reports for a steady rate (a tiny window): the whole call's.
      const steady =
        first && last && last.done - first.done >= size / 4
          ? (last.done - first.done) / ((last.t - first.t) / 1000)
          : (res.imagesDone - before) / seconds;
      return {
        images: res.imagesDone - before,
        seconds,
        imagesPerSec: steady,
        firstReportSeconds: first ? (first.t - t0) / 1000 : seconds,
      };
    },
    { id: labelSetId, size },
  );
}

/**
 * Stores records for train images [0, upTo) of `target`, copied round-robin from `source`'s records
 * (real records of the same teacher and settings over same-sized images), through the store's own
 * putLabelRecords so the set's counters agree with them. Returns the seconds it took.
 */
export function prefillRecords(page: Page, source: string, target: string, upTo: number): Promise<number> {
  return page.evaluate(
    async ({ source, target, upTo }) => {
      const s = window.__fkd!.store;
      const db = await s.openStudioDb();
      const indices = await s.listDoneImageIndices(db, source);
      const records = (await s.getLabelRecordsAt(db, source, indices)).filter(
        (r): r is Uint8Array => r instanceof Uint8Array,
      );
      if (!records.length) throw new Error('prefill: the source set has no records');
      const t0 = performance.now();
      const BATCH = 2000;
      for (let lo = 0; lo < upTo; lo += BATCH) {
        const batch = [];
        for (let i = lo; i < Math.min(upTo, lo + BATCH); i++)
          batch.push({ imageIndex: i, record: records[i % records.length] });
        await s.putLabelRecords(db, target, batch);
      }
      return (performance.now() - t0) / 1000;
    },
    { source, target, upTo },
  );
}
