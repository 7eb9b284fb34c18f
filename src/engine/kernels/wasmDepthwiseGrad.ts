/**
 * Depthwise conv gradients on the tfjs wasm backend, as forward depthwise convs (XNNPACK). tfjs-backend-
 * wasm 4.22 has neither 'DepthwiseConv2dNativeBackpropFilter' nor '...BackpropInput', so MobileNet
 * students could not train on wasm, the fastest CPU backend here (same idea as wasmConvGrad.ts).
 * Any channel multiplier M (the MobileNets use 1, SReT's pooling 2), forward dilation 1 only; the backend
 * selection keeps dilated depthwise models off wasm (engine/backend.ts).
 *
 * Filter gradient, per channel c and multiple m (xs = x padded as the forward padded it):
 *   dW[kh,kw,c,m] = sum_{n,i,j} xs[n, kh + i*sh, kw + j*sw, c] * dy[n,i,j,c*M+m]
 * i.e. for every (c, n) pair a correlation of xs[n,:,:,c] with dy[n,:,:,c*M+m] dilated by the stride, then
 * a sum over n: one depthwise conv of xs laid out as [1, Hs, Ws, C*N] by dy as a [Ho, Wo, C*N, M] filter,
 * dilated by the stride, and a Sum over N.
 * Input gradient: dy with zeros between its rows and columns (stride - 1 of them; none at stride 1),
 * padded so every tap reaches it, by the filter rotated 180 degrees: a stride-1 depthwise conv of dy's C*M
 * channels (multiplier 1), then a Sum over each channel's M outputs.
 * Checked against the cpu backend (wasmDepthwiseGrad.test.ts).
 */
import * as tf from '@tensorflow/tfjs';
import {
  addWasmKernel,
  convInfo,
  filterGradWindow,
  inputGradInput,
  withKernelScope,
  wasmKernel,
  type ConvGeometryAttrs,
  type Shape4,
} from './wasmKernels';

interface DepthwiseGradAttrs extends ConvGeometryAttrs {
  dilations: [number, number] | number;
}

function depthwiseInfo(xShape: Shape4, filterShape: Shape4, attrs: DepthwiseGradAttrs) {
  const d = attrs.dilations;
  if (!(d === undefined || d === 1 || (Array.isArray(d) && d[0] === 1 && d[1] === 1))) {
    throw new Error('wasm depthwise gradients: only dilation 1');
  }
  return convInfo(xShape, filterShape, attrs, true);
}

let patched = false;

/** Registers both depthwise gradient kernels for wasm (once; no-op where wasm already has them). */
export function patchWasmDepthwiseGrads(): void {
  if (patched || tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')) return;
  const transpose = wasmKernel('Transpose');
  const reshape = wasmKernel('Reshape');
  const reverse = wasmKernel('Reverse');
  const sum = wasmKernel('Sum');
  const depthwise = wasmKernel('DepthwiseConv2dNative');

  addWasmKernel('DepthwiseConv2dNativeBackpropFilter', (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as DepthwiseGradAttrs & { filterShape: Shape4 };
    const info = depthwiseInfo(x.shape as Shape4, attrs.filterShape, attrs);
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const [fh, fw, c, m] = attrs.filterShape;
    const n = x.shape[0];
    return withKernelScope(args.backend as tf.KernelBackend, (k) => {
      const { xs, pads } = filterGradWindow(k, x, info, fh, fw);
      const [, hc, wc] = xs.shape;
      // [N, H, W, C] -> [H, W, C, N] -> [1, H, W, C*N]: channel c*N + n is image n's channel c.
      const xt = k.run(transpose, { x: xs }, { perm: [1, 2, 3, 0] });
      const x1 = k.run(reshape, { x: xt }, { shape: [1, hc, wc, c * n] });
      // [N, Ho, Wo, C*M] -> [Ho, Wo, C, N, M] -> [Ho, Wo, C*N, M]: filter channel c*N + n, multiple m.
      const dy5 = k.run(reshape, { x: dy }, { shape: [n, ho, wo, c, m] });
      const dyt = k.run(transpose, { x: dy5 }, { perm: [1, 2, 3, 0, 4] });
      const f1 = k.run(reshape, { x: dyt }, { shape: [ho, wo, c * n, m] });
      const out = k.run(
        depthwise,
        { x: x1, filter: f1 },
        { strides: [1, 1], pad: pads, dilations: [sh, sw] },
      );
      const perImage = k.run(reshape, { x: out }, { shape: [fh, fw, c, n, m] });
      const summed = k.run(sum, { x: perImage }, { axis: [3], keepDims: false });
      return k.keep(reshape, { x: summed }, { shape: [fh, fw, c, m] });
    });
  });

  addWasmKernel('DepthwiseConv2dNativeBackpropInput', (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as DepthwiseGradAttrs & { inputShape: Shape4 };
    const info = depthwiseInfo(attrs.inputShape, filter.shape as Shape4, attrs);
    const [fh, fw, c, m] = filter.shape;
    return withKernelScope(args.backend as tf.KernelBackend, (k) => {
      const input = inputGradInput(k, dy, info, attrs.inputShape, fh, fw);
      if (!input) throw new Error('wasm DepthwiseConv2dNativeBackpropInput: padding wider than the filter');
      const { dyd, pads } = input;
      const rotated = k.run(reverse, { x: filter }, { dims: [0, 1] });
      const conv = { strides: [1, 1], pad: pads, dilations: [1, 1] };
      if (m === 1) return k.keep(depthwise, { x: dyd, filter: rotated }, conv);
      // dy channel c*M + m meets filter [.., c, m]: a multiplier-1 conv over C*M channels, summed per c.
      const flat = k.run(reshape, { x: rotated }, { shape: [fh, fw, c * m, 1] });
      const perMultiple = k.run(depthwise, { x: dyd, filter: flat }, conv);
      const [n, h, w] = perMultiple.shape;
      const split = k.run(reshape, { x: perMultiple }, { shape: [n, h, w, c, m] });
      return k.keep(sum, { x: split }, { axis: [4], keepDims: false });
    });
  });
  patched = true;
}
