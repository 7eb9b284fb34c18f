/**
 * The training loop itself, shared by real runs (train.ts) and the speed table (speed.ts): the next
 * steps' images and labels load ahead (a bounded prefetch) while the device runs this one, and the loss
 * is read back one step behind, so a step is queued before the previous one's loss is waited for.
 */
import { cpuSlot } from '../data/cpuSlots';
import { prefetch } from '../data/prefetch';
import type { StepPhases } from './api';
import type { StepInput } from './batches';
import { PREFETCH_STEPS, type StepOutcome } from './session';

/** What the loop needs of a session (a TrainSession; tests use a fake). */
export interface StepSource {
  load(g: number): Promise<StepInput>;
  step(g: number, input: StepInput, wantSample: boolean): StepOutcome | null;
}

export type { StepPhases };

export const noPhases = (): StepPhases => ({ waitInput: 0, submit: 0, waitLoss: 0 });

export interface LoopStep {
  /** The step just submitted. */
  g: number;
  /** Null when none of the step's images could be used. */
  out: StepOutcome | null;
  /** Loss of the latest step read back (one behind `g`); NaN before the first. */
  loss: number;
  /** The loss readback still in flight (this step's, or the latest step that had one). */
  pending: Promise<number> | null;
}

export interface LoopOptions {
  /** Asked before each step: whether it should also read back a live sample. */
  wantSample?: () => boolean;
  /** Runs before each step is submitted; a throw fails the loop there (the test fault hook). */
  beforeStep?: (g: number) => void;
  /** Accumulates the loop's phases. */
  phases?: StepPhases;
}

/** The images a loaded step holds on the device, freed when it will not be trained. */
export function disposeInput(input: StepInput): void {
  for (const im of input.images) {
    im.pixels.dispose();
    im.mix?.partner.dispose();
  }
}

function* loads(s: StepSource, from: number, to: number): Generator<() => Promise<StepInput>> {
  for (let g = from; g < to; g++) yield () => s.load(g);
}

/**
 * Steps [from, to), yielding after each is submitted. Breaking out stops the loads, frees the ones
 * done ahead and lets the last loss readback finish.
 */
export async function* trainSteps(
  s: StepSource,
  from: number,
  to: number,
  opts: LoopOptions = {},
): AsyncGenerator<LoopStep, void, undefined> {
  const phases = opts.phases ?? noPhases();
  let pending: Promise<number> | null = null;
  let loss = NaN;
  let g = from;
  let t = performance.now();
  try {
    for await (const input of prefetch(loads(s, from, to), PREFETCH_STEPS, { discard: disposeInput })) {
      phases.waitInput += (performance.now() - t) / 1000;
      try {
        opts.beforeStep?.(g);
      } catch (e) {
        disposeInput(input);
        throw e;
      }
      t = performance.now();
      // The step's compute takes a slot of the studio's CPU budget (data/cpuSlots.ts).
      const release = await cpuSlot();
      let out: StepOutcome | null;
      try {
        out = s.step(g, input, opts.wantSample?.() ?? false);
      } finally {
        release();
      }
      phases.submit += (performance.now() - t) / 1000;
      if (out) {
        // At most one loss readback in flight: bounded lag without stalling the queue every step.
        if (pending) {
          t = performance.now();
          loss = await pending;
          phases.waitLoss += (performance.now() - t) / 1000;
        }
        pending = out.loss;
      }
      yield { g, out, loss, pending };
      g++;
      t = performance.now();
    }
    if (pending) {
      const last = pending;
      pending = null;
      await last;
    }
  } finally {
    if (pending) await pending.catch(() => undefined);
  }
}
