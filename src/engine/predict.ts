/**
 * Student predictions for the live view and evaluation: softmax top-k of a few rows, read back async.
 */
import * as tf from '@tensorflow/tfjs';
import { readTopK, type TopK } from './topk';
import type { Trainer } from './trainStep';

/** The student's softmax top-k of some rows of a batch (inference mode). */
export function predictTopK(
  trainer: Trainer,
  x: tf.Tensor4D,
  rows: readonly number[],
  k: number,
): Promise<TopK> {
  const probs = tf.tidy(() => {
    const sub = tf.gather(x, tf.tensor1d(Int32Array.from(rows), 'int32')) as tf.Tensor4D;
    return tf.softmax(trainer.evaluate(sub)) as tf.Tensor2D;
  });
  try {
    return readTopK(probs, k);
  } finally {
    probs.dispose();
  }
}

/** Arg-max and top-5 hit per row for a val batch: small Int32 readback. */
export async function predictClasses(
  trainer: Trainer,
  x: tf.Tensor4D,
  labels: Int32Array,
): Promise<{ top1: Int32Array; top5Hit: Uint8Array; loss: number }> {
  const { top1, hits, loss } = tf.tidy(() => {
    const { logits, loss } = trainer.evaluateLoss(x, labels);
    const k = Math.min(5, logits.shape[1]);
    const { indices } = tf.topk(logits, k);
    const hits = tf.any(tf.equal(indices, tf.expandDims(tf.tensor1d(labels, 'int32'), 1)), 1);
    return { top1: tf.squeeze(tf.slice(indices, [0, 0], [-1, 1]), [1]), hits: tf.cast(hits, 'int32'), loss };
  });
  try {
    const [t, h, l] = await Promise.all([top1.data(), hits.data(), loss.data()]);
    return { top1: Int32Array.from(t), top5Hit: Uint8Array.from(h), loss: l[0] };
  } finally {
    top1.dispose();
    hits.dispose();
    loss.dispose();
  }
}
