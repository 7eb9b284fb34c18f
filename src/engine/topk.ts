/**
 * Small, asynchronous readbacks of predictions: never dataSync, only top-k-sized tensors
 * (docs/tfjs-notes.md, Readbacks).
 */
import * as tf from '@tensorflow/tfjs';

/** Top-k of each row: flat [rows * k] arrays, row-major. `logits` is left alone (caller owns it). */
export async function topKAsync(
  logits: tf.Tensor2D,
  k: number,
): Promise<{ indices: Int32Array; values: Float32Array }> {
  const kk = Math.min(k, logits.shape[1]);
  const { values, indices } = tf.topk(logits, kk);
  try {
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    return { indices: Int32Array.from(i), values: Float32Array.from(v) };
  } finally {
    values.dispose();
    indices.dispose();
  }
}

/**
 * How many rows have their label as the arg-max (top1) and within the 5 largest logits (top5).
 * Computed on the device; only two numbers come back.
 */
export async function accuracyCounts(
  logits: tf.Tensor2D,
  labels: Int32Array | tf.Tensor1D,
): Promise<{ top1: number; top5: number }> {
  const counts = tf.tidy(() => {
    const k = Math.min(5, logits.shape[1]);
    const labelTensor = labels instanceof tf.Tensor ? tf.cast(labels, 'int32') : tf.tensor1d(labels, 'int32');
    const { indices } = tf.topk(logits, k);
    const hits = tf.cast(tf.equal(indices, tf.expandDims(labelTensor, 1)), 'int32'); // [N, k]
    const top1 = tf.sum(tf.slice(hits, [0, 0], [-1, 1]));
    const top5 = tf.sum(hits);
    return tf.stack([top1, top5]);
  });
  try {
    const [top1, top5] = await counts.data();
    return { top1, top5 };
  } finally {
    counts.dispose();
  }
}
