/**
 * The studio's own version of the paper's speed table: seconds per epoch (one crop per image's worth of
 * work) for vanilla, online KD and FKD on the current dataset, student and backend. Each method runs
 * the real training step code (data loading and decoding included, which is where FKD's reuse of one
 * decode for numCrops crops pays) through the training loop itself (trainLoop.ts: its prefetch and
 * readback policy) for a few warm-up steps, then a stopwatch over a timed stretch: it times what a run
 * does.
 */
import { currentBackend } from '../engine/tensors';
import type { ProgressFn, SpeedRow, SpeedTable } from './api';
import { TrainSession } from './session';
import type { TrainConfig, TrainMethod } from './trainConfig';
import { noPhases, trainSteps } from './trainLoop';

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
      numImages = session.numTrainImages;
      // Multi-crop FKD steps are the ones that differ: time only the leading passes that share pass 0's
      // crops per image (FKD's last numCrops epochs are single-crop).
      const passes = session.passes;
      const leading = passes.findIndex((p) => p.cropsPerImage !== passes[0].cropsPerImage);
      const available = passes.slice(0, leading < 0 ? undefined : leading).reduce((a, p) => a + p.steps, 0);
      const timed = Math.min(opts.timedSteps, available - opts.warmupSteps);
      if (timed < 1) throw new Error('dataset too small for this many warm-up steps');
      const steps = opts.warmupSteps + timed;
      const phases = noPhases();
      let crops = 0;
      let t0 = performance.now();
      for await (const { g, out, pending } of trainSteps(session, 0, steps, { phases })) {
        if (signal.aborted) throw new Error('cancelled');
        if (g >= opts.warmupSteps && out) crops += out.crops;
        if (g === opts.warmupSteps - 1) {
          await pending; // the warm-up fully done before the clock starts
          Object.assign(phases, noPhases());
          t0 = performance.now();
        }
        onProgress?.({ phase: `timing ${method}`, done: ++done, total });
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
