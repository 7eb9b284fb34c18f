/**
 * RandomResizedCrop + horizontal flip on grey pixel arrays, in plain TS (torchvision semantics:
 * area fraction ~ U(scale), log-aspect ~ U(log ratio), 10 tries, then centre-crop fallback; output
 * resized with bilinear interpolation, half-pixel centres, like tf.image.cropAndResize-ish sampling).
 */
import type { Rng } from './prng';

export interface CropBox {
  /** Top-left corner and size in source pixels (may be fractional). */
  x: number;
  y: number;
  w: number;
  h: number;
  flip: boolean;
}

export function sampleRandomResizedCrop(
  rng: Rng,
  width: number,
  height: number,
  scale: readonly [number, number],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
  flipP = 0.5,
): CropBox {
  const area = width * height;
  const logR0 = Math.log(ratio[0]);
  const logR1 = Math.log(ratio[1]);
  let box: CropBox | null = null;
  for (let attempt = 0; attempt < 10 && box === null; attempt++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const ar = Math.exp(rng.uniform(logR0, logR1));
    const w = Math.round(Math.sqrt(target * ar));
    const h = Math.round(Math.sqrt(target / ar));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      box = { x: rng.int(width - w + 1), y: rng.int(height - h + 1), w, h, flip: false };
    }
  }
  if (box === null) {
    // Fallback: centre crop at the clamped aspect ratio.
    const inRatio = width / height;
    let w = width;
    let h = height;
    if (inRatio < ratio[0]) h = Math.round(w / ratio[0]);
    else if (inRatio > ratio[1]) w = Math.round(h * ratio[1]);
    box = { x: Math.floor((width - w) / 2), y: Math.floor((height - h) / 2), w, h, flip: false };
  }
  box.flip = rng.next() < flipP;
  return box;
}

/**
 * Bilinear resize of the crop `box` of a grey image (src, srcW x srcH, values 0..255) into
 * `out` (outW x outH, offset `outOffset`), scaled to [0, 1].
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
  const sx = box.w / outW;
  const sy = box.h / outH;
  for (let oy = 0; oy < outH; oy++) {
    let fy = box.y + (oy + 0.5) * sy - 0.5;
    if (fy < 0) fy = 0;
    if (fy > srcH - 1) fy = srcH - 1;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, srcH - 1);
    const wy = fy - y0;
    for (let ox = 0; ox < outW; ox++) {
      const oxs = box.flip ? outW - 1 - ox : ox;
      let fx = box.x + (oxs + 0.5) * sx - 0.5;
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
