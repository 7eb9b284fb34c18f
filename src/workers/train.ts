/**
 * A training run as a resumable job: steps through the pass schedule, prefetching the next step's
 * images and labels while the device runs this one, checkpoints every N steps and at pause, evaluates
 * after each pass, and streams throttled metrics and live samples to the UI.
 */
import { exportWeights, importWeights, type NamedWeight } from '../engine/weights';
import { memoryInfo, currentBackend, type MemoryInfo } from '../engine/tensors';
import { PermissionLostError } from '../data/permissions';
import {
  appendRunHistory,
  truncateRunHistory,
  getRun,
  isQuotaError,
  latestCheckpoint,
  openStudioDb,
  patchRun,
  pruneCheckpoints,
  putCheckpoint,
  type RunHistoryEntry,
} from '../store';
import type { ProgressFn } from './api';
import { evaluateItems, type EvalResult } from './evaluate';
import { ProgressReporter, Throttle } from './progress';
import type { StepInput } from './batches';
import { PREFETCH_STEPS, seededSubset, TrainSession, type LiveSample } from './session';
import type { TrainConfig } from './trainConfig';

/**
 * Test hook (e2e): the next training step throws this message, e.g. the text WebGPU gives when the
 * device is lost, so the recovery path (pause, fresh worker, resume from the checkpoint) is exercised
 * without a real GPU.
 */
let injectedFault: string | null = null;
export function injectStepFault(message: string): void {
  injectedFault = message;
}

export interface TrainMetrics {
  step: number;
  /** Training top-1 against hard labels, averaged over the recent steps. */
  trainTop1: number;
  totalSteps: number;
  epoch: number;
  pass: number;
  loss: number;
  lr: number;
  cropsPerSec: number;
  imagesPerSec: number;
  backend: string;
  memory: MemoryInfo;
  skipped: number;
}

export interface TrainCallbacks {
  onProgress?: ProgressFn;
  onMetrics?: (m: TrainMetrics) => void;
  onSample?: (s: LiveSample) => void;
  onEval?: (e: EvalResult & { step: number; epoch: number }) => void;
}

export interface TrainResult {
  status: 'done' | 'paused' | 'error';
  step: number;
  totalSteps: number;
  lastEval?: EvalResult;
  error?: string;
}

async function saveCheckpoint(runId: string, s: TrainSession, step: number, epoch: number, pass: number) {
  const db = await openStudioDb();
  const weights = await exportWeights(s.model);
  const optimizer = await s.trainer.optimizerWeights();
  await putCheckpoint(db, {
    runId,
    step,
    createdAt: Date.now(),
    weights,
    optimizer,
    rngState: { seed: s.cfg.seed },
    cursor: { globalStep: step },
    epoch,
    pass,
  });
  await pruneCheckpoints(db, runId, 2);
}

/** Restores weights (and optimiser slots) of the latest checkpoint; returns the step to continue from. */
export async function restoreLatest(runId: string, s: TrainSession, withOptimizer = true): Promise<number> {
  const ckpt = await latestCheckpoint(await openStudioDb(), runId);
  if (!ckpt) return 0;
  importWeights(s.model, ckpt.weights as NamedWeight[]);
  if (withOptimizer && ckpt.optimizer.length) s.trainer.setOptimizerWeights(ckpt.optimizer);
  return ckpt.step;
}

export async function runTraining(
  runId: string,
  signal: AbortSignal,
  cb: TrainCallbacks,
): Promise<TrainResult> {
  const db = await openStudioDb();
  const run = await getRun(db, runId);
  if (!run) throw new Error(`run ${runId} not found`);
  const cfg = run.config as unknown as TrainConfig;
  let session: TrainSession | null = null;
  let g = 0;
  let lastEval: EvalResult | undefined;
  try {
    session = await TrainSession.open(cfg);
    const s = session;
    g = await restoreLatest(runId, s);
    // Steps after the checkpoint are trained again: their old history goes (a kill left it behind).
    await truncateRunHistory(db, runId, g, { status: 'running', error: undefined });
    const progress = new ProgressReporter(cb.onProgress);
    const sampleThrottle = new Throttle(800);
    const metricsThrottle = new Throttle(400);
    const historyThrottle = new Throttle(2000);
    const window: { t: number; crops: number; images: number }[] = [];
    let skipped = 0;
    // Bounded prefetch: the next PREFETCH_STEPS steps' images and labels load (decode runs off-thread in
    // the browser's image decoder) while the device works on this one.
    const queue: Promise<StepInput>[] = [];
    let queued = g;
    const refill = () => {
      while (queue.length < PREFETCH_STEPS && queued < s.totalSteps) {
        const p = s.load(queued++);
        p.catch(() => undefined); // awaited in order below
        queue.push(p);
      }
    };
    refill();
    let pendingLoss: Promise<number> | null = null;
    let lastLoss = NaN;
    const recentTop1: number[] = [];

    while (g < s.totalSteps && queue.length) {
      const input = await queue.shift()!;
      refill();
      const loc = s.locate(g);
      if (injectedFault) {
        const message = injectedFault;
        injectedFault = null;
        throw new Error(message);
      }
      const out = s.step(g, input, !!cb.onSample && sampleThrottle.ready());
      g++;
      if (!out) continue;
      skipped += out.skipped.length;
      // Keep at most one loss readback in flight: bounded lag without stalling the queue every step.
      if (pendingLoss) lastLoss = await pendingLoss;
      pendingLoss = out.loss;
      void out.trainTop1.then((t) => {
        recentTop1.push(t);
        if (recentTop1.length > 20) recentTop1.shift();
      });
      out.sample?.then((smp) => cb.onSample?.(smp)).catch(() => undefined);
      const now = performance.now();
      window.push({ t: now, crops: out.crops, images: out.images });
      while (window.length > 2 && now - window[0].t > 5000) window.shift();
      const dt = (now - window[0].t) / 1000;
      const crops = window.slice(1).reduce((a, w) => a + w.crops, 0);
      const imgs = window.slice(1).reduce((a, w) => a + w.images, 0);
      const cropsPerSec = dt > 0 ? crops / dt : 0;
      if (metricsThrottle.ready() && Number.isFinite(lastLoss)) {
        cb.onMetrics?.({
          step: g,
          totalSteps: s.totalSteps,
          epoch: loc.pass.epoch + (loc.pass.cropsPerImage * (loc.stepInPass + 1)) / loc.pass.steps,
          pass: loc.pass.index,
          loss: lastLoss,
          trainTop1: recentTop1.reduce((a, b) => a + b, 0) / Math.max(1, recentTop1.length),
          lr: out.lr,
          cropsPerSec,
          imagesPerSec: dt > 0 ? imgs / dt : 0,
          backend: currentBackend(),
          memory: memoryInfo(),
          skipped,
        });
      }
      progress.update({
        phase: `pass ${loc.pass.index + 1}/${s.passes.length}`,
        done: g,
        total: s.totalSteps,
      });
      if (historyThrottle.ready() && Number.isFinite(lastLoss)) {
        const entry: RunHistoryEntry = {
          step: g,
          epoch: loc.pass.epoch,
          loss: lastLoss,
          trainTop1: recentTop1.reduce((a, b) => a + b, 0) / Math.max(1, recentTop1.length),
          lr: out.lr,
          cropsPerSec,
          time: Date.now(),
        };
        await appendRunHistory(db, runId, entry);
      }
      const endOfPass = loc.stepInPass === loc.pass.steps - 1;
      if (endOfPass && cfg.evalEachPass) {
        lastEval = await evaluateItems(
          s.trainer,
          s.reader,
          s.valItems,
          { ...cfg, numClasses: s.numClasses },
          signal,
        );
        const epochDone = loc.pass.epoch + loc.pass.cropsPerImage;
        cb.onEval?.({ ...lastEval, step: g, epoch: epochDone });
        await patchRun(db, runId, { lastEval: { ...lastEval, step: g, epoch: epochDone, time: Date.now() } });
        await appendRunHistory(db, runId, {
          step: g,
          epoch: epochDone,
          loss: Number.isFinite(lastLoss) ? lastLoss : undefined,
          lr: out.lr,
          valTop1: lastEval.top1,
          valTop5: lastEval.top5,
          time: Date.now(),
        });
      }
      if (endOfPass || g % cfg.checkpointEvery === 0 || signal.aborted) {
        await saveCheckpoint(runId, s, g, loc.pass.epoch, loc.pass.index);
      }
      if (signal.aborted) break;
    }
    if (pendingLoss) await pendingLoss;
    // Drain a prefetch we will not use so its tensors are freed.
    for (const p of queue)
      void p.then((inp) => inp.images.forEach((im) => im.pixels.dispose())).catch(() => undefined);
    const status = g >= s.totalSteps ? 'done' : 'paused';
    await patchRun(db, runId, { status });
    progress.update({ phase: status, done: g, total: s.totalSteps }, true);
    return { status, step: g, totalSteps: s.totalSteps, lastEval };
  } catch (e) {
    const message = isQuotaError(e)
      ? 'storage quota exhausted while saving a checkpoint: free space and resume'
      : e instanceof Error
        ? e.message
        : String(e);
    // A lost GPU device or WebGL context is not the run's fault: pause so it resumes from the checkpoint.
    const deviceLost =
      /device (was )?lost|destroyed|context lost|CONTEXT_LOST|mapAsync|external Instance/i.test(message);
    const status = e instanceof PermissionLostError || isQuotaError(e) || deviceLost ? 'paused' : 'error';
    const shown = deviceLost
      ? `GPU device lost (${message}): resume to continue from the last checkpoint`
      : message;
    await patchRun(db, runId, { status, error: shown }).catch(() => undefined);
    return {
      status: status === 'paused' ? 'paused' : 'error',
      step: g,
      totalSteps: session?.totalSteps ?? 0,
      lastEval,
      error: shown,
    };
  } finally {
    session?.dispose();
  }
}

/** Evaluate a run's latest checkpoint on (part of) the val split. */
export async function evaluateRun(
  runId: string,
  signal: AbortSignal,
  onProgress?: ProgressFn,
  maxImages?: number,
): Promise<EvalResult> {
  const run = await getRun(await openStudioDb(), runId);
  if (!run) throw new Error(`run ${runId} not found`);
  const cfg = run.config as unknown as TrainConfig;
  const s = await TrainSession.open({ ...cfg, method: cfg.method === 'onlineKd' ? 'vanilla' : cfg.method });
  try {
    const step = await restoreLatest(runId, s, false);
    if (step === 0) throw new Error('this run has no checkpoint yet');
    const items = seededSubset(s.reader.items.val, maxImages, cfg.seed, 'val');
    const result = await evaluateItems(
      s.trainer,
      s.reader,
      items,
      { ...cfg, numClasses: s.numClasses },
      signal,
      onProgress,
    );
    // The whole val split (or the run's own cap) is what the Evaluate view keeps; a smaller probe is not.
    if (maxImages === undefined) {
      await patchRun(await openStudioDb(), runId, { lastEval: { ...result, step, time: Date.now() } });
    }
    return result;
  } finally {
    s.dispose();
  }
}
