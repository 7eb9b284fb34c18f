import * as tf from '@tensorflow/tfjs';

/** Top-k (index, value) of selected rows of a probability matrix, e.g. the soft targets of one image's crops. */
export async function topKRows(
  m: tf.Tensor2D,
  rows: number[],
  k: number,
): Promise<{ index: number; prob: number }[][]> {
  const { values, indices } = tf.tidy(() =>
    tf.topk(tf.gather(m, tf.tensor1d(rows, 'int32')), Math.min(k, m.shape[1])),
  );
  try {
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    const kk = values.shape[1] as number;
    return rows.map((_, r) =>
      Array.from({ length: kk }, (_, j) => ({ index: i[r * kk + j], prob: v[r * kk + j] })),
    );
  } finally {
    values.dispose();
    indices.dispose();
  }
}
