/**
 * The storage-vs-fidelity explorer's input: a sample of a label set's stored crops relabelled with the
 * teacher's full (tempered) softmax. Every codec is then measured against that p on the main thread
 * (core/fidelity.ts), so the comparison needs no second label set per codec.
 */
import type { FidelitySample } from '../core/fidelity';
import { decodeLabelRecord, recordCropBoxes } from '../core/labelRecord';
import { decodeImage } from '../data/decode';
import { uploadImage } from '../engine/pixels';
import { teacherFullProbs } from '../engine/teacherProbs';
import { getDatasetItemsFor, getLabelRecord, getLabelSet, openStudioDb } from '../store';
import { DatasetReader } from './datasets';
import { openTeacher } from './teachers';

/** Up to `maxCrops` crops from up to `sampleImages` images spread over the set. */
export async function fidelitySample(
  labelSetId: string,
  sampleImages: number,
  maxCrops: number,
): Promise<FidelitySample> {
  const db = await openStudioDb();
  const set = await getLabelSet(db, labelSetId);
  if (!set) throw new Error(`label set ${labelSetId} not found (deleted?)`);
  if (set.imagesDone === 0) throw new Error(`label set ${set.name} has no labelled image yet`);
  // Holds no split: each sampled image's entry is read on its own, however large the index.
  const reader = await DatasetReader.open(set.datasetId, { splits: [] });
  const count = reader.dataset.counts.train;
  const { teacher } = await openTeacher(set.teacherId);
  const C = set.numClasses;
  const perImage = Math.max(1, Math.ceil(maxCrops / Math.max(1, sampleImages)));
  const images: FidelitySample['images'] = [];
  const chunks: Float32Array[] = [];
  try {
    const step = Math.max(1, Math.floor(count / sampleImages));
    for (let i = 0; i < count && images.length < sampleImages; i += step) {
      const bytes = await getLabelRecord(db, labelSetId, i);
      if (!bytes) continue;
      const [item] = await getDatasetItemsFor(db, set.datasetId, 'train', [i]);
      if (!item) continue;
      const rec = decodeLabelRecord(bytes);
      const decoded = await decodeImage(await reader.read(item), { name: item.path });
      if ('error' in decoded) continue;
      const boxes = recordCropBoxes(rec).slice(0, perImage);
      const image = uploadImage(decoded.pixels, decoded.width, decoded.height);
      try {
        chunks.push(await teacherFullProbs(teacher, image, boxes, set.settings.temperature));
      } finally {
        image.dispose();
      }
      images.push({
        width: rec.imageWidth,
        height: rec.imageHeight,
        crops: boxes.length,
        recordCrops: rec.numCrops,
      });
    }
  } finally {
    teacher.dispose();
  }
  if (images.length === 0) throw new Error(`no image of ${set.name} could be decoded and relabelled`);
  const probs = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    probs.set(c, at);
    at += c.length;
  }
  return { numClasses: C, images, probs };
}
