/**
 * A new soft-label set record, as the Soft labels form and the Train form's one-click "generate now"
 * both make it: one place decides the defaults and the name, so the two cannot drift apart.
 */
import { liveImages, type Dataset, type LabelSet, type LabelSetSettings } from '../../store';

export { DEFAULT_LABEL_SETTINGS, defaultLabelScale } from '../../core/labelSettings';

/** What the user chooses; the ratio is FKD's default and the input size the labeller's. */
export type LabelSetChoice = Omit<LabelSetSettings, 'ratio' | 'inputSize'>;

/** The record to store before generation starts (status pending, nothing done). */
export function newLabelSet(
  dataset: Pick<Dataset, 'id' | 'name' | 'counts' | 'gone'>,
  labeller: { id: string; name: string; inputSize: number },
  numClasses: number,
  choice: LabelSetChoice,
  now: number,
): LabelSet {
  const topK = choice.codec.endsWith('TopK');
  const mixed = choice.labelMix && choice.labelMix !== 'none';
  return {
    id: `labels:${now.toString(36)}`,
    datasetId: dataset.id,
    teacherId: labeller.id,
    name: `${dataset.name} · ${labeller.name} · ${choice.numCrops} crops · ${choice.codec}${topK ? choice.k : ''}${mixed ? ` · ${choice.labelMix} at label time` : ''}`,
    settings: {
      numCrops: choice.numCrops,
      codec: choice.codec,
      k: topK ? choice.k : 1,
      precision: choice.precision,
      temperature: choice.temperature,
      scale: choice.scale,
      ratio: [3 / 4, 4 / 3],
      seed: choice.seed,
      inputSize: labeller.inputSize,
      reuseBoxesFrom: choice.reuseBoxesFrom,
      ...(mixed ? { labelMix: choice.labelMix } : {}),
      ...(choice.subset ? { subset: choice.subset } : {}),
    },
    numClasses,
    imagesDone: 0,
    imagesTotal: liveImages(dataset, 'train'),
    bytes: 0,
    status: 'pending',
    createdAt: now,
    updatedAt: now,
  };
}
