/**
 * BatchNormalization's training step in fewer, larger kernels. tfjs-layers normalises a training batch
 * with tf.moments and tf.batchNorm, and autodiff then walks both: ~25 kernels per layer in the backward
 * pass, many of them reductions over the batch, which the wasm backend runs slowly (in a resnetMini
 * step, batch 64: Multiply/Sum/Sub/Mean/Tile over half the step's time). Here the training-mode
 * forward and its gradient are one custom op with the textbook closed form (x^ = (x - mean) * invStd):
 *   dbeta = sum(dy), dgamma = sum(dy * x^), dx = gamma * invStd * (dy - dbeta / M - x^ * dgamma / M)
 * over the M = N*H*W positions of each channel. Same outputs, same moving-average updates (biased batch
 * variance, as tfjs-layers); checked against the unpatched layer on the cpu backend (batchNormTrain.test).
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
 * tensor first, 0.43 vs 0.10 ms for [64, 28, 28, 8] and 19 vs 0.27 ms for [64, 28, 28, 48], and its
 * single running sum is ~10x less accurate than the pool's per-image partial sums (max error against
 * a float64 sum 2e-3 vs 2.5e-4 for 50k normal values).
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
 * Normalises x ([..., C]) over all axes but the last with the batch's statistics; returns the output
 * and the batch mean and (biased) variance for the moving averages, which the caller disposes (kept:
 * they outlive every tidy).
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
    // Every op broadcasts [C] over the last axis, so x keeps its shape (the pool needs [N, H, W, C]).
    mean = tf.div(channelSum(xIn), m);
    const centred = tf.sub(xIn, mean);
    variance = tf.div(channelSum(tf.square(centred)), m);
    const invStd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const xHat = tf.mul(centred, invStd);
    save([xHat, invStd, g]);
    // The op's scope frees everything but its output: keep the statistics for the moving averages.
    tf.keep(mean);
    tf.keep(variance);
    return {
      value: tf.add(tf.mul(xHat, g), b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xh, inv, gm] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D];
        const dBeta = channelSum(dy);
        const dGamma = channelSum(tf.mul(dy, xh));
        const inner = tf.sub(tf.sub(dy, tf.div(dBeta, m)), tf.mul(xh, tf.div(dGamma, m)));
        return [tf.mul(inner, tf.mul(gm, inv)), dGamma, dBeta];
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
