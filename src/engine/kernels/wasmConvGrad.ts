/**
 * Conv gradients on the tfjs wasm backend, as forward convs (XNNPACK, the fast kernel there).
 * tfjs-backend-wasm 4.22 has no 'Conv2DBackpropFilter' kernel, so conv students could not train on
 * wasm, the fastest CPU backend here. The filter gradient is a correlation of the input with dy:
 *   dW[kh,kw,ci,co] = sum_{n,i,j} xs[n, kh + i*sh, kw + j*sw, ci] * dy[n,i,j,co]
 * (xs = x padded as the forward padded it, 'same' or 'valid' by tfjs' own rules), i.e. a forward conv of
 * xs with its batch and channel axes swapped ([Ci, H, W, N]) by dy as the filter ([Ho, Wo, N, Co]),
 * dilated by the stride: an order of magnitude faster than the native Conv3DBackpropFilterV2 with
 * depth 1 (which is also wrong for stride 2) or im2col + matmul (docs/results.md, bench:step). The
 * native Conv2DBackpropInput is replaced too, at stride 1 (below). Checked against the cpu backend
 * (wasmConvGrad.test.ts, gradient parity).
 */
import * as tf from '@tensorflow/tfjs';
import { combinedTapIndex, polyphasePlan } from './polyphase';
import {
  addWasmKernel,
  convInfo,
  explicitPad,
  filterGradWindow,
  inputGradInput,
  withKernelScope,
  type KernelScope,
  replaceWasmKernel,
  wasmKernel,
  type ConvGeometryAttrs,
  type Shape4,
} from './wasmKernels';

/** The attributes tfjs gives both conv backprop kernels. */
interface ConvGradAttrs extends ConvGeometryAttrs {
  dataFormat: 'NHWC' | 'NCHW';
}

/**
 * A 1x1 conv's filter gradient as a matmul: dW = xs^T dy over the N*Ho*Wo positions, xs = x at the
 * stride. As a conv it would take dy as an Ho x Wo filter for a 1 x 1 output, which XNNPACK runs far
 * slower. x is sampled at the stride by a stride-s 1x1 conv with an identity filter, which XNNPACK runs
 * much faster than wasm's StridedSlice (x * 1 + 0 * the others: exact for finite x; figures in
 * docs/results.md, bench:step). Only for no padding, where xs is x[::sh, ::sw].
 */
function filterGrad1x1(
  k: KernelScope,
  backend: tf.KernelBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  [sh, sw]: [number, number],
  filterShape: Shape4,
): tf.TensorInfo {
  const ci = filterShape[2];
  const [n, ho, wo, co] = dy.shape;
  let xs = x;
  if (sh > 1 || sw > 1) {
    const eye = new Float32Array(ci * ci);
    for (let c = 0; c < ci; c++) eye[c * ci + c] = 1;
    const shape = [1, 1, ci, ci];
    const filter = k.track({ dataId: backend.write(eye, shape, 'float32'), shape, dtype: 'float32' });
    xs = k.run(
      wasmKernel('Conv2D'),
      { x, filter },
      { strides: [sh, sw], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1] },
    );
  }
  const rows = n * ho * wo;
  const a = k.run(wasmKernel('Reshape'), { x: xs }, { shape: [1, rows, ci] });
  const at = k.run(wasmKernel('Transpose'), { x: a }, { perm: [0, 2, 1] });
  const b = k.run(wasmKernel('Reshape'), { x: dy }, { shape: [1, rows, co] });
  // Looked up at call time: the studio's BatchMatMul patch (wasmMatMul.ts) may come after this one.
  const prod = k.run(wasmKernel('BatchMatMul'), { a: at, b }, { transposeA: false, transposeB: false });
  return k.keep(wasmKernel('Reshape'), { x: prod }, { shape: filterShape });
}

let patched = false;

export function patchWasmConv2DBackpropFilter(): void {
  if (patched || tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const transpose = wasmKernel('Transpose');
  const conv2d = wasmKernel('Conv2D');
  addWasmKernel('Conv2DBackpropFilter', (args) => {
    const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: Shape4 };
    if (attrs.dataFormat !== 'NHWC') throw new Error('wasm Conv2DBackpropFilter: only NHWC');
    const info = convInfo(x.shape as Shape4, attrs.filterShape, attrs);
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const [fh, fw] = attrs.filterShape;
    return withKernelScope(args.backend as tf.KernelBackend, (k) => {
      const { top, left } = info.padInfo;
      const [, h, w] = x.shape;
      const subsampledRows = Math.floor((h - 1) / sh) + 1;
      const subsampledCols = Math.floor((w - 1) / sw) + 1;
      if (fh === 1 && fw === 1 && top === 0 && left === 0 && subsampledRows === ho && subsampledCols === wo) {
        return filterGrad1x1(k, args.backend as tf.KernelBackend, x, dy, [sh, sw], attrs.filterShape);
      }
      // dW[kh,kw,ci,co] = sum_{n,i,j} xs[n, kh + i*sh, kw + j*sw, ci] * dy[n,i,j,co] (xs = x padded as the
      // forward padded it): a forward conv of xs with channels and batch swapped ([Ci, Hs, Ws, N]) by dy
      // as the filter ([Ho, Wo, N, Co]), dilated by the stride; its [Ci, fh, fw, Co] output is dW with
      // the axes permuted.
      const { xs, pads } = filterGradWindow(k, x, info, fh, fw);
      const xt = k.run(transpose, { x: xs }, { perm: [3, 1, 2, 0] });
      const dyt = k.run(transpose, { x: dy }, { perm: [1, 2, 0, 3] });
      const out = k.run(
        conv2d,
        { x: xt, filter: dyt },
        { strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [sh, sw] },
      );
      return k.keep(transpose, { x: out }, { perm: [1, 2, 0, 3] });
    });
  });
  patched = true;
}

let inputPatched = false;

/**
 * A strided conv's input gradient by phases (polyphase.ts): one stride-1 conv of dy with a combined
 * filter of s*s*Ci output channels (each phase's taps, zeros elsewhere), then a transpose that
 * interleaves the phases into dx: no multiplications by the zeros of a zero-dilated dy, several times
 * faster for resnetMini's 3x3 stride-2 layers (docs/results.md, bench:step). tf.depthToSpace would
 * interleave too, but wasm's is slower than the whole gradient.
 * Null where the plan does not apply (unequal strides, sizes not a multiple of the stride).
 */
function polyphaseInputGrad(
  k: KernelScope,
  backend: tf.KernelBackend,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  info: ReturnType<typeof convInfo>,
  inputShape: Shape4,
): tf.TensorInfo | null {
  const { strideHeight: s, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  if (s !== sw || s < 2) return null;
  const [n, h, w, ci] = inputShape;
  const [fh, fw, , co] = filter.shape;
  const rows = polyphasePlan(h, fh, s, info.padInfo.top, ho);
  const cols = polyphasePlan(w, fw, s, info.padInfo.left, wo);
  if (!rows || !cols) return null;
  // The combined filter [tH, tW, Co, s*s*Ci]: W's taps as rows [fh*fw, Co*Ci] plus a zero row, gathered
  // in [tH, tW, phase, Co, Ci] order, then phase moved next to Ci.
  const taps = fh * fw;
  const wt = k.run(wasmKernel('Transpose'), { x: filter }, { perm: [0, 1, 3, 2] });
  const flat = k.run(wasmKernel('Reshape'), { x: wt }, { shape: [taps, co * ci] });
  const withZero = k.run(
    wasmKernel('PadV2'),
    { x: flat },
    {
      paddings: [
        [0, 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  const index = combinedTapIndex(rows, cols, fw, taps);
  const indices = k.track({
    dataId: backend.write(index, [index.length], 'int32'),
    shape: [index.length],
    dtype: 'int32',
  });
  const gathered = k.run(wasmKernel('GatherV2'), { x: withZero, indices }, { axis: 0, batchDims: 0 });
  const phases = s * s;
  const split = k.run(
    wasmKernel('Reshape'),
    { x: gathered },
    { shape: [rows.taps, cols.taps, phases, co, ci] },
  );
  const moved = k.run(wasmKernel('Transpose'), { x: split }, { perm: [0, 1, 3, 2, 4] });
  const combined = k.run(
    wasmKernel('Reshape'),
    { x: moved },
    { shape: [rows.taps, cols.taps, co, phases * ci] },
  );
  const out = k.run(
    wasmKernel('Conv2D'),
    { x: dy, filter: combined },
    {
      strides: [1, 1],
      pad: explicitPad(rows.padBefore, rows.padAfter, cols.padBefore, cols.padAfter),
      dataFormat: 'NHWC',
      dilations: [1, 1],
    },
  );
  // [N, H/s, W/s, (py, px, Ci)] -> [N*H/s, W/s, py, (px, Ci)] -> swap -> [N, H, W, Ci].
  const hp = h / s;
  const wp = w / s;
  const grouped = k.run(wasmKernel('Reshape'), { x: out }, { shape: [n * hp, wp, s, s * ci] });
  const interleaved = k.run(wasmKernel('Transpose'), { x: grouped }, { perm: [0, 2, 1, 3] });
  return k.keep(wasmKernel('Reshape'), { x: interleaved }, { shape: [n, h, w, ci] });
}

/**
 * The input gradient of a conv as a forward conv (XNNPACK), replacing wasm's native Conv2DBackpropInput
 * (several times a forward conv, most at stride 2: docs/results.md, bench:step): dx is dy with stride - 1
 * zeros between its rows and columns, padded so every tap reaches it, correlated with the filter rotated by
 * 180 degrees and its in/out channels swapped:
 *   dx[n,y,x,ci] = sum_{u,v,co} dyp[n, y+u, x+v, co] * W[fh-1-u, fw-1-v, ci, co].
 * At stride 2 three of the four dilated positions are zeros (wasted multiplies), still far faster than
 * the native kernel.
 */
export function patchWasmConv2DBackpropInput(): void {
  if (inputPatched) return;
  const reverse = wasmKernel('Reverse');
  const transpose = wasmKernel('Transpose');
  const conv2d = wasmKernel('Conv2D');
  replaceWasmKernel('Conv2DBackpropInput', (native) => (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: Shape4 };
    const info = convInfo(attrs.inputShape, filter.shape as Shape4, attrs);
    const [fh, fw] = filter.shape;
    if (attrs.dataFormat !== 'NHWC') return native.kernelFunc(args);
    return withKernelScope(args.backend as tf.KernelBackend, (k) => {
      const poly = polyphaseInputGrad(
        k,
        args.backend as tf.KernelBackend,
        dy,
        filter,
        info,
        attrs.inputShape,
      );
      if (poly) return poly;
      const input = inputGradInput(k, dy, info, attrs.inputShape, fh, fw);
      if (!input) return native.kernelFunc(args);
      const { dyd, pads } = input;
      const rotated = k.run(reverse, { x: filter }, { dims: [0, 1] });
      const swapped = k.run(transpose, { x: rotated }, { perm: [0, 1, 3, 2] });
      return k.keep(
        conv2d,
        { x: dyd, filter: swapped },
        { strides: [1, 1], pad: pads, dataFormat: 'NHWC', dilations: [1, 1] },
      );
    });
  });
  inputPatched = true;
}
