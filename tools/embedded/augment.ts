/**
 * Cuts an FKD crop box out of a grey pixel array and resizes it with bilinear interpolation and
 * half-pixel centres (as tf.image.resizeBilinear with halfPixelCenters), so the teacher trains on the
 * same crops the studio samples with core/cropBox.
 */
import { sampleCropBoxes, type CropBox } from '../../src/core/cropBox';
import type { Rng } from '../../src/core/rng';

/**
 * One training view of a size x size image: an FKD RandomResizedCrop + flip with `scale`, or with
 * probability `fullP` the whole image keeping the drawn flip (so the teacher also classifies whole images).
 */
export function trainCrop(rng: Rng, size: number, scale: [number, number], fullP: number): CropBox {
  const [box] = sampleCropBoxes(rng, size, size, 1, { scale });
  if (fullP > 0 && rng.bernoulli(fullP)) return { top: 0, left: 0, height: 1, width: 1, flip: box.flip };
  return box;
}

/** Bilinear taps along one axis: output i reads source lo[i] and hi[i] with weight w[i] on hi. */
function axisTaps(start: number, step: number, n: number, size: number, flip: boolean) {
  const lo = new Int32Array(n);
  const hi = new Int32Array(n);
  const w = new Float64Array(n);
  for (let o = 0; o < n; o++) {
    const f = Math.min(Math.max(start + ((flip ? n - 1 - o : o) + 0.5) * step - 0.5, 0), size - 1);
    lo[o] = Math.floor(f);
    hi[o] = Math.min(lo[o] + 1, size - 1);
    w[o] = f - lo[o];
  }
  return { lo, hi, w };
}

/**
 * Bilinear resize of the crop `box` (fractions of the image; mirrored when `box.flip`) of a grey image
 * (src, srcW x srcH, values 0..255) into `out` (outW x outH, offset `outOffset`), scaled to [0, 1].
 */
export function cropResizeGrey(
  src: Uint8Array,
  srcOffset: number,
  srcW: number,
  srcH: number,
  box: CropBox,
  out: Float32Array,
  outOffset: number,
  outW: number,
  outH: number,
): void {
  const cols = axisTaps(box.left * srcW, (box.width * srcW) / outW, outW, srcW, box.flip);
  const rows = axisTaps(box.top * srcH, (box.height * srcH) / outH, outH, srcH, false);
  for (let oy = 0; oy < outH; oy++) {
    const r0 = srcOffset + rows.lo[oy] * srcW;
    const r1 = srcOffset + rows.hi[oy] * srcW;
    const wy = rows.w[oy];
    for (let ox = 0; ox < outW; ox++) {
      const x0 = cols.lo[ox];
      const x1 = cols.hi[ox];
      const wx = cols.w[ox];
      const top = src[r0 + x0] * (1 - wx) + src[r0 + x1] * wx;
      const bot = src[r1 + x0] * (1 - wx) + src[r1 + x1] * wx;
      out[outOffset + oy * outW + ox] = (top * (1 - wy) + bot * wy) / 255;
    }
  }
}
