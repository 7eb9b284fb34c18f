/**
 * Short student runs per codec, for the storage-vs-fidelity explorer: the same crop boxes (reused from
 * the explored set) relabelled by the same teacher under another codec × precision, then one short FKD
 * run on them, so the only difference between the students is how their targets were stored.
 */
import { specLabel } from '../../core/fidelity';
import type { Codec, Precision } from '../../core/softLabel';
import { getDataset, openStudioDb, putLabelSet, putRun, type LabelSet, type Run } from '../../store';
import { DEFAULT_TRAIN_CONFIG } from '../../workers/trainConfig';
import { startAfterGeneration, startGeneration, startTraining } from '../actions';
import type { Studio } from '../studio';
import { newRuns } from '../train/startRuns';
import { valAccuracy } from '../runs/compare';
import type { AccuracyPoint } from './FidelityChart';
import { newLabelSet } from './newLabelSet';

export interface CodecChoice {
  codec: Codec;
  k: number;
  precision: Precision;
}

const sameSpec = (s: LabelSet, c: CodecChoice) =>
  s.settings.codec === c.codec &&
  s.settings.precision === c.precision &&
  (!c.codec.endsWith('TopK') || s.settings.k === c.k);

/** The explored set itself, or a set that reused its boxes under this codec. */
export function codecSetFor(base: LabelSet, all: LabelSet[], c: CodecChoice): LabelSet | undefined {
  if (sameSpec(base, c)) return base;
  return all.find((s) => s.settings.reuseBoxesFrom === base.id && sameSpec(s, c) && s.status !== 'error');
}

/** Stores (if needed) the codec's label set and a short FKD run on it, then generates and trains. */
export async function launchCodecRun(
  studio: Studio,
  base: LabelSet,
  all: LabelSet[],
  c: CodecChoice,
  epochs: number,
  now: number,
): Promise<string> {
  if (!(Number.isInteger(epochs) && epochs >= 1 && epochs <= 100))
    throw new Error(`epochs must be a whole number from 1 to 100, got ${epochs}`);
  const db = await openStudioDb();
  const dataset = await getDataset(db, base.datasetId);
  if (!dataset) throw new Error(`the dataset of ${base.name} is gone`);
  let set = codecSetFor(base, all, c);
  if (!set) {
    set = newLabelSet(
      dataset,
      { id: base.teacherId, name: specLabel(c), inputSize: base.settings.inputSize },
      base.numClasses,
      {
        numCrops: base.settings.numCrops,
        codec: c.codec,
        k: c.k,
        precision: c.precision,
        temperature: base.settings.temperature,
        scale: base.settings.scale,
        seed: base.settings.seed,
        reuseBoxesFrom: base.id,
      },
      now,
    );
    set.name = `${base.name} → ${specLabel(c)}`;
    await putLabelSet(db, set);
  }
  const cfg = { ...DEFAULT_TRAIN_CONFIG, datasetId: dataset.id, epochs, labelSetId: set.id };
  const [run] = newRuns(['fkd'], cfg, dataset, set.id, now);
  run.name = `FKD · ${specLabel(c)} · ${epochs} epochs`;
  await putRun(db, run);
  if (set.status === 'done') void startTraining(studio, run.id);
  else {
    void startGeneration(studio, set.id);
    void startAfterGeneration(studio, set.id, [run.id]);
  }
  return run.id;
}

/**
 * Best val top-1 of every FKD run trained on `base` or on a set that reused its boxes (the explorer's
 * short runs and any the Train form started), placed at its codec's bytes per crop.
 */
export function accuracyPoints(
  base: LabelSet,
  sets: LabelSet[],
  runs: Run[],
  bytesOf: (c: CodecChoice) => number | undefined,
): AccuracyPoint[] {
  const out: AccuracyPoint[] = [];
  for (const r of runs) {
    const set = sets.find((s) => s.id === r.labelSetId);
    if (r.method !== 'fkd' || !set || (set.id !== base.id && set.settings.reuseBoxesFrom !== base.id))
      continue;
    const top1 = valAccuracy(r.history).bestTop1;
    if (top1 === undefined) continue;
    const c = {
      codec: set.settings.codec as Codec,
      k: set.settings.k,
      precision: set.settings.precision as Precision,
    };
    const bytes = bytesOf(c);
    if (bytes !== undefined) out.push({ ...c, bytesPerCrop: bytes, top1, runName: r.name });
  }
  return out;
}
