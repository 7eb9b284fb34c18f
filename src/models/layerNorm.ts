/**
 * LayerNorm over the last axis as one op with its gradient written out. tfjs-layers' LayerNormalization
 * tiles its mean, variance, gamma and beta to the input's full shape, and tfjs-core's Tile gradient is
 * one Slice + Add per repetition: a [batch, tokens, dim] input costs batch x tokens of them per norm and
 * step, which made a transformer step on wasm mostly Slice and Add (docs/results.md, SReT-LT student).
 * Same values as LayerNormalization (biased variance, epsilon inside the square root), same weight
 * names (gamma, beta), so checkpoints read the same.
 *
 * With x^ = (x - mean) / sqrt(var + eps) and g = dy * gamma, per row of D values:
 *   dx = (g - mean(g) - x^ * mean(g * x^)) / sqrt(var + eps),  dgamma = sum_rows dy * x^,  dbeta = sum_rows dy.
 */
import * as tf from '@tensorflow/tfjs';

type Shape = (number | null)[];

function rowsOf(t: tf.Tensor): tf.Tensor2D {
  const d = t.shape[t.rank - 1];
  return tf.reshape(t, [t.size / d, d]);
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta over x's last axis; gamma and beta are [D]. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor {
  const op = tf.customGrad((xx, g, b, save) => {
    const x2 = xx as tf.Tensor;
    const { mean, variance } = tf.moments(x2, -1, true);
    const inv = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(x2, mean), inv);
    (save as tf.GradSaveFunc)([xhat, inv, g as tf.Tensor]);
    return {
      value: tf.add(tf.mul(xhat, g as tf.Tensor), b as tf.Tensor),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xh, iv, gm] = saved;
        const up = dy as tf.Tensor;
        const gx = tf.mul(up, gm);
        const centred = tf.sub(gx, tf.mean(gx, -1, true));
        const dx = tf.mul(tf.sub(centred, tf.mul(xh, tf.mean(tf.mul(gx, xh), -1, true))), iv);
        const dGamma = tf.sum(rowsOf(tf.mul(up, xh)), 0);
        const dBeta = tf.sum(rowsOf(up), 0);
        return [dx, dGamma, dBeta];
      },
    };
  });
  return op(x, gamma, beta);
}

/** The layer: LayerNormalization's role and weights, without its tiles. */
export class LayerNorm extends tf.layers.Layer {
  static className = 'LayerNorm';
  readonly epsilon: number;
  private gamma!: tf.LayerVariable;
  private beta!: tf.LayerVariable;

  constructor(args: { name?: string; epsilon: number }) {
    super(args);
    this.epsilon = args.epsilon;
  }

  build(inputShape: Shape | Shape[]): void {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as number[];
    const d = s[s.length - 1];
    this.gamma = this.addWeight('gamma', [d], 'float32', tf.initializers.ones());
    this.beta = this.addWeight('beta', [d], 'float32', tf.initializers.zeros());
    this.built = true;
  }

  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() =>
      layerNorm(
        Array.isArray(inputs) ? inputs[0] : inputs,
        this.gamma.read() as tf.Tensor1D,
        this.beta.read() as tf.Tensor1D,
        this.epsilon,
      ),
    );
  }

  getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(LayerNorm);
