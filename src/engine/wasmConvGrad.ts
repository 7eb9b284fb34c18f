/**
 * Conv gradients on the tfjs wasm backend, as forward convs (XNNPACK, the fast kernel there).
 * tfjs-backend-wasm 4.22 has no 'Conv2DBackpropFilter' kernel, so conv students could not train on
 * wasm, the fastest CPU backend here. The filter gradient is a correlation of the input with dy:
 *   dW[kh,kw,ci,co] = sum_{n,i,j} xs[n, kh + i*sh, kw + j*sw, ci] * dy[n,i,j,co]
 * (xs = x padded as the forward padded it, 'same' or 'valid' by tfjs' own rules), i.e. a forward conv of
 * xs with its batch and channel axes swapped ([Ci, H, W, N]) by dy as the filter ([Ho, Wo, N, Co]),
 * dilated by the stride. Measured on a resnetMini step (32 crops, Node): 14 ms for all its filter
 * gradients, vs 150 ms through the native Conv3DBackpropFilterV2 with depth 1 (which is also wrong for
 * stride 2) and 163-445 ms for im2col + matmul variants. The native Conv2DBackpropInput is replaced
 * too, at stride 1 (below). Checked against the cpu backend (wasmConvGrad.test.ts, gradient parity).
 */
import * as tf from '@tensorflow/tfjs';
import {
  convInfo,
  kernelScope,
  padHW,
  replaceWasmKernel,
  wasmKernel,
  type ConvGeometryAttrs,
  type Shape4,
} from './wasmKernels';

/** The attributes tfjs gives both conv backprop kernels. */
interface ConvGradAttrs extends ConvGeometryAttrs {
  dataFormat: 'NHWC' | 'NCHW';
}

let patched = false;

export function patchWasmConv2DBackpropFilter(): void {
  if (patched || tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const pad = wasmKernel('PadV2');
  const slice = wasmKernel('Slice');
  const transpose = wasmKernel('Transpose');
  const conv2d = wasmKernel('Conv2D');
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: Shape4 };
      if (attrs.dataFormat !== 'NHWC') throw new Error('wasm Conv2DBackpropFilter: only NHWC');
      const info = convInfo(x.shape as Shape4, attrs.filterShape, attrs);
      const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
      const [fh, fw, ci] = attrs.filterShape;
      const k = kernelScope(args.backend as tf.KernelBackend);
      try {
        // xs: x padded as the forward padded it, cut to the rows/columns the strided windows reach.
        const { top, left, bottom, right } = info.padInfo;
        const padded = k.run(pad, { x }, padHW(top, bottom, left, right));
        const size = [x.shape[0], (ho - 1) * sh + fh, (wo - 1) * sw + fw, ci];
        const xs = k.run(slice, { x: padded }, { begin: [0, 0, 0, 0], size });
        // dW[kh,kw,ci,co] = sum_{n,i,j} xs[n, kh + i*sh, kw + j*sw, ci] * dy[n,i,j,co]: a forward conv of
        // xs with channels and batch swapped ([Ci, Hs, Ws, N]) by dy as the filter ([Ho, Wo, N, Co]),
        // dilated by the stride; its [Ci, fh, fw, Co] output is dW with the axes permuted.
        const xt = k.run(transpose, { x: xs }, { perm: [3, 1, 2, 0] });
        const dyt = k.run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
        const out = k.run(
          conv2d,
          { x: xt, filter: dyt },
          { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw] },
        );
        return k.keep(transpose, { x: out }, { perm: [1, 2, 0, 3] });
      } finally {
        k.release();
      }
    },
  });
  patched = true;
}

let inputPatched = false;

/**
 * The input gradient of a stride-1 conv as a forward conv (XNNPACK), replacing wasm's native
 * Conv2DBackpropInput there (~4x slower, measured on resnetMini): dx is dy, padded so every tap
 * reaches it, correlated with the filter rotated by 180 degrees and its in/out channels swapped:
 *   dx[n,y,x,ci] = sum_{u,v,co} dyp[n, y+u, x+v, co] * W[fh-1-u, fw-1-v, ci, co].
 * Strided convs keep the native kernel.
 */
export function patchWasmConv2DBackpropInput(): void {
  if (inputPatched) return;
  const pad = wasmKernel('PadV2');
  const reverse = wasmKernel('Reverse');
  const transpose = wasmKernel('Transpose');
  const conv2d = wasmKernel('Conv2D');
  replaceWasmKernel('Conv2DBackpropInput', (native) => (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: Shape4 };
    const info = convInfo(attrs.inputShape, filter.shape as Shape4, attrs);
    const [, h, w] = attrs.inputShape;
    const [fh, fw] = filter.shape;
    const { top, left } = info.padInfo;
    const padTop = fh - 1 - top;
    const padLeft = fw - 1 - left;
    const padBottom = h - 1 + top - (info.outHeight - 1);
    const padRight = w - 1 + left - (info.outWidth - 1);
    const strided = info.strideHeight !== 1 || info.strideWidth !== 1;
    if (attrs.dataFormat !== 'NHWC' || strided || Math.min(padTop, padLeft, padBottom, padRight) < 0) {
      return native.kernelFunc(args);
    }
    const k = kernelScope(args.backend as tf.KernelBackend);
    try {
      const dyp = k.run(pad, { x: dy }, padHW(padTop, padBottom, padLeft, padRight));
      const rotated = k.run(reverse, { x: filter }, { dims: [0, 1] });
      const swapped = k.run(transpose, { x: rotated }, { perm: [0, 1, 3, 2] });
      return k.keep(
        conv2d,
        { x: dyp, filter: swapped },
        { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
      );
    } finally {
      k.release();
    }
  });
  inputPatched = true;
}
