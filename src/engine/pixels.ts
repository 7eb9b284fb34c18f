/**
 * Decoded pixels to the device, once per image (architecture: "decode once, upload once, crop many").
 * RGBA from the decoder is packed to RGB on the CPU first so the upload is 3/4 the size and the crop
 * kernel never sees alpha.
 */
import * as tf from '@tensorflow/tfjs';

export function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Uint8Array {
  const n = width * height;
  if (rgba.length !== n * 4) throw new Error(`expected ${n * 4} RGBA bytes, got ${rgba.length}`);
  const rgb = new Uint8Array(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    rgb[i * 3] = rgba[j];
    rgb[i * 3 + 1] = rgba[j + 1];
    rgb[i * 3 + 2] = rgba[j + 2];
  }
  return rgb;
}

/** [H, W, 3] int32 tensor in 0..255; the caller disposes it. */
export function uploadImage(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): tf.Tensor3D {
  return tf.tensor3d(rgbaToRgb(rgba, width, height), [height, width, 3], 'int32');
}

/**
 * An image on the device as the crop kernel wants it (crops.ts): float32 RGB in 0..255, its edge
 * pixels replicated once on every side, so `tensor` is [H+2, W+2, 3] for an H x W image. Built on the
 * CPU in the same pass that drops alpha: padding and casting with tf ops cost ~6 small kernels per
 * image on every step (docs/results.md, bench:train), and float32 is the same upload size as the int32
 * it replaces.
 */
export class PaddedImage {
  constructor(
    readonly tensor: tf.Tensor3D,
    /** The image's own size, without the edge. */
    readonly height: number,
    readonly width: number,
  ) {}

  get channels(): number {
    return this.tensor.shape[2];
  }

  dispose(): void {
    this.tensor.dispose();
  }
}

/** RGBA -> edge-padded RGB float32 ([(H+2) * (W+2) * 3]), the layout PaddedImage holds. */
export function rgbaToPaddedRgb(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): Float32Array {
  if (rgba.length !== width * height * 4) {
    throw new Error(`expected ${width * height * 4} RGBA bytes, got ${rgba.length}`);
  }
  const pw = width + 2;
  const out = new Float32Array((height + 2) * pw * 3);
  for (let py = 0; py < height + 2; py++) {
    // Row -1 repeats row 0 and row H repeats row H-1; likewise columns.
    const y = Math.min(Math.max(py - 1, 0), height - 1);
    for (let px = 0; px < pw; px++) {
      const x = Math.min(Math.max(px - 1, 0), width - 1);
      const s = (y * width + x) * 4;
      const d = (py * pw + px) * 3;
      out[d] = rgba[s];
      out[d + 1] = rgba[s + 1];
      out[d + 2] = rgba[s + 2];
    }
  }
  return out;
}

/** Uploads decoded RGBA as a PaddedImage; the caller disposes it. */
export function uploadPadded(
  rgba: Uint8ClampedArray | Uint8Array,
  width: number,
  height: number,
): PaddedImage {
  const data = rgbaToPaddedRgb(rgba, width, height);
  return new PaddedImage(tf.tensor3d(data, [height + 2, width + 2, 3], 'float32'), height, width);
}
