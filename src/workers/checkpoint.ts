/**
 * A run's checkpoints and its evaluation after each pass: weights (BatchNorm statistics included) and
 * optimiser slots saved every N steps, at the end of a pass and at pause; the val split evaluated at
 * the end of a pass and kept on the run with a history entry.
 */
import type { Pass } from '../core/schedule';
import { exportWeights, importWeights, type NamedWeight } from '../engine/weights';
import {
  appendRunHistory,
  latestCheckpoint,
  openStudioDb,
  patchRun,
  pruneCheckpoints,
  putCheckpoint,
} from '../store';
import { evaluateItems, type EvalResult } from './evaluate';
import type { TrainSession } from './session';

/** Checkpoints kept per run: the latest and one before it, in case the latest is cut short. */
const KEEP_CHECKPOINTS = 2;

/** What a checkpoint is made of. */
export type Checkpointed = Pick<TrainSession, 'model' | 'trainer'> & { cfg: { seed: number } };

export async function saveCheckpoint(
  runId: string,
  s: Checkpointed,
  at: { step: number; epoch: number; pass: number },
): Promise<void> {
  const db = await openStudioDb();
  const weights = await exportWeights(s.model);
  const optimizer = await s.trainer.optimizerWeights();
  await putCheckpoint(db, {
    runId,
    step: at.step,
    createdAt: Date.now(),
    weights,
    optimizer,
    rngState: { seed: s.cfg.seed },
    cursor: { globalStep: at.step },
    epoch: at.epoch,
    pass: at.pass,
  });
  await pruneCheckpoints(db, runId, KEEP_CHECKPOINTS);
}

/** Restores weights (and optimiser slots) of the latest checkpoint; returns the step to continue from. */
export async function restoreLatest(runId: string, s: Checkpointed, withOptimizer = true): Promise<number> {
  const ckpt = await latestCheckpoint(await openStudioDb(), runId);
  if (!ckpt) return 0;
  importWeights(s.model, ckpt.weights as NamedWeight[]);
  if (withOptimizer && ckpt.optimizer.length) s.trainer.setOptimizerWeights(ckpt.optimizer);
  return ckpt.step;
}

/** After step `done` (1-based count): at the end of a pass, every `every` steps, and when pausing. */
export function checkpointDue(done: number, every: number, endOfPass: boolean, pausing: boolean): boolean {
  return endOfPass || done % every === 0 || pausing;
}

/**
 * The val split after a pass: kept as the run's latest evaluation and as a history entry. `loss` is
 * the latest training loss read back (NaN: none yet).
 */
export async function evaluateAfterPass(
  runId: string,
  s: TrainSession,
  at: { step: number; pass: Pass; loss: number; lr: number },
  signal: AbortSignal,
): Promise<EvalResult & { step: number; epoch: number }> {
  const result = await evaluateItems(
    s.trainer,
    s.reader,
    s.valItems,
    { ...s.cfg, numClasses: s.numClasses },
    signal,
  );
  const epoch = at.pass.epoch + at.pass.cropsPerImage;
  const db = await openStudioDb();
  await patchRun(db, runId, { lastEval: { ...result, step: at.step, epoch, time: Date.now() } });
  await appendRunHistory(db, runId, {
    step: at.step,
    epoch,
    loss: Number.isFinite(at.loss) ? at.loss : undefined,
    lr: at.lr,
    valTop1: result.top1,
    valTop5: result.top5,
    time: Date.now(),
  });
  return { ...result, step: at.step, epoch };
}
