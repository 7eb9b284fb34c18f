import { DEFAULT_RATIO } from '../core/cropBox';
import { usesStoredLabels } from '../core/recipe';
import type { DecodeFit } from '../data/decodeFit';
import { getLabelSet, openStudioDb, type StudioDb } from '../store';
import type { TrainConfig } from './trainConfig';

/**
 * The decode fit of a run: every crop is a RandomResizedCrop box (FKD's stored ones from the label
 * set's scale range, following reused boxes to the set that drew them), resized to the student's input
 * and, for online KD, the teacher's: the larger of the two.
 */
export async function trainDecodeFit(
  cfg: TrainConfig,
  teacherInputSize?: number,
  db?: StudioDb,
): Promise<DecodeFit> {
  const outSize = Math.max(cfg.inputSize, teacherInputSize ?? 0);
  let scale = cfg.scale;
  let ratio: [number, number] = DEFAULT_RATIO;
  if (usesStoredLabels(cfg.method) && cfg.labelSetId) {
    const store = db ?? (await openStudioDb());
    let set = await getLabelSet(store, cfg.labelSetId);
    const seen = new Set<string>();
    while (set?.settings.reuseBoxesFrom && !seen.has(set.id)) {
      seen.add(set.id);
      const from = await getLabelSet(store, set.settings.reuseBoxesFrom);
      if (!from) break;
      set = from;
    }
    if (set) {
      scale = set.settings.scale;
      ratio = set.settings.ratio;
    }
  }
  return { kind: 'randomResizedCrop', outSize, scaleMin: scale[0], ratio };
}
