/**
 * FKD label file <-> the studio's label record (docs/label-record.md), and FKD's tree layout.
 *
 * What is exact and what is rounded:
 * - Labels: FKD's float32 / float16 probabilities go into records of the same precision, bit for bit
 *   (MS, MR, smoothing, ori); hard labels carry no probability. MR keeps FKD's raw p (the studio's own
 *   MR stores p / Σ); both rebuild the same target because recovery divides by the sum.
 * - Boxes: records hold integer pixel boxes of the image as indexed here; FKD's fractions are
 *   i/H, j/W, h/H, w/W of integer boxes of the image FKD decoded. Import snaps each to the nearest
 *   pixel: exact when the image sizes agree (snap < 0.5 px); `maxSnapPx` says how far it had to move.
 * - Export writes fractions as float32 (float16 if asked; float16 coords are not exact pixel
 *   boxes any more), and q8/q16 probabilities as float32 of c / M.
 */
import type { LabelRecord } from '../labelRecord';
import { LABEL_RECORD_VERSION } from '../labelRecord';
import { roundHalfEven } from '../cropBox';
import { roundToFloat16 } from '../float16';
import type { Codec, CodecSpec } from '../softLabel';
import type { FkdLabelFile, FkdLabelKind, FkdPrecision } from './fkdFile';

export function codecForKind(kind: FkdLabelKind): Codec {
  return kind === 'hard'
    ? 'hard'
    : kind === 'smoothing'
      ? 'smoothing'
      : kind === 'marginal_renorm'
        ? 'mrTopK'
        : kind === 'ori'
          ? 'full'
          : 'msTopK';
}

export function kindForCodec(codec: Codec): FkdLabelKind {
  return codec === 'hard'
    ? 'hard'
    : codec === 'smoothing'
      ? 'smoothing'
      : codec === 'mrTopK'
        ? 'marginal_renorm'
        : codec === 'full'
          ? 'ori'
          : 'marginal_smoothing';
}

export interface FkdToRecordResult {
  record: LabelRecord;
  /** Largest distance in pixels between FKD's box edge and the pixel it was snapped to. */
  maxSnapPx: number;
}

/** One FKD file as a label record of an imageWidth x imageHeight image with numClasses classes. */
export function fkdToRecord(
  f: FkdLabelFile,
  imageWidth: number,
  imageHeight: number,
  numClasses: number,
): FkdToRecordResult {
  const n = f.numCrops;
  const boxes = new Int32Array(4 * n);
  let maxSnapPx = 0;
  const W = imageWidth;
  const H = imageHeight;
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1)
    throw new RangeError(`image size must be positive integers, got ${W}x${H}`);
  const c = f.coords;
  for (let i = 0; i < n; i++) {
    // Edges rounded as the student's PIL crop rounds them (core/cropBox toPixelBox); a box never
    // shrinks below 1 px.
    const y0 = c[4 * i] * H;
    const x0 = c[4 * i + 1] * W;
    const rawH = c[4 * i + 2] * H;
    const rawW = c[4 * i + 3] * W;
    const t = roundHalfEven(y0);
    const l = roundHalfEven(x0);
    const height = Math.max(1, Math.min(roundHalfEven(y0 + rawH) - t, H));
    const width = Math.max(1, Math.min(roundHalfEven(x0 + rawW) - l, W));
    const top = Math.max(0, Math.min(t, H - height));
    const left = Math.max(0, Math.min(l, W - width));
    maxSnapPx = Math.max(
      maxSnapPx,
      Math.abs(top - y0),
      Math.abs(left - x0),
      Math.abs(height - rawH),
      Math.abs(width - rawW),
    );
    boxes[4 * i] = top;
    boxes[4 * i + 1] = left;
    boxes[4 * i + 2] = height;
    boxes[4 * i + 3] = width;
  }
  const spec: CodecSpec = { codec: codecForKind(f.kind), k: f.k, precision: f.precision, numClasses };
  return {
    record: {
      version: LABEL_RECORD_VERSION,
      spec,
      imageWidth,
      imageHeight,
      numCrops: n,
      boxes,
      flips: f.flip,
      indices: f.indices,
      probs: f.probs,
    },
    maxSnapPx,
  };
}

/** A label record as FKD's arrays, at `precision` (FKD's trainer needs float32, see docs/fkd-files.md). */
export function recordToFkd(r: LabelRecord, precision: FkdPrecision = 'f32'): FkdLabelFile {
  const n = r.numCrops;
  const round = precision === 'f16' ? roundToFloat16 : Math.fround;
  const coords = new Float32Array(4 * n);
  for (let i = 0; i < n; i++) {
    const [t, l, h, w] = r.boxes.subarray(4 * i, 4 * i + 4);
    coords[4 * i] = round(t / r.imageHeight);
    coords[4 * i + 1] = round(l / r.imageWidth);
    coords[4 * i + 2] = round(h / r.imageHeight);
    coords[4 * i + 3] = round(w / r.imageWidth);
  }
  const kind = kindForCodec(r.spec.codec);
  const k = r.spec.codec === 'hard' || r.spec.codec === 'smoothing' ? 1 : r.spec.k;
  const probs = precision === 'f16' ? r.probs.map(roundToFloat16) : r.probs;
  return { kind, k, precision, numCrops: n, coords, flip: r.flips, indices: r.indices, probs };
}

/** FKD's stem of a file name: the text before its first '.' (docs/fkd-files.md, The tree). */
export function fkdStem(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

/** Key that matches an image to its label file: class folder + stem. */
export function fkdImageKey(imagePath: string): string {
  const parts = imagePath.split('/');
  return `${parts.length >= 2 ? parts[parts.length - 2] : ''}/${fkdStem(parts[parts.length - 1])}`;
}

/** Where FKD's trainer looks for an image's labels: train/<class folder>/<stem>.tar. */
export function fkdLabelPath(imagePath: string): string {
  return `train/${fkdImageKey(imagePath)}.tar`;
}

/**
 * The image key of a label file's path relative to the chosen root: `train/<c>/<s>.tar` (FKD's
 * --softlabel_path) or `<root name>/train/<c>/<s>.tar` (Fast MEAL V2 keeps one level more).
 */
export function fkdKeyOfLabelPath(relPath: string): string | undefined {
  const parts = relPath.split('/').filter((p) => p !== '');
  const at = parts.length - 3;
  if ((at !== 0 && at !== 1) || parts[at] !== 'train' || !parts[at + 2].endsWith('.tar')) return undefined;
  return `${parts[at + 1]}/${fkdStem(parts[at + 2])}`;
}
