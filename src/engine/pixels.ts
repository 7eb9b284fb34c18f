/**
 * Decoded pixels to the GPU, once per image (architecture: "decode once, upload once, crop many").
 * RGBA from OffscreenCanvas is packed to RGB on the CPU first so the upload is 3/4 the size and the
 * crop kernel never sees alpha.
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
