/**
 * The capped ReLU layers (ReLU6 in MobileNet students) with a cheaper gradient. tfjs-layers computes relu
 * then clipByValue, and clipByValue's gradient is greaterEqual, lessEqual, logicalAnd and select over the
 * whole activation, which the wasm backend runs as slow generic loops (a fifth of a mobilenetMini step:
 * docs/results.md, bench:step). Here the layer is one op: forward clipByValue(x, 0, max) (the same values),
 * gradient dy * step(x) * step(max - x), i.e. dy where 0 < x < max: PyTorch's ReLU6/hardtanh backward;
 * tfjs-layers' passes dy at x == max too, a difference only on that measure-zero set. Checked against the
 * unpatched layer (reluMaxGrad.test.ts) and across backends (gradient parity).
 */
import * as tf from '@tensorflow/tfjs';

interface ReLULayer {
  maxValue?: number | null;
}

type Call = (this: ReLULayer, inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>) => tf.Tensor;

/** min(max(x, 0), max) with the gradient described above. */
export function reluMax(x: tf.Tensor, max: number): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xIn = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([xIn]);
    return {
      value: tf.clipByValue(xIn, 0, max),
      gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) =>
        tf.mul(dy, tf.mul(tf.step(saved), tf.step(tf.sub(max, saved)))),
    };
  });
  return op(x);
}

let patched = false;

/** Routes ReLU layers with a maxValue through reluMax; plain ReLU layers keep tfjs-layers' code. */
export function patchReLUMax(): void {
  if (patched) return;
  const proto = Object.getPrototypeOf(tf.layers.reLU({ maxValue: 6 })) as { call: Call };
  const original = proto.call;
  proto.call = function (this: ReLULayer, inputs, kwargs) {
    if (this.maxValue == null) return original.call(this, inputs, kwargs);
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return reluMax(x, this.maxValue);
  };
  patched = true;
}
