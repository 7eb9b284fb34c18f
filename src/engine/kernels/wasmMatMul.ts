/**
 * Speed patch for training dense layers on the tfjs wasm backend (browser and Node).
 *
 * The wasm BatchMatMul kernel is far slower with transposeA/transposeB than with the operand
 * pre-transposed (docs/results.md, bench:step), and dense-layer gradients use exactly those flags. This
 * re-registers BatchMatMul for 'wasm' so that transposed operands are first materialised with the
 * (fast) Transpose kernel and the product runs untransposed. Results are the same product
 * (unit-tested against the cpu backend). Applied whenever the wasm backend is registered: the
 * studio trains MLP students on wasm where it is the fastest backend (no GPU).
 */
import type * as tf from '@tensorflow/tfjs';
import { replaceWasmKernel, wasmKernel, withKernelScope } from './wasmKernels';

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

let patched = false;

export function patchWasmBatchMatMul(): void {
  if (patched) return;
  const transpose = wasmKernel('Transpose');
  replaceWasmKernel('BatchMatMul', (orig) => (args) => {
    const attrs = args.attrs as unknown as MatMulAttrs;
    if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args);
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    return withKernelScope(args.backend as tf.KernelBackend, (k) => {
      const tr = (t: tf.TensorInfo): tf.TensorInfo => {
        const r = t.shape.length;
        return k.run(transpose, { x: t }, { perm: [...Array(r - 2).keys(), r - 1, r - 2] });
      };
      return k.keep(
        orig,
        { a: attrs.transposeA ? tr(a) : a, b: attrs.transposeB ? tr(b) : b },
        { ...args.attrs, transposeA: false, transposeB: false },
      );
    });
  });
  patched = true;
}
