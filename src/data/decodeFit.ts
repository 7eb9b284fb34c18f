/**
 * Decoding no larger than the crops need. A 32-px student fed from 500x375 photos never samples more
 * than a fraction of the decoded pixels: even the smallest RandomResizedCrop box (8 % of the area) is
 * ~106 px across and is resampled to 32. Decoding at the smallest size that still keeps `outSize`
 * source pixels across every possible crop side costs nothing in what the model sees, and cuts the
 * decode readback, the transfer from the decode worker, the upload and the crop kernel's input, which is
 * where a decode-bound run spends its time (bench:train). Chromium scales inside createImageBitmap
 * (resizeWidth/resizeHeight), with a mipmapped filter ('medium'), which also antialiases like the
 * reference's PIL resize does, where a bilinear crop of a full-size decode would alias.
 *
 * Crop boxes are stored as fractions of the image (core CropBox), so they apply unchanged to the smaller
 * decode; the original size is still reported for the crop sampler (the same seed draws the same boxes
 * whatever the decode size). Pure: no DOM.
 */

/** What the decoded pixels will be cropped to; the decoder picks the smallest size that serves it. */
export type DecodeFit =
  /**
   * RandomResizedCrop boxes (drawn now or stored by FKD) with area >= scaleMin of the image and aspect
   * w/h in ratio, each resized to outSize. The bound holds for every box the sampler can return (its
   * centre-crop fallback is larger), so it needs neither the boxes nor the image size in advance.
   */
  | { kind: 'randomResizedCrop'; outSize: number; scaleMin: number; ratio: readonly [number, number] }
  /** The evaluation view: shorter side -> outSize * resizeRatio, centre crop outSize. */
  | { kind: 'eval'; outSize: number; resizeRatio: number };

/** Below this saving a full decode is kept: scaling costs a filter pass and gains little. */
const MIN_SAVING = 0.8;

/**
 * The factor (0, 1] to scale a width x height image by before cropping; 1 = decode at full size.
 * The smallest crop side then still spans at least outSize decoded pixels, so no crop is upsampled
 * that would not have been upsampled from the full-size decode.
 */
export function decodeScale(width: number, height: number, fit: DecodeFit): number {
  if (!(width > 0 && height > 0 && fit.outSize > 0)) return 1;
  let smallestCropSide: number;
  if (fit.kind === 'randomResizedCrop') {
    // A box of area s*W*H with w/h = r has w = sqrt(s*A*r), h = sqrt(s*A/r): the narrowest side over
    // the ratio range is sqrt(s*A*min(r0, 1/r1)). Clamped to the image (the sampler clamps too).
    const [r0, r1] = fit.ratio;
    const rMin = Math.min(r0, 1 / r1, 1);
    smallestCropSide = Math.min(Math.sqrt(Math.max(fit.scaleMin, 0) * width * height * rMin), width, height);
  } else {
    smallestCropSide = Math.min(width, height) / Math.max(fit.resizeRatio, 1);
  }
  if (smallestCropSide <= 0) return 1;
  const f = fit.outSize / smallestCropSide;
  return f >= MIN_SAVING ? 1 : f;
}

/** The decoded size for a fit, or null for a full-size decode. At least outSize on each side. */
export function decodeSize(
  width: number,
  height: number,
  fit: DecodeFit | undefined,
): { width: number; height: number } | null {
  if (!fit) return null;
  const f = decodeScale(width, height, fit);
  if (f >= 1) return null;
  // The epsilon keeps float noise (375 * (256 / 375) = 256.00000000000003) from adding a pixel.
  const side = (n: number) => Math.min(n, Math.max(1, Math.ceil(n * f - 1e-9)));
  return { width: side(width), height: side(height) };
}
