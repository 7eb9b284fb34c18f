/**
 * A training run as a resumable job: the training loop (trainLoop.ts) over the run's remaining steps,
 * its metrics and history (trainMetrics.ts) streamed to the UI, checkpoints and the evaluation after
 * each pass (checkpoint.ts), and a lost device, permission or quota turned into a pause.
 */
import { memoryInfo, currentBackend } from '../engine/tensors';
import { PermissionLostError } from '../data/permissions';
import { FolderUnreachableError } from './readImage';
import { appendRunHistory, getRun, isQuotaError, openStudioDb, patchRun, truncateRunHistory } from '../store';
import type { ProgressFn, TrainCallbacks, TrainResult } from './api';
import { checkpointDue, evaluateAfterPass, restoreLatest, saveCheckpoint } from './checkpoint';
import { evaluateItems, type EvalResult } from './evaluate';
import { ProgressReporter, Throttle, TrainReports } from './progress';
import { seededSubset, TrainSession } from './session';
import { trainSteps } from './trainLoop';
import { trainingHold } from './trainingHold';
import { limitReached, runEndStep, type RunLimit } from '../core/recipe';
import { startFromPretrained } from './pretrained';
import { TrainMeter } from './trainMetrics';
export { restoreLatest };

/**
 * Test hook (e2e): the next training step throws this message, e.g. the text WebGPU gives when the
 * device is lost, so the recovery path (pause, fresh worker, resume from the checkpoint) is exercised
 * without a real GPU.
 */
let injectedFault: string | null = null;
export function injectStepFault(message: string): void {
  injectedFault = message;
}

function failInjected(): void {
  if (!injectedFault) return;
  const message = injectedFault;
  injectedFault = null;
  throw new Error(message);
}

export async function runTraining(
  runId: string,
  signal: AbortSignal,
  cb: TrainCallbacks,
): Promise<TrainResult> {
  const db = await openStudioDb();
  const run = await getRun(db, runId);
  if (!run) throw new Error(`run ${runId} not found`);
  const cfg = run.config;
  let session: TrainSession | null = null;
  let g = 0;
  let lastEval: EvalResult | undefined;
  try {
    session = await TrainSession.open(cfg);
    const s = session;
    g = await restoreLatest(runId, s);
    // A fresh run from a pretrained student: its weights, and its accuracy before any step.
    if (g === 0 && cfg.pretrainedId) cb.onBefore?.(await startFromPretrained(runId, s, signal));
    // Steps after the checkpoint are trained again: their old history goes (a kill left it behind).
    await truncateRunHistory(db, runId, g, {
      status: 'running',
      error: undefined,
      imagesGone: s.goneImages || undefined,
    });
    // Progress and metrics go out together on one tick, with the latest sample (TrainReports).
    const reports = new TrainReports(cb);
    const progress = new ProgressReporter(reports.progress, Infinity);
    const sampleThrottle = new Throttle(800);
    const liveTick = new Throttle(400);
    const historyThrottle = new Throttle(2000);
    const meter = new TrainMeter();
    // Step and time limits: the run ends at the first; time trained in earlier sessions counts.
    const end = runEndStep(cfg, s.totalSteps);
    const secondsBefore = run.trainedSeconds ?? 0;
    const t0 = performance.now();
    const trained = () => secondsBefore + (performance.now() - t0) / 1000;
    let limit: RunLimit | null = limitReached(cfg, s.totalSteps, g, secondsBefore);
    const steps = trainSteps(s, g, limit ? g : end, {
      wantSample: () => reports.wantsSamples && sampleThrottle.ready(),
      beforeStep: failInjected,
    });
    let lastSample: Promise<void> = Promise.resolve();
    for await (const { g: done, out, loss } of steps) {
      g = done + 1;
      if (!out) continue;
      const { pass, stepInPass, lr } = out;
      meter.step(out, performance.now());
      if (out.sample) lastSample = out.sample.then((smp) => reports.sample(smp)).catch(() => undefined);
      limit = limitReached(cfg, s.totalSteps, g, trained());
      const report = (due: boolean) => {
        if (due && Number.isFinite(loss)) {
          reports.metrics(
            meter.metrics(
              { step: g, totalSteps: s.totalSteps, pass, stepInPass, loss, lr },
              { backend: currentBackend(), memory: memoryInfo() },
              { endStep: end, secondsLeft: cfg.maxMinutes ? cfg.maxMinutes * 60 - trained() : undefined },
            ),
          );
        }
        progress.update({ phase: `pass ${pass.index + 1}/${s.passes.length}`, done: g, total: end }, due);
        if (due) reports.send();
      };
      report(liveTick.ready());
      if (historyThrottle.ready() && Number.isFinite(loss)) {
        await appendRunHistory(db, runId, meter.history({ step: g, pass, loss, lr }, Date.now()));
      }
      const endOfPass = stepInPass === pass.steps - 1;
      if (endOfPass && cfg.evalEachPass) {
        const e = await evaluateAfterPass(runId, s, { step: g, pass, loss, lr }, signal);
        lastEval = e;
        cb.onEval?.(e);
      }
      if (checkpointDue(g, cfg.checkpointEvery, endOfPass, signal.aborted || !!limit)) {
        await saveCheckpoint(runId, s, { step: g, epoch: pass.epoch, pass: pass.index });
        await patchRun(db, runId, { trainedSeconds: trained() });
      }
      if (signal.aborted || limit) break;
      // Test builds only: a run held mid-way shows its latest sample and metrics while it waits.
      await trainingHold(g, signal, async () => {
        await lastSample;
        report(true);
      });
    }
    // A limit reached ends the run as asked; a pause or a crash before it resumes and still keeps it.
    const status = g >= s.totalSteps || limit ? 'done' : 'paused';
    await patchRun(db, runId, {
      status,
      trainedSeconds: trained(),
      ...(limit && g < s.totalSteps ? { limitReached: limit } : {}),
    });
    progress.update({ phase: status, done: g, total: end }, true);
    reports.send();
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
    const resumable = e instanceof PermissionLostError || e instanceof FolderUnreachableError;
    const status = resumable || isQuotaError(e) || deviceLost ? 'paused' : 'error';
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
  const cfg = run.config;
  const s = await TrainSession.open({ ...cfg, method: cfg.method === 'onlineKd' ? 'vanilla' : cfg.method });
  try {
    const step = await restoreLatest(runId, s, false);
    if (step === 0) throw new Error('this run has no checkpoint yet');
    const items = seededSubset(
      s.reader.items.val.filter((it) => !it.gone),
      maxImages,
      cfg.seed,
      'val',
    );
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
