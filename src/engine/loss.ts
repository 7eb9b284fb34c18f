/**
 * FKD losses (docs/fkd.md, Loss). Soft cross-entropy, not KL: they differ by the target entropy, a
 * constant, so the gradients are equal. T divides only the student logits and there is no T^2 factor,
 * as in train_FKD.py. Both are synchronous so they can sit inside the train step's tidy.
 */
import * as tf from '@tensorflow/tfjs';

/** mean over crops of  -sum_c q_c * log softmax(z / T)_c. */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D, temperature = 1): tf.Scalar {
  return tf.tidy(() => {
    const scaled = temperature === 1 ? logits : tf.div(logits, temperature);
    const perCrop = tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(scaled)), 1));
    return tf.mean(perCrop) as tf.Scalar;
  });
}

/** Ordinary cross-entropy with integer class labels (validation loss, docs/fkd.md, Evaluation). */
export function hardCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = logits.shape[1];
    const oneHot = tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, numClasses);
    return softCrossEntropy(logits, oneHot as tf.Tensor2D, 1);
  });
}
