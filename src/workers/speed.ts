/**
 * The studio's own version of the paper's speed table: seconds per epoch (one crop per image's worth of
 * work) for vanilla, online KD and FKD on the current dataset, student and backend. Each method runs
 * the real training step code (data loading and decoding included, which is where FKD's reuse of one
 * decode for numCrops crops pays) for a few warm-up steps, then a timed stretch, through the training
 * loop's own pipeline (prefetch depth, readback policy), so it times what a run does.
 */
import { currentBackend } from '../engine/tensors';
import type { ProgressFn, SpeedRow, SpeedTable } from './api';
import type { StepInput } from './batches';
import { PREFETCH_STEPS, TrainSession } from './session';
import type { TrainConfig, TrainMethod } from './trainConfig';

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
      const session = await TrainSession.open({ ...base, method, evalEachPass: false });
      s = session;
      numImages = session.trainItems.length;
      // Multi-crop FKD steps are the ones that differ: time only the leading passes that share pass 0's
      // crops per image (FKD's last numCrops epochs are single-crop).
      const passes = session.passes;
      const leading = passes.findIndex((p) => p.cropsPerImage !== passes[0].cropsPerImage);
      const available = passes.slice(0, leading < 0 ? undefined : leading).reduce((a, p) => a + p.steps, 0);
      const timed = Math.min(opts.timedSteps, available - opts.warmupSteps);
      if (timed < 1) throw new Error('dataset too small for this many warm-up steps');
      const steps = opts.warmupSteps + timed;
      // The training loop's own pipeline (train.ts): PREFETCH_STEPS steps loading ahead, at most one
      // loss readback in flight.
      const queue: Promise<StepInput>[] = [];
      let queued = 0;
      const refill = () => {
        while (queue.length < PREFETCH_STEPS && queued < steps) {
          const p = session.load(queued++);
          p.catch(() => undefined); // awaited in order below
          queue.push(p);
        }
      };
      refill();
      let crops = 0;
      let t0 = 0;
      let pendingLoss: Promise<number> | null = null;
      const phases = { waitInput: 0, submit: 0, waitLoss: 0 };
      const timedPhase = async <T>(g: number, key: keyof typeof phases, p: Promise<T>): Promise<T> => {
        const t = performance.now();
        const v = await p;
        if (g >= opts.warmupSteps) phases[key] += (performance.now() - t) / 1000;
        return v;
      };
      try {
        for (let g = 0; g < steps; g++) {
          if (signal.aborted) throw new Error('cancelled');
          if (g === opts.warmupSteps) {
            if (pendingLoss) await pendingLoss; // the warm-up fully done before the clock starts
            pendingLoss = null;
            t0 = performance.now();
          }
          const input = await timedPhase(g, 'waitInput', queue.shift()!);
          refill();
          const ts = performance.now();
          const out = session.step(g, input, false);
          if (g >= opts.warmupSteps) phases.submit += (performance.now() - ts) / 1000;
          if (out) {
            if (pendingLoss) await timedPhase(g, 'waitLoss', pendingLoss);
            pendingLoss = out.loss;
            if (g >= opts.warmupSteps) crops += out.crops;
          }
          onProgress?.({ phase: `timing ${method}`, done: ++done, total });
        }
        if (pendingLoss) await pendingLoss;
      } finally {
        for (const p of queue.splice(0))
          void p.then((inp) => inp.images.forEach((im) => im.pixels.dispose())).catch(() => undefined);
      }
      const seconds = (performance.now() - t0) / 1000;
      const cropsPerSec = crops / seconds;
      rows.push({
        method,
        steps: timed,
        crops,
        seconds,
        cropsPerSec,
        secondsPerEpoch: numImages / cropsPerSec,
        phases,
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
