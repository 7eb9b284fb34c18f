/**
 * Validation as the reference (2.7): resize the shorter side to S*256/224, centre crop S, top-1/top-5
 * against the hard labels, plus per-class accuracy and a confusion matrix whose cells remember which
 * images fell in them (so the UI can open them).
 */
import { mostConfusedPairs } from '../core/classNames';
import { itemId } from '../data/itemId';
import { EVAL_RESIZE_RATIO } from '../core/cropBox';
import type { DecodeFit } from '../data/decodeFit';
import { readImage } from './readImage';
import { evalCrops } from '../engine/crops';
import { uploadPadded } from '../engine/pixels';
import { predictClasses } from '../engine/predict';
import { concatRows, disposeAll, type Tensor4D } from '../engine/tensors';
import type { Trainer } from '../engine/trainStep';
import type { DatasetItem, EvalResult } from '../store';
import type { ProgressFn } from './api';
import type { DatasetReader } from './datasets';
import { ProgressReporter } from './progress';
import { cpuSlot } from '../data/cpuSlots';
import { decodeProblemsFrom, noteDecodeProblems } from './decodeReport';

export type { EvalResult };

const EVAL_BATCH = 64;
/** Most-confused class pairs kept with each evaluation. */
const CONFUSED_PAIRS = 20;

export async function evaluateItems(
  trainer: Trainer,
  reader: DatasetReader,
  items: DatasetItem[],
  opts: {
    inputSize: number;
    channels: 1 | 3;
    normalisation: 'imagenet' | 'unit' | 'symmetric';
    numClasses: number;
  },
  signal?: AbortSignal,
  onProgress?: ProgressFn,
): Promise<EvalResult> {
  const progress = new ProgressReporter(onProgress);
  const C = opts.numClasses;
  // evalCrops' view: decode no larger than its centre crop needs.
  const fit: DecodeFit = { kind: 'eval', outSize: opts.inputSize, resizeRatio: EVAL_RESIZE_RATIO };
  const classes = new Set(items.map((it) => it.classIndex));
  const perClass = new Map<number, { correct: number; total: number }>();
  for (const c of classes) perClass.set(c, { correct: 0, total: 0 });
  const confusion = C <= 100 ? Array.from({ length: C }, () => new Array<number>(C).fill(0)) : undefined;
  const cellItems: Record<string, number[]> = {};
  // Mistakes by (true, predicted), sparse: beyond 100 classes they replace the confusion matrix.
  const pairCounts: Record<string, number> = {};
  const skipped: EvalResult['skipped'] = [];
  let top1 = 0;
  let top5 = 0;
  let lossSum = 0;
  let seen = 0;
  for (let start = 0; start < items.length; start += EVAL_BATCH) {
    if (signal?.aborted) throw new Error('evaluation cancelled');
    const batch = items.slice(start, start + EVAL_BATCH);
    const decoded = await Promise.all(batch.map(async (it) => ({ it, d: await readImage(reader, it, fit) })));
    // A batch's crops and forward take a slot of the CPU budget, as a training step does: outside it an
    // evaluation computed beside the other job's unit and left the page no core.
    const release = await cpuSlot(signal);
    try {
      const good: DatasetItem[] = [];
      const views: Tensor4D[] = [];
      const batchSkips: EvalResult['skipped'] = [];
      const warned: { path: string; warnings: string[] }[] = [];
      let x: Tensor4D;
      try {
        for (const { it, d } of decoded) {
          if ('error' in d) {
            skipped.push({ path: itemId(it), reason: d.error });
            batchSkips.push({ path: itemId(it), reason: d.error });
            continue;
          }
          if (d.warnings.length) warned.push({ path: itemId(it), warnings: d.warnings });
          const px = uploadPadded(d.pixels, d.width, d.height);
          try {
            views.push(evalCrops(px, opts.inputSize, opts));
            good.push(it);
          } finally {
            px.dispose();
          }
        }
        noteDecodeProblems(reader.dataset.id, decodeProblemsFrom(batchSkips, warned));
        if (good.length === 0) continue;
        x = concatRows(views);
      } finally {
        // Also when an image's crop (or the concat) throws mid-batch: the views made so far are freed,
        // not left on the device for the rest of the worker's life.
        disposeAll(...views);
      }
      const labels = Int32Array.from(good, (it) => it.classIndex);
      try {
        const r = await predictClasses(trainer, x, labels);
        good.forEach((it, i) => {
          const pred = r.top1[i];
          const hit = pred === it.classIndex;
          const pc = perClass.get(it.classIndex)!;
          pc.total++;
          if (hit) {
            pc.correct++;
            top1++;
          }
          if (r.top5Hit[i]) top5++;
          if (confusion && pred < C && it.classIndex < C) confusion[it.classIndex][pred]++;
          const key = `${it.classIndex},${pred}`;
          if (!hit) pairCounts[key] = (pairCounts[key] ?? 0) + 1;
          const list = (cellItems[key] ??= []);
          if (list.length < 24) list.push(it.index);
        });
        lossSum += r.loss * good.length;
        seen += good.length;
      } finally {
        x.dispose();
      }
    } finally {
      release();
    }
    progress.update({
      phase: 'evaluating',
      done: Math.min(start + EVAL_BATCH, items.length),
      total: items.length,
    });
  }
  return {
    images: seen,
    top1: seen ? top1 / seen : 0,
    top5: seen ? top5 / seen : 0,
    loss: seen ? lossSum / seen : 0,
    perClass: [...perClass.entries()].sort((a, b) => a[0] - b[0]).map(([index, v]) => ({ index, ...v })),
    confusion,
    confusedPairs: mostConfusedPairs(pairCounts, CONFUSED_PAIRS),
    cellItems,
    skipped,
  };
}
