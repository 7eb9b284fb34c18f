/**
 * The teacher's half of FKD: crops of uploaded images -> softmax(logits / T) -> top-k, computed on
 * the device so only k (class, prob) pairs per crop are read back (docs/tfjs-notes.md, Readbacks).
 */
import * as tf from '@tensorflow/tfjs';
import { sameInput } from '../models/ensemble';
import type { Teacher, TeacherConfig } from '../models/teacher';
import {
  batchFromImages,
  type CropImage,
  cropAndResizeBox,
  cropSource,
  cropsFromImage,
  normaliseCrops,
  type CropBox,
} from './crops';
import { readTopK, type TopK } from './topk';
import { cropMixWeights, type CropMix } from '../core/labelMix';
import { mixCropPairs } from './mix';

/** A label-time mix of an image's crops (core/labelMix.ts): the partner's upload, boxes and the mixes. */
export interface PartMix {
  partner: tf.Tensor3D;
  /** Crop i's partner box. */
  partnerBoxes: CropBox[];
  crops: CropMix[];
  /** Side of the crop the CutMix boxes are drawn on. */
  size: number;
}

/** Crops of one image for the teacher, with their label-time mix when the set mixes. */
export interface TeacherPart {
  image: tf.Tensor3D;
  boxes: CropBox[];
  mix?: PartMix;
}

/**
 * Synchronous, tidy: the tempered probabilities of every crop, [crops, C]. For an ensemble whose
 * members share one input: mean_i softmax(z_i / T).
 */
export function teacherProbs(teacher: Teacher, crops: tf.Tensor4D, temperature: number): tf.Tensor2D {
  return tf.tidy(() => {
    if (teacher.members) return meanOf(teacher.members.map((m) => teacherProbs(m, crops, temperature)));
    return tf.softmax(tf.div(teacher.predictLogits(crops), temperature)) as tf.Tensor2D;
  });
}

function meanOf(probs: tf.Tensor2D[]): tf.Tensor2D {
  return probs.length === 1 ? probs[0] : (tf.div(tf.addN(probs), probs.length) as tf.Tensor2D);
}

/** The crop options a teacher's config asks for. */
export function cropOptions(cfg: TeacherConfig): Parameters<typeof normaliseCrops>[1] {
  return { normalisation: cfg.normalisation, channels: cfg.channels, channelOrder: cfg.channelOrder };
}

/**
 * Synchronous, tidy: tempered probabilities of the crops `cropsFor` makes for a teacher's input config.
 * A single teacher: its softmax. An ensemble: the mean of its members' softmaxes, the crops made once
 * per distinct input config (members sharing size and normalisation share one cropAndResize).
 */
export function teacherProbsOf(
  teacher: Teacher,
  cropsFor: (cfg: TeacherConfig) => tf.Tensor4D,
  temperature: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const made: { cfg: TeacherConfig; x: tf.Tensor4D }[] = [];
    const probs = (teacher.members ?? [teacher]).map((m) => {
      let hit = made.find((e) => sameInput(e.cfg, m.config));
      if (!hit) {
        hit = { cfg: m.config, x: cropsFor(m.config) };
        made.push(hit);
      }
      return teacherProbs(m, hit.x, temperature);
    });
    return meanOf(probs);
  });
}

/**
 * Crops of SEVERAL uploaded images in ONE teacher forward (small images bring few crops each; one
 * forward per image would leave the device idle between tiny batches). Rows are image-major, in
 * `parts` order. The device work is queued synchronously when this is called; the returned promise is
 * only the small top-k readback, so a caller can queue the next batch before awaiting this one.
 */
export function teacherSoftTopKBatch(
  teacher: Teacher,
  parts: TeacherPart[],
  temperature: number,
  k: number,
): Promise<TopK> {
  const cropsFor = (cfg: TeacherConfig) => teacherCrops(parts, cfg.inputSize, cropOptions(cfg));
  const probs = teacherProbsOf(teacher, cropsFor, temperature);
  try {
    return readTopK(probs, k);
  } finally {
    probs.dispose();
  }
}

/**
 * The teacher's input: every part's crops, image-major, each mixed with its partner crop first when
 * the part has a label-time mix (the same mixCropPairs the trainer replays it with). Synchronous, tidy.
 */
export function teacherCrops(
  parts: TeacherPart[],
  outSize: number,
  opts: Parameters<typeof normaliseCrops>[1],
): tf.Tensor4D {
  const crop = (ps: { image: tf.Tensor3D; boxes: CropBox[] }[]) =>
    sameShape(ps)
      ? stackedCrops(ps, outSize, opts)
      : (tf.concat(
          ps.map((p) => cropsFromImage(p.image, p.boxes, outSize, opts)),
          0,
        ) as tf.Tensor4D);
  return tf.tidy(() => {
    const own = crop(parts);
    if (!parts.some((p) => p.mix)) return own;
    const partner = crop(parts.map((p) => (p.mix ? { image: p.mix.partner, boxes: p.mix.partnerBoxes } : p)));
    const sizes = new Set(parts.flatMap((p) => (p.mix ? [p.mix.size] : [])));
    if (sizes.size > 1)
      throw new Error(`label-time mixes on crops of different sizes (${[...sizes].join(', ')})`);
    const mixes = parts.flatMap((p) => (p.mix ? p.mix.crops : new Array<undefined>(p.boxes.length)));
    return mixCropPairs(own, partner, cropMixWeights(mixes, [...sizes][0], outSize));
  });
}

function sameShape(parts: { image: tf.Tensor3D }[]): boolean {
  return parts.length > 1 && parts.every((p) => tf.util.arraysEqual(p.image.shape, parts[0].image.shape));
}

/**
 * Same-size images (the embedded 28x28 set): one stack, one edge pad, ONE cropAndResize over all their
 * boxes (boxInd picks the image) and one normalisation, instead of a dozen small ops per image. Every
 * output pixel is computed from the same inputs by the same arithmetic as cropsFromImage's.
 */
function stackedCrops(
  parts: { image: tf.Tensor3D; boxes: CropBox[] }[],
  outSize: number,
  opts: Parameters<typeof normaliseCrops>[1],
): tf.Tensor4D {
  return tf.tidy(() => {
    const [h, w] = parts[0].image.shape;
    // One channel for a grey teacher before the crop (crops.ts cropSource): 3x less to resample.
    const f = tf.stack(parts.map((p) => cropSource(p.image, opts))) as tf.Tensor4D;
    // Replicate the edge pixels once on every side (see crops.ts: makes the torch clamp exact).
    const rows = tf.concat(
      [tf.slice(f, [0, 0, 0, 0], [-1, 1, -1, -1]), f, tf.slice(f, [0, h - 1, 0, 0], [-1, 1, -1, -1])],
      1,
    );
    const padded = tf.concat(
      [
        tf.slice(rows, [0, 0, 0, 0], [-1, -1, 1, -1]),
        rows,
        tf.slice(rows, [0, 0, w - 1, 0], [-1, -1, 1, -1]),
      ],
      2,
    ) as tf.Tensor4D;
    const coords: number[][] = [];
    const boxInd: number[] = [];
    parts.forEach((p, i) => {
      for (const b of p.boxes) {
        coords.push(cropAndResizeBox(b, h, w, outSize));
        boxInd.push(i);
      }
    });
    const crops = tf.image.cropAndResize(
      padded,
      tf.tensor2d(coords, [coords.length, 4]),
      tf.tensor1d(boxInd, 'int32'),
      [outSize, outSize],
      'bilinear',
    );
    return normaliseCrops(crops, opts);
  });
}

/**
 * Online KD targets: the teacher sees the very crops the student trains on (same boxes and flips, at
 * the teacher's own input size), in the student batch's CropRows order. Synchronous; caller disposes.
 */
export function teacherBatchTargets(
  teacher: Teacher,
  images: { pixels: CropImage; boxes: CropBox[] }[],
  temperature: number,
): tf.Tensor2D {
  return teacherProbsOf(
    teacher,
    (cfg) => batchFromImages(images, cfg.inputSize, cropOptions(cfg)).x,
    temperature,
  );
}
