/**
 * Crop boxes: torchvision's RandomResizedCrop.get_params, the stored FKD box format, and the eval box.
 *
 * Why: FKD stores, per crop, only the box (top/H, left/W, h/H, w/W) and a flip bit (docs/fkd.md, Crop
 * boxes); the student later re-cuts the same region from its own decode (Loader). For our labels to be
 * interchangeable with released ones (and vice versa) the sampler must be torchvision's algorithm to the
 * bit, including its quirks:
 *  - torch draws the two uniforms as float32 (24 random bits, one rounding of x*(hi-lo)+lo) and computes
 *    log(ratio) and exp(log-aspect) in float32, so we do the same with Math.fround;
 *  - Python's round() is round-half-to-even (banker's), not Math.round;
 *  - torch.randint's upper bound is exclusive, our `int` is inclusive;
 *  - after 10 failed tries the fallback is a centre crop clamped to the ratio range.
 * The random source is an interface so tests can replay the draws torch made (see gen_core_a.py).
 */

import type { Rng } from './rng';

/** What the crop sampler needs from a random source; `Rng` implements it. */
export interface UniformSource {
  /** Uniform in [0, 1). */
  uniform(): number;
  /** Uniform integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number;
}

/** An integer pixel box on an image (i, j, h, w in torchvision's naming). */
export interface PixelBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** A stored crop: fractions of the original image (top/H, left/W, h/H, w/W) plus the flip bit. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
  flip: boolean;
}

export const DEFAULT_SCALE: [number, number] = [0.08, 1.0];
export const DEFAULT_RATIO: [number, number] = [3 / 4, 4 / 3];

/** Python 3 round(): halves go to the even neighbour (round(0.5) = 0, round(2.5) = 2). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f; // exact for |x| < 2^52
  if (d < 0.5) return f;
  if (d > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * torch's CPU `uniform_(lo, hi)` on a float32 tensor, given its underlying uniform u: lo and hi become
 * float32, u * (hi - lo) + lo is rounded once to float32 (checked bit-exact against torch 1.13).
 */
export function torchUniformF32(u: number, lo: number, hi: number): number {
  const lo32 = Math.fround(lo);
  return Math.fround(u * Math.fround(Math.fround(hi) - lo32) + lo32);
}

function checkSize(W: number, H: number): void {
  if (!Number.isInteger(W) || !Number.isInteger(H) || W < 1 || H < 1) {
    throw new RangeError(`image size must be positive integers, got ${W}x${H}`);
  }
}

/**
 * torchvision.transforms.RandomResizedCrop.get_params on a W x H image. Consumes, per try, two
 * `uniform()` draws (scale, log-aspect) and, on success, `int(0, H-h)` then `int(0, W-w)`.
 */
export function randomResizedCropParams(
  src: UniformSource,
  W: number,
  H: number,
  scale: [number, number] = DEFAULT_SCALE,
  ratio: [number, number] = DEFAULT_RATIO,
): PixelBox {
  checkSize(W, H);
  if (!(scale[0] <= scale[1]) || !(ratio[0] <= ratio[1])) {
    throw new RangeError(`scale and ratio must be [lo, hi] with lo <= hi, got ${scale} / ${ratio}`);
  }
  const area = W * H;
  // torch: log_ratio = torch.log(torch.tensor(ratio)) is a float32 tensor.
  const logR0 = Math.fround(Math.log(Math.fround(ratio[0])));
  const logR1 = Math.fround(Math.log(Math.fround(ratio[1])));
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * torchUniformF32(src.uniform(), scale[0], scale[1]);
    // torch.exp on float32 (SLEEF) is within 1 ulp of the correctly rounded value we compute here.
    const aspect = Math.fround(Math.exp(torchUniformF32(src.uniform(), logR0, logR1)));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= W && h > 0 && h <= H) {
      const top = src.int(0, H - h);
      const left = src.int(0, W - w);
      return { top, left, height: h, width: w };
    }
  }
  // Fallback: the largest centred box whose aspect is clamped into the ratio range.
  const inRatio = W / H;
  const rMin = Math.min(ratio[0], ratio[1]);
  const rMax = Math.max(ratio[0], ratio[1]);
  let w = W;
  let h = H;
  if (inRatio < rMin) {
    h = roundHalfEven(w / rMin);
  } else if (inRatio > rMax) {
    w = roundHalfEven(h * rMax);
  }
  return { top: Math.floor((H - h) / 2), left: Math.floor((W - w) / 2), height: h, width: w };
}

export interface SampleCropOptions {
  scale?: [number, number];
  ratio?: [number, number];
  /** Probability of a horizontal flip, drawn after the box (FKD default 0.5). */
  flipProb?: number;
}

/** `numCrops` i.i.d. FKD crops of one W x H image: RandomResizedCrop box, then a flip bit. */
export function sampleCropBoxes(
  rng: Rng,
  W: number,
  H: number,
  numCrops: number,
  opts: SampleCropOptions = {},
): CropBox[] {
  const flipProb = opts.flipProb ?? 0.5;
  const out: CropBox[] = [];
  for (let k = 0; k < numCrops; k++) {
    const p = randomResizedCropParams(rng, W, H, opts.scale ?? DEFAULT_SCALE, opts.ratio ?? DEFAULT_RATIO);
    const flip = rng.bernoulli(flipProb);
    out.push(fromPixelBox(p, W, H, flip));
  }
  return out;
}

/** Pixel box -> stored fractions, as the generator records them (i/H, j/W, h/H, w/W). */
export function fromPixelBox(p: PixelBox, W: number, H: number, flip = false): CropBox {
  return { top: p.top / H, left: p.left / W, height: p.height / H, width: p.width / W, flip };
}

/**
 * Stored fractions -> integer pixel box on a W x H decode, the way the student's PIL crop rounds:
 * Image.crop((left, top, left + width, top + height)) rounds each edge with Python round(). Boxes that
 * came from integer pixel boxes (even through float32) come back exactly.
 */
export function toPixelBox(box: CropBox, W: number, H: number): PixelBox {
  checkSize(W, H);
  const x0 = box.left * W;
  const y0 = box.top * H;
  const left = roundHalfEven(x0);
  const top = roundHalfEven(y0);
  const right = roundHalfEven(x0 + box.width * W);
  const bottom = roundHalfEven(y0 + box.height * H);
  return { top, left, height: bottom - top, width: right - left };
}

/**
 * The eval view (docs/fkd.md, Evaluation) as a box on the original image: Resize(shorter side to
 * round(size * resizeRatio)) then CenterCrop(size), i.e. torchvision Resize(256) + CenterCrop(224) for
 * the defaults. torchvision sizes the long side as int(short' * long / short) and offsets the centre crop
 * by int(round((side - size) / 2)); the returned fractions are relative to the resized image, which is
 * the same as relative to the original.
 */
/** The eval view's resize ratio: Resize(256) + CenterCrop(224), scaled to any input size. */
export const EVAL_RESIZE_RATIO = 256 / 224;

export function evalCropBox(W: number, H: number, size: number, resizeRatio = EVAL_RESIZE_RATIO): CropBox {
  checkSize(W, H);
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`size must be a positive integer, got ${size}`);
  const short = roundHalfEven(size * resizeRatio);
  if (short < size)
    throw new RangeError(`resizeRatio ${resizeRatio} would make the centre crop pad the image`);
  let rW: number;
  let rH: number;
  if (W <= H) {
    rW = short;
    rH = Math.floor((short * H) / W);
  } else {
    rH = short;
    rW = Math.floor((short * W) / H);
  }
  const top = roundHalfEven((rH - size) / 2);
  const left = roundHalfEven((rW - size) / 2);
  return { top: top / rH, left: left / rW, height: size / rH, width: size / rW, flip: false };
}
