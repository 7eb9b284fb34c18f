/**
 * Presenter mode's training: one batch per click on a session that lives only in this worker (no run
 * is stored). Each step reports the batch's first images, their crops and targets, and the student's
 * top-k on those crops just before and just after the step, so a class sees one update happen.
 */
import { batchFromImages } from '../engine/crops';
import { predictTopK } from '../engine/predict';
import { topKPairs } from '../engine/topk';
import { LIVE_IMAGES, TrainSession, type LiveSample } from './session';
import type { TrainConfig } from './trainConfig';

export interface PresenterStep {
  /** The step's live sample: images, boxes, targets, and the student's top-k after the step. */
  after: LiveSample;
  /** The student's top-k on the same crops (same order) before the step. */
  before: { index: number; prob: number }[][];
  loss: number;
  totalSteps: number;
}

let current: { key: string; session: TrainSession; next: number } | null = null;

export function presenterReset(): void {
  current?.session.dispose();
  current = null;
}

export async function presenterStep(cfg: TrainConfig): Promise<PresenterStep> {
  const key = JSON.stringify(cfg);
  if (current?.key !== key) {
    presenterReset();
    current = { key, session: await TrainSession.open(cfg), next: 0 };
  }
  const { session } = current;
  if (current.next >= session.totalSteps) throw new Error('the schedule is finished: reset to start again');
  const g = current.next++;
  const input = await session.load(g);
  if (input.images.length === 0) throw new Error(`step ${g} has no decodable image`);
  const shown = input.images.slice(0, LIVE_IMAGES);
  const batch = batchFromImages(
    input.images.map((im) => ({ pixels: im.pixels, boxes: im.boxes })),
    cfg.inputSize,
    { normalisation: cfg.normalisation, channels: cfg.channels },
  );
  let before: { index: number; prob: number }[][];
  try {
    const rows = shown.flatMap((_, i) => batch.rows.rowsOf(i));
    before = topKPairs(await predictTopK(session.trainer, batch.x, rows, 5));
  } finally {
    batch.x.dispose();
  }
  const outcome = session.step(g, input, true);
  if (!outcome?.sample) throw new Error(`step ${g} trained nothing`);
  const [after, loss] = await Promise.all([outcome.sample, outcome.loss]);
  return { after, before, loss, totalSteps: session.totalSteps };
}
