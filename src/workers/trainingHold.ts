/**
 * Test builds: a sure "mid-run" for training. The tiny runs of e2e tests can finish all their steps while
 * a test is still checking the live view, so a reload or a kill meant to land mid-run may land after it.
 * A run that reaches the hold step reports its metrics and waits there (its checkpoints before it are
 * stored as usual) until the test moves the hold on, releases it, or the run is paused. The hold lives in
 * the worker: a reload or a fresh worker runs free.
 */
import { requireTestBuild } from './testBuild';
import { holdWait } from './holdWait';

let holdAt: number | null = null;
let held: { step: number; release: () => void } | null = null;

/** Runs wait when they reach `step` (null: no hold). Moving it past a waiting run lets that run go on. */
export function holdTrainingAt(step: number | null): void {
  requireTestBuild('holdTrainingAt');
  holdAt = step;
  if (held && (step === null || step > held.step)) held.release();
}

/** The step a run waits at (null: none is waiting). */
export function trainingHeldAt(): number | null {
  requireTestBuild('trainingHeldAt');
  return held?.step ?? null;
}

/**
 * Called after each step with the steps done: without a hold (every product build) it returns at once;
 * at the hold it calls `onHold` (the run's last report before it waits) and waits.
 */
export async function trainingHold(
  step: number,
  signal: AbortSignal,
  onHold: () => void | Promise<void>,
): Promise<void> {
  if (holdAt === null || step < holdAt || signal.aborted) return;
  await onHold();
  const wait = holdWait(signal);
  held = { step, release: wait.release };
  await wait.done;
  held = null;
}
