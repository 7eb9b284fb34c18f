/**
 * Benchmark helper (bench:data): decode + crop throughput in the worker, the data path of generation
 * and training without teacher or student. Per image: decodeOffThread (the decode pool, as generation
 * and training decode; with a fit, no larger than the crops need, as training does) -> uploadImage
 * (once) -> cropsFromImage with `cropsPerImage` RandomResizedCrop boxes sampled on the source size at
 * outSize -> a one-number readback (the sum of the crops) so the device work has surely run -> dispose.
 * Decoding runs a few images ahead through the same bounded prefetch as generation, so the figures are
 * those of a pipeline, and crops/s at N crops per decode over crops/s at 1 shows the FKD amortisation.
 */
import * as tf from '@tensorflow/tfjs';
import { DEFAULT_RATIO, DEFAULT_SCALE, sampleCropBoxes } from '../core/cropBox';
import { Rng } from '../core/rng';
import type { DecodeFit } from '../data/decodeFit';
import { decodeOffThread } from '../data/decodePool';
import { prefetch } from '../data/prefetch';
import { cropsFromImage } from '../engine/crops';
import { uploadImage } from '../engine/pixels';
import { currentBackend } from '../engine/tensors';

export interface DecodeCropThroughput {
  backend: string;
  cropsPerImage: number;
  outSize: number;
  images: number;
  crops: number;
  seconds: number;
  imagesPerSec: number;
  cropsPerSec: number;
  /** Whether decodes were fitted to the crops (training's path) or full size (generation's). */
  fitted: boolean;
  /** Mean decoded size: below the source size where the fit allowed a smaller decode. */
  decodedWidth: number;
  decodedHeight: number;
  /** Mean time per image awaiting its decode (ms): near 0 when decoding keeps ahead of the device. */
  decodeWaitMs: number;
  /** Images that failed to decode (should be 0). */
  failed: number;
  /** Sum over all readbacks: proves the crops were computed (and keeps them from being optimised out). */
  checksum: number;
}

const DECODE_AHEAD = 4;
const WARMUP_IMAGES = 3;

/** One image through the pipeline; resolves with the sum of its crops (a 4-byte readback). */
async function cropOnce(
  pixels: Uint8ClampedArray,
  w: number,
  h: number,
  boxes: ReturnType<typeof sampleCropBoxes>,
  outSize: number,
): Promise<number> {
  const image = uploadImage(pixels, w, h);
  const total = tf.tidy(() =>
    tf.sum(cropsFromImage(image, boxes, outSize, { normalisation: 'imagenet', channels: 3 })),
  );
  image.dispose();
  try {
    return (await total.data())[0];
  } finally {
    total.dispose();
  }
}

/**
 * Cycles through `blobs` for about `seconds` (after an untimed warm-up of a few images that compiles
 * the kernels for this crop count), `cropsPerImage` fresh seeded boxes per decoded image. `fitted`
 * decodes as training does (no larger than RandomResizedCrop boxes at FKD's default scale need for
 * outSize); otherwise at full size, as generation does.
 */
export async function decodeCropThroughput(
  blobs: Blob[],
  cropsPerImage: number,
  outSize: number,
  seconds: number,
  fitted = false,
): Promise<DecodeCropThroughput> {
  if (blobs.length === 0) throw new Error('decodeCropThroughput: no images');
  const rng = new Rng(1234).fork(cropsPerImage);
  const fit: DecodeFit | undefined = fitted
    ? { kind: 'randomResizedCrop', outSize, scaleMin: DEFAULT_SCALE[0], ratio: DEFAULT_RATIO }
    : undefined;
  function* decodes(): Generator<() => ReturnType<typeof decodeOffThread>> {
    for (let next = 0; ; next++) yield () => decodeOffThread(blobs[next % blobs.length], { fit });
  }
  const ahead = prefetch(decodes(), DECODE_AHEAD);
  let images = 0;
  let failed = 0;
  let checksum = 0;
  let waitMs = 0;
  let decodedPixelsW = 0;
  let decodedPixelsH = 0;
  const one = async (): Promise<void> => {
    const tw = performance.now();
    const { value: d } = await ahead.next();
    if (!d) throw new Error('decode-ahead ended'); // an endless cycle: cannot happen
    waitMs += performance.now() - tw;
    if ('error' in d) {
      failed++;
      return;
    }
    // Boxes are fractions of the image, drawn on its own size whatever the decoded size.
    const boxes = sampleCropBoxes(rng, d.sourceWidth, d.sourceHeight, cropsPerImage);
    checksum += await cropOnce(d.pixels, d.width, d.height, boxes, outSize);
    decodedPixelsW += d.width;
    decodedPixelsH += d.height;
    images++;
  };
  for (let i = 0; i < WARMUP_IMAGES; i++) await one();
  images = 0;
  failed = 0;
  waitMs = 0;
  decodedPixelsW = 0;
  decodedPixelsH = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  while (performance.now() < end) await one();
  const elapsed = (performance.now() - t0) / 1000;
  await ahead.return();
  const crops = images * cropsPerImage;
  return {
    backend: currentBackend(),
    cropsPerImage,
    outSize,
    images,
    crops,
    seconds: elapsed,
    imagesPerSec: images / elapsed,
    cropsPerSec: crops / elapsed,
    fitted,
    decodedWidth: images ? decodedPixelsW / images : 0,
    decodedHeight: images ? decodedPixelsH / images : 0,
    decodeWaitMs: images + failed ? waitMs / (images + failed) : 0,
    failed,
    checksum,
  };
}
