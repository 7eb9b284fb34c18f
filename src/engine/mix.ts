/**
 * Mixup / CutMix applied on the device to a crop batch and its targets (docs/fkd.md, Mixup and CutMix): the
 * parameters come from core/mixing (seeded), the target is the linear mix of the two stored soft
 * labels, not a teacher prediction on the mixed image.
 */
import * as tf from '@tensorflow/tfjs';
import type { MixParams } from '../core/mixing';

/** Returns [mixed x, mixed targets]; synchronous (call inside the step's tidy or dispose yourself). */
export function mixBatch(x: tf.Tensor4D, targets: tf.Tensor2D, mix: MixParams): [tf.Tensor4D, tf.Tensor2D] {
  return tf.tidy(() => {
    if (mix.kind === 'none') return [x.clone(), targets.clone()];
    const perm = tf.tensor1d(Array.from(mix.perm), 'int32');
    const xb = tf.gather(x, perm) as tf.Tensor4D;
    const tb = tf.gather(targets, perm) as tf.Tensor2D;
    const l = mix.lambda;
    const mixedTargets = tf.add(tf.mul(targets, l), tf.mul(tb, 1 - l)) as tf.Tensor2D;
    if (mix.kind === 'mixup') return [tf.add(tf.mul(x, l), tf.mul(xb, 1 - l)) as tf.Tensor4D, mixedTargets];
    const [, h, w] = x.shape;
    const b = mix.box!;
    // A 0/1 mask of the pasted region, broadcast over batch and channels.
    const mask = tf.buffer([1, h, w, 1], 'float32');
    for (let r = b.y1; r < b.y2; r++) for (let c = b.x1; c < b.x2; c++) mask.set(1, 0, r, c, 0);
    const m = mask.toTensor();
    return [tf.add(tf.mul(x, tf.sub(1, m)), tf.mul(xb, m)) as tf.Tensor4D, mixedTargets];
  });
}
