/**
 * Summaries of a label set computed from its stored records (so they hold "over the crops so far" while
 * generation runs): teacher confidence (max probability) and entropy histograms, and the images whose
 * crops disagree most (share of crops whose top-1 class differs from the image's majority top-1).
 */
import { decodeLabelRecord, recordEncodedLabel } from '../core/labelRecord';
import { recoverSoftLabel } from '../core/softLabel';
import { getLabelRecords, getLabelSet, openStudioDb } from '../store';
import type { LabelStats } from './api';

const BINS = 20;
const CHUNK = 2000;

type Disagreement = LabelStats['disagreement'][number];
const byDisagreement = (a: Disagreement, b: Disagreement) =>
  b.disagreement - a.disagreement || a.imageIndex - b.imageIndex;

/** Inserts `d` into `top` (sorted, at most `n` long): the list never grows with the set. */
export function keepTop(top: Disagreement[], n: number, d: Disagreement): void {
  if (top.length >= n && (n <= 0 || byDisagreement(d, top[top.length - 1]) >= 0)) return;
  let at = top.length;
  while (at > 0 && byDisagreement(d, top[at - 1]) < 0) at--;
  top.splice(at, 0, d);
  if (top.length > n) top.pop();
}

/** `maxImages` caps the work for live views over huge sets (the first images stand in for the rest). */
export async function labelSetStats(
  labelSetId: string,
  topN = 24,
  maxImages = Infinity,
): Promise<LabelStats> {
  const db = await openStudioDb();
  const set = await getLabelSet(db, labelSetId);
  if (!set) throw new Error(`label set ${labelSetId} not found`);
  const confidence = new Array<number>(BINS).fill(0);
  const entropy = new Array<number>(BINS).fill(0);
  const maxEntropy = Math.log(set.numClasses);
  const disagreement: LabelStats['disagreement'] = [];
  let images = 0;
  let crops = 0;
  let confSum = 0;
  for (let start = 0; start < set.imagesTotal && images < maxImages; start += CHUNK) {
    const recs = await getLabelRecords(db, labelSetId, start, start + CHUNK);
    for (const [imageIndex, bytes] of recs) {
      const r = decodeLabelRecord(bytes);
      const C = r.spec.numClasses;
      const q = new Float32Array(C);
      const votes = new Map<number, number>();
      for (let c = 0; c < r.numCrops; c++) {
        recoverSoftLabel(recordEncodedLabel(r, c), r.spec, q);
        let best = 0;
        let h = 0;
        for (let j = 0; j < C; j++) {
          if (q[j] > q[best]) best = j;
          if (q[j] > 0) h -= q[j] * Math.log(q[j]);
        }
        confidence[Math.min(BINS - 1, Math.floor(q[best] * BINS))]++;
        entropy[Math.min(BINS - 1, Math.floor((h / maxEntropy) * BINS))]++;
        confSum += q[best];
        votes.set(best, (votes.get(best) ?? 0) + 1);
        crops++;
      }
      let majority = 0;
      let majorityVotes = -1;
      for (const [cls, v] of votes) if (v > majorityVotes) [majority, majorityVotes] = [cls, v];
      keepTop(disagreement, topN, {
        imageIndex,
        disagreement: 1 - majorityVotes / r.numCrops,
        majority,
        crops: r.numCrops,
      });
      images++;
    }
  }
  return {
    images,
    crops,
    confidence,
    entropy,
    maxEntropy,
    disagreement,
    meanConfidence: crops ? confSum / crops : 0,
  };
}
