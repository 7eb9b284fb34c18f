/**
 * The studio's own version of the paper's speed table: seconds per epoch (one crop per image's worth of
 * work) for vanilla, online KD and FKD on the current dataset, student and backend. Each method runs
 * the real training step code (data loading and decoding included, which is where FKD's reuse of one
 * decode for numCrops crops pays) for a few warm-up steps, then a timed stretch.
 */
import { currentBackend } from '../engine/tensors';
import type { ProgressFn } from './api';
import { TrainSession } from './session';
import type { TrainConfig, TrainMethod } from './trainConfig';

export interface SpeedRow {
  method: TrainMethod;
  steps: number;
  crops: number;
  seconds: number;
  cropsPerSec: number;
  /** Seconds for numImages crops (one epoch's worth). */
  secondsPerEpoch: number;
  error?: string;
}

export interface SpeedTable {
  backend: string;
  numImages: number;
  rows: SpeedRow[];
}

export async function measureSpeed(
  base: TrainConfig,
  methods: TrainMethod[],
  opts: { warmupSteps: number; timedSteps: number },
  signal: AbortSignal,
  onProgress?: ProgressFn,
): Promise<SpeedTable> {
  const rows: SpeedRow[] = [];
  let numImages = 0;
  const total = methods.length * (opts.warmupSteps + opts.timedSteps);
  let done = 0;
  for (const method of methods) {
    let s: TrainSession | null = null;
    try {
      s = await TrainSession.open({ ...base, method, evalEachPass: false });
      numImages = s.trainItems.length;
      // Multi-crop FKD steps are the ones that differ; start at step 0 of the first pass.
      const timed = Math.min(opts.timedSteps, s.passes[0].steps - opts.warmupSteps);
      if (timed < 1) throw new Error('dataset too small for this many warm-up steps');
      let crops = 0;
      let t0 = 0;
      let next = s.load(0);
      for (let g = 0; g < opts.warmupSteps + timed; g++) {
        if (signal.aborted) throw new Error('cancelled');
        if (g === opts.warmupSteps) t0 = performance.now();
        const input = await next;
        next = s.load(g + 1);
        const out = s.step(g, input, false);
        if (out) {
          await out.loss; // each step fully done before the next is timed
          if (g >= opts.warmupSteps) crops += out.crops;
        }
        onProgress?.({ phase: `timing ${method}`, done: ++done, total });
      }
      const seconds = (performance.now() - t0) / 1000;
      void next.then((inp) => inp.images.forEach((im) => im.pixels.dispose())).catch(() => undefined);
      const cropsPerSec = crops / seconds;
      rows.push({
        method,
        steps: timed,
        crops,
        seconds,
        cropsPerSec,
        secondsPerEpoch: numImages / cropsPerSec,
      });
    } catch (e) {
      rows.push({
        method,
        steps: 0,
        crops: 0,
        seconds: 0,
        cropsPerSec: 0,
        secondsPerEpoch: NaN,
        error: e instanceof Error ? e.message : String(e),
      });
      done += opts.warmupSteps + opts.timedSteps;
    } finally {
      s?.dispose();
    }
  }
  return { backend: currentBackend(), numImages, rows };
}
