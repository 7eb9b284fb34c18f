/**
 * BatchNormalization's training step in fewer, larger kernels. tfjs-layers normalises a training batch
 * with tf.moments and tf.batchNorm, and autodiff then walks both: ~25 kernels per layer in the backward
 * pass, many of them reductions over the batch, which the wasm backend runs slowly (in a resnetMini
 * step, batch 64: Multiply/Sum/Sub/Mean/Tile over half the step's time). Here the training-mode
 * forward and its gradient are one custom op with the textbook closed form (x^ = (x - mean) * invStd):
 *   dbeta = sum(dy), dgamma = sum(dy * x^), dx = gamma * invStd * (dy - dbeta / M - x^ * dgamma / M)
 * over the M = N*H*W positions of each channel (computed in the equivalent form given at
 * batchNormTraining). Same outputs, same moving-average updates (biased batch variance, as
 * tfjs-layers); checked against the unpatched layer on the cpu backend (batchNormTrain.test).
 * Inference and layers normalising over another axis keep the original code.
 */
import * as tf from '@tensorflow/tfjs';

interface BatchNormLayer {
  axis: number;
  epsilon: number;
  momentum: number;
  center: boolean;
  scale: boolean;
  gamma: tf.LayerVariable;
  beta: tf.LayerVariable;
  movingMean: tf.LayerVariable;
  movingVariance: tf.LayerVariable;
}

type Call = (
  this: BatchNormLayer,
  inputs: tf.Tensor | tf.Tensor[],
  kwargs: Record<string, unknown>,
) => tf.Tensor;

/**
 * Per-channel sums of x ([..., C]) over every other axis. For [N, H, W, C] as a global average pool
 * (times H*W) and a sum over the N rows: on wasm tf.sum over the leading axes transposes the whole
 * tensor first, which costs far more than the pool, and its single running sum is less accurate than
 * the pool's per-image partial sums (both measured: docs/results.md, bench:step).
 */
function channelSum(x: tf.Tensor): tf.Tensor1D {
  const c = x.shape[x.rank - 1];
  if (x.rank === 4) {
    const [n, h, w] = x.shape;
    const pooled = tf.mul(tf.avgPool(x as tf.Tensor4D, [h, w], 1, 'valid'), h * w);
    return tf.sum(tf.reshape(pooled, [n, c]), 0);
  }
  return tf.sum(tf.reshape(x, [x.size / c, c]), 0);
}

/**
 * A per-channel vector ready to combine with a [..., C] tensor. On wasm, binary ops that broadcast a
 * [C] vector with C < 32 run a slow indexed loop, slower than a tile to the full shape plus a same-shape
 * op (docs/results.md, bench:step). So there the vector is tiled out first; other backends broadcast at
 * no cost.
 */
function perChannel(v: tf.Tensor1D, like: tf.Tensor): tf.Tensor {
  const c = v.shape[0];
  if (c >= 32 || tf.getBackend() !== 'wasm') return v;
  return tf.reshape(tf.tile(tf.reshape(v, [1, c]), [like.size / c, 1]), like.shape);
}

/**
 * Normalises x ([..., C]) over all axes but the last with the batch's statistics; returns the output
 * and the batch mean and (biased) variance for the moving averages, which the caller disposes (kept:
 * they outlive every tidy). Written as per-channel affine maps of the centred input, y = x_c * a + beta
 * with x_c = x - mean, a = gamma * invStd, so that each full-size op takes one per-channel vector (see
 * perChannel); the gradient is the same closed form in those terms:
 *   dbeta = sum(dy), dgamma = invStd * sum(dy * x_c),
 *   dx = a * dy + x_c * (-a * invStd * dgamma / M) - a * dbeta / M.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): { y: tf.Tensor; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  const c = x.shape[x.rank - 1];
  const m = x.size / c;
  let mean: tf.Tensor1D | null = null;
  let variance: tf.Tensor1D | null = null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xIn, g, b] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    // Every op keeps x's shape (the pool needs [N, H, W, C]).
    mean = tf.div(channelSum(xIn), m);
    const centred = tf.sub(xIn, perChannel(mean, xIn));
    variance = tf.div(channelSum(tf.square(centred)), m);
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const a = tf.mul(g, invStd) as tf.Tensor1D;
    save([centred, invStd, a]);
    // The op's scope frees everything but its output: keep the statistics for the moving averages.
    tf.keep(mean);
    tf.keep(variance);
    return {
      value: tf.add(tf.mul(centred, perChannel(a, centred)), perChannel(b, centred)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xc, inv, scale] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
        const dBeta = channelSum(dy);
        const dGamma = tf.mul(channelSum(tf.mul(dy, xc)), inv) as tf.Tensor1D;
        const onCentred = tf.neg(tf.mul(tf.mul(scale, inv), tf.div(dGamma, m))) as tf.Tensor1D;
        const offset = tf.neg(tf.mul(scale, tf.div(dBeta, m))) as tf.Tensor1D;
        const dx = tf.add(
          tf.add(tf.mul(dy, perChannel(scale, dy)), tf.mul(xc, perChannel(onCentred, xc))),
          perChannel(offset, dy),
        );
        return [dx, dGamma, dBeta];
      },
    };
  });
  const y = op(x, gamma, beta);
  return { y, mean: mean!, variance: variance! };
}

let patched = false;

/** Routes BatchNormalization layers' training calls (channels-last) through batchNormTraining. */
export function patchBatchNormTraining(): void {
  if (patched) return;
  const proto = Object.getPrototypeOf(tf.layers.batchNormalization({})) as { call: Call };
  const original = proto.call;
  proto.call = function (this: BatchNormLayer, inputs, kwargs) {
    const input = Array.isArray(inputs) ? inputs[0] : inputs;
    const lastAxis = this.axis === -1 || this.axis === input.rank - 1;
    if (!kwargs?.training || !lastAxis || !this.center || !this.scale) {
      return original.call(this, inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(
        input,
        this.gamma.read() as tf.Tensor1D,
        this.beta.read() as tf.Tensor1D,
        this.epsilon,
      );
      // The moving averages exactly as tfjs-layers updates them (outside the gradient).
      for (const [variable, value] of [
        [this.movingMean, mean],
        [this.movingVariance, variance],
      ] as const) {
        tf.tidy(() => {
          const orig = variable.read();
          variable.write(tf.sub(orig, tf.mul(tf.sub(orig, value), 1 - this.momentum)));
        });
      }
      tf.dispose([mean, variance]);
      return y;
    });
  };
  patched = true;
}
