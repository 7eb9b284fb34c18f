/**
 * The one top-k readback: top-k of each (selected) row computed on the device, so only k (class,
 * value) pairs per row come back, asynchronously: never dataSync (docs/tfjs-notes.md, Readbacks).
 */
import * as tf from '@tensorflow/tfjs';

/** Flat, row-major top-k of `rows` rows: row r's j-th largest is at r * k + j. */
export interface TopK {
  indices: Int32Array;
  values: Float32Array;
  rows: number;
  k: number;
}

export interface TopKPair {
  index: number;
  prob: number;
}

/**
 * Top-k of each row of `m`, or of the rows listed in `rows` (in that order). The device work is queued
 * before this returns, so the caller may dispose `m` at once; `m` is left alone otherwise.
 */
export async function readTopK(m: tf.Tensor2D, k: number, rows?: readonly number[]): Promise<TopK> {
  const kk = Math.min(k, m.shape[1]);
  const { values, indices } = tf.tidy(() => {
    const sub = rows ? tf.gather(m, tf.tensor1d(Int32Array.from(rows), 'int32')) : m;
    return tf.topk(sub, kk);
  });
  try {
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    return {
      indices: Int32Array.from(i),
      values: Float32Array.from(v),
      rows: values.shape[0] as number,
      k: kk,
    };
  } finally {
    values.dispose();
    indices.dispose();
  }
}

/** Row by row (class, probability) pairs of a top-k readback: what the live views draw. */
export function topKPairs(t: TopK): TopKPair[][] {
  return Array.from({ length: t.rows }, (_, r) =>
    Array.from({ length: t.k }, (_, j) => ({ index: t.indices[r * t.k + j], prob: t.values[r * t.k + j] })),
  );
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
