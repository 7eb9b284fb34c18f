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
  const x = box.left * srcW;
  const y = box.top * srcH;
  const sx = (box.width * srcW) / outW;
  const sy = (box.height * srcH) / outH;
  for (let oy = 0; oy < outH; oy++) {
    let fy = y + (oy + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    if (fy > srcH - 1) fy = srcH - 1;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const oxs = box.flip ? outW - 1 - ox : ox;
      let fx = x + (oxs + 0.5) * sx - 0.5;
      if (fx < 0) fx = 0;
      if (fx > srcW - 1) fx = srcW - 1;
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, srcW - 1);
      const wx = fx - x0;
      const r0 = srcOffset + y0 * srcW;
      const r1 = srcOffset + y1 * srcW;
      const top = src[r0 + x0] * (1 - wx) + src[r0 + x1] * wx;
      const bot = src[r1 + x0] * (1 - wx) + src[r1 + x1] * wx;
      out[outOffset + oy * outW + ox] = (top * (1 - wy) + bot * wy) / 255;
    }
  }
}
