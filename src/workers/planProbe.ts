/**
 * The Soft labels plan's probe: a few seeded images of the dataset read, decoded and labelled by the
 * teacher exactly as generation does (same decode, crop sampler, batcher and codec), nothing stored.
 * It gives the plan the image sizes the record's box fields depend on and, when no finished generation
 * has measured one, the crop rate of this teacher on this machine.
 */
import { sampleCropBoxes } from '../core/cropBox';
import { Rng } from '../core/rng';
import { storedK, type CodecSpec } from '../core/softLabel';
import { decodeOffThread } from '../data/decodePool';
import { teacherSoftTopKBatch } from '../engine/teacherStep';
import { getDatasetItems, openStudioDb, type DatasetItem } from '../store';
import type { PlanProbeResult } from './api';
import { DatasetReader } from './datasets';
import { decodeAhead } from './decodeAhead';
import { OpenImage } from './labelImage';
import { TeacherBatcher } from './teacherBatcher';
import { openTeacher } from './teachers';
import { teacherBatchSize } from './generate';

/** Seeded distinct train indices spread over the split (never a list of the whole split). */
export function probeIndices(total: number, count: number, seed: number): number[] {
  const rng = new Rng(seed).fork('plan-probe');
  const picked = new Set<number>();
  while (picked.size < Math.min(count, total)) picked.add(rng.int(0, total - 1));
  return [...picked].sort((a, b) => a - b);
}

export async function planProbe(
  datasetId: string,
  teacherId: string,
  numCrops: number,
  images: number,
): Promise<PlanProbeResult> {
  const db = await openStudioDb();
  const reader = await DatasetReader.open(datasetId, { splits: [] });
  const total = reader.dataset.counts.train;
  const items: DatasetItem[] = [];
  for (const i of probeIndices(total, images, 1))
    for (const it of await getDatasetItems(db, datasetId, 'train', i, i + 1)) if (!it.gone) items.push(it);
  const { teacher } = await openTeacher(teacherId);
  try {
    const numClasses = teacher.config.numClasses;
    const spec: CodecSpec = { codec: 'msTopK', k: Math.min(5, numClasses), precision: 'q8', numClasses };
    const k = storedK(spec);
    const sizes: { width: number; height: number }[] = [];
    let crops = 0;
    const batcher = new TeacherBatcher<OpenImage>(
      (parts) => teacherSoftTopKBatch(teacher, parts, 1, k),
      teacherBatchSize(teacher.config.inputSize, teacher.config.channels),
      async (im) => {
        im.image.dispose();
        crops += im.boxes.length;
      },
    );
    let t0 = performance.now();
    let warm = false;
    try {
      for await (const { item, decoded } of decodeAhead(reader, items, 8, decodeOffThread)) {
        if ('error' in decoded) continue;
        const { width: W, height: H } = decoded;
        sizes.push({ width: W, height: H });
        const boxes = sampleCropBoxes(new Rng(1).fork(sizes.length), W, H, numCrops, {
          scale: [0.08, 1],
          ratio: [3 / 4, 4 / 3],
        });
        await batcher.add(new OpenImage(item, decoded.pixels, W, H, boxes, spec, k));
        if (!warm) {
          // The first image alone warms the teacher: its one-off compile is not labelling time.
          await batcher.drain();
          warm = true;
          crops = 0;
          t0 = performance.now();
        }
      }
      await batcher.drain();
    } finally {
      for (const im of batcher.unfinished()) im.image.dispose();
    }
    const seconds = (performance.now() - t0) / 1000;
    return { sizes, crops, seconds, cropsPerSec: seconds > 0 ? crops / seconds : 0 };
  } finally {
    teacher.dispose();
  }
}
