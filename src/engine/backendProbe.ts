/**
 * Short timed probes used by backend selection when the choice is not obvious (software WebGPU):
 * on machines without a GPU SwiftShader WebGPU was slower than WebGL for training (docs/results.md), but
 * that ranking depends on the host, so we measure instead of hard-coding it.
 * Each probe runs on the CURRENT backend: one warm-up run (shader compilation), then the best of a few
 * timed runs, each finished with `await data()`, never dataSync (docs/tfjs-notes.md, First-step cost
 * and Readbacks).
 */
import * as tf from '@tensorflow/tfjs';

export type ProbeJob = 'train' | 'inference';

const BATCH = 8;
const SIZE = 16;
const CLASSES = 10;
const TIMED_RUNS = 2;

function seededUniform(shape: number[], seed: number, scale: number): tf.Tensor {
  return tf.randomUniform(shape, -scale, scale, 'float32', seed);
}

/** A conv8 -> conv16/2 -> GAP -> dense net (the tinyCnn shape), or a 2-layer MLP when convs are absent. */
function makeParams(convs: boolean): tf.Variable[] {
  return tf.tidy(() =>
    convs
      ? [
          tf.variable(seededUniform([3, 3, 3, 8], 1, 0.3)),
          tf.variable(seededUniform([3, 3, 8, 16], 2, 0.2)),
          tf.variable(seededUniform([16, CLASSES], 3, 0.3)),
        ]
      : [
          tf.variable(seededUniform([SIZE * SIZE * 3, 64], 1, 0.05)),
          tf.variable(seededUniform([64, CLASSES], 2, 0.2)),
        ],
  );
}

function forward(params: tf.Variable[], x: tf.Tensor4D, convs: boolean): tf.Tensor2D {
  if (convs) {
    const h1 = tf.relu(tf.conv2d(x, params[0] as tf.Tensor4D, 1, 'same'));
    const h2 = tf.relu(tf.conv2d(h1, params[1] as tf.Tensor4D, 2, 'same'));
    return tf.matMul(tf.mean(h2, [1, 2]) as tf.Tensor2D, params[2] as tf.Tensor2D);
  }
  const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
  return tf.matMul(tf.relu(tf.matMul(flat, params[0] as tf.Tensor2D)), params[1] as tf.Tensor2D);
}

/** One synchronous step; returns a scalar to read back so the timing includes the device work. */
function runOnce(
  job: ProbeJob,
  params: tf.Variable[],
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  convs: boolean,
): tf.Scalar {
  return tf.tidy(() => {
    if (job === 'inference') return tf.sum(forward(params, x, convs)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(y, forward(params, x, convs)) as tf.Scalar,
      params,
    );
    for (const p of params) p.assign(tf.sub(p, tf.mul(grads[p.name], 0.01)));
    return value;
  });
}

/** Milliseconds per step on the active backend (best of TIMED_RUNS after a warm-up). */
export async function probeCurrentBackend(job: ProbeJob, convs: boolean): Promise<number> {
  const params = makeParams(convs);
  const x = tf.tidy(() => seededUniform([BATCH, SIZE, SIZE, 3], 4, 1)) as tf.Tensor4D;
  const y = tf.tidy(() => tf.oneHot(tf.range(0, BATCH, 1, 'int32'), CLASSES)) as tf.Tensor2D;
  try {
    const warm = runOnce(job, params, x, y, convs);
    await warm.data();
    warm.dispose();
    let best = Infinity;
    for (let i = 0; i < TIMED_RUNS; i++) {
      const t0 = performance.now();
      const out = runOnce(job, params, x, y, convs);
      await out.data();
      best = Math.min(best, performance.now() - t0);
      out.dispose();
    }
    return best;
  } finally {
    tf.dispose([...params, x, y]);
  }
}
