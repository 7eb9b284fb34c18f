/**
 * Benchmark helper (bench:train): how fast the training loader's decode path alone runs: the run's
 * images read and decoded (decode pool, decodeFit as the run would) with as many in flight as the
 * training loop keeps (PREFETCH_STEPS steps of images), no upload, no student. numCrops times this is
 * the most crops/s FKD can train at on this machine whatever the student costs: the ceiling that the
 * pipeline efficiency (FKD / student compute-only) should be read against when decoding is the limit.
 */
import { imagesPerMultiCropStep } from '../core/schedule';
import type { DatasetReader } from './datasets';
import { readImage } from './readImage';
import { PREFETCH_STEPS } from './session';
import type { TrainConfig } from './trainConfig';
import { trainDecodeFit } from './trainFit';

export interface DecodeThroughput {
  images: number;
  seconds: number;
  imagesPerSec: number;
  inFlight: number;
  failed: number;
}

export async function decodeOnlyThroughput(
  cfg: TrainConfig,
  reader: DatasetReader,
  images: number,
): Promise<DecodeThroughput> {
  const items = reader.items.train;
  if (items.length === 0) throw new Error('no training images');
  const fit = await trainDecodeFit(cfg);
  const inFlight = PREFETCH_STEPS * imagesPerMultiCropStep(cfg.cropsPerStep, cfg.numCrops);
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < images) {
      const item = items[next++ % items.length];
      const r = await readImage(reader, item, fit);
      if ('error' in r) failed++;
    }
  };
  // A short warm-up (worker start, first decoder), then the timed stretch.
  await Promise.all(Array.from({ length: Math.min(inFlight, 8) }, () => readImage(reader, items[0], fit)));
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - t0) / 1000;
  return { images, seconds, imagesPerSec: images / seconds, inFlight, failed };
}
