/**
 * Speed patch for training dense layers on the tfjs wasm backend (browser and Node).
 *
 * The wasm BatchMatMul kernel is slow with transposeA/transposeB (measured here: a
 * [128,784]^T x [128,512] product takes ~60 ms with transposeA vs ~2 ms for the same product
 * with the operand pre-transposed), and dense-layer gradients use exactly those flags. This
 * re-registers BatchMatMul for 'wasm' so that transposed operands are first materialised with the
 * (fast) Transpose kernel and the product runs untransposed. Results are the same product
 * (unit-tested against the cpu backend). Applied whenever the wasm backend is registered: the
 * studio trains MLP students on wasm where it is the fastest backend (no GPU).
 */
import * as tf from '@tensorflow/tfjs';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

let patched = false;

export function patchWasmBatchMatMul(): void {
  if (patched) return;
  const orig = tf.getKernel('BatchMatMul', 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!orig || !transpose) throw new Error('wasm BatchMatMul/Transpose kernels not registered');
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    setupFunc: orig.setupFunc,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as MatMulAttrs;
      if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args);
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const backend = args.backend as tf.KernelBackend;
      const tr = (t: tf.TensorInfo): tf.TensorInfo => {
        const r = t.shape.length;
        const perm = [...Array(r - 2).keys(), r - 1, r - 2];
        return transpose.kernelFunc({ inputs: { x: t }, backend, attrs: { perm } }) as tf.TensorInfo;
      };
      const a2 = attrs.transposeA ? tr(a) : a;
      const b2 = attrs.transposeB ? tr(b) : b;
      const out = orig.kernelFunc({
        inputs: { a: a2, b: b2 },
        backend,
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
      if (a2 !== a) backend.disposeData(a2.dataId);
      if (b2 !== b) backend.disposeData(b2.dataId);
      return out;
    },
  });
  patched = true;
}
