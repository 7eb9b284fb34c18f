/**
 * Conv2D weight gradients on the tfjs wasm backend. tfjs-backend-wasm 4.22 has no
 * 'Conv2DBackpropFilter' kernel (so conv students could not train on wasm, the fastest CPU backend
 * here), but it has a native Conv3DBackpropFilterV2: a 2-D convolution is a 3-D one with depth 1.
 * That kernel is only right for stride 1 (measured against the cpu backend: stride 2 is off by ~25 on
 * values of ~30), so every case is first rewritten as a stride-1 'valid' correlation, which is exact:
 *   dW[kh,kw,ci,co] = sum_{n,i,j} xp[n, i*s+kh, j*s+kw, ci] * dy[n,i,j,co]
 *                   = sum_{n,p,q} xp[n, p+kh, q+kw, ci] * dyUp[n,p,q,co]
 * with xp = x padded as the forward conv padded it ('same' or 'valid', tfjs' rules) and dyUp = dy
 * with s-1 zeros between its rows and columns. Reshapes share data; the pads and slices are wasm
 * kernels. Checked against the cpu backend (wasmConvGrad.test.ts, and the gradient parity cases).
 * It is still half of a resnetMini training step on wasm (150 of 300 ms for 32 crops, Node). Two
 * im2col + XNNPACK matmul variants were measured slower: taps concatenated on the channel axis
 * 163 ms (wasm's Concat copies one tiny run per pixel), taps stacked + batched matmul 445 ms.
 */
import * as tf from '@tensorflow/tfjs';

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

let patched = false;

export function patchWasmConv2DBackpropFilter(): void {
  if (patched || tf.getKernel('Conv2DBackpropFilter', 'wasm')) return;
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm');
  const reshape = tf.getKernel('Reshape', 'wasm');
  const pad = tf.getKernel('PadV2', 'wasm');
  const slice = tf.getKernel('Slice', 'wasm');
  if (!conv3d || !reshape || !pad || !slice) {
    throw new Error('wasm Conv3DBackpropFilterV2/Reshape/PadV2/Slice kernels not registered');
  }
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const attrs = args.attrs as unknown as BackpropFilterAttrs;
      if (attrs.dataFormat !== 'NHWC') throw new Error('wasm Conv2DBackpropFilter: only NHWC');
      const backend = args.backend as tf.KernelBackend;
      const info = tf.backend_util.computeConv2DInfo(
        x.shape as [number, number, number, number],
        attrs.filterShape,
        attrs.strides,
        1,
        attrs.pad as 'same' | 'valid' | number,
        attrs.dimRoundingMode,
      );
      const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
      const [fh, fw, ci, co] = attrs.filterShape;
      const n = x.shape[0];
      const temps: tf.TensorInfo[] = [];
      const run = (kernel: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, kAttrs: object) => {
        const out = kernel.kernelFunc({ inputs, backend, attrs: kAttrs as tf.NamedAttrMap }) as tf.TensorInfo;
        temps.push(out);
        return out;
      };
      try {
        // xp: the forward's padding, cut to the rows/columns the strided windows reach.
        const { top, left, bottom, right } = info.padInfo;
        const padded = run(
          pad,
          { x },
          {
            paddings: [
              [0, 0],
              [top, bottom],
              [left, right],
              [0, 0],
            ],
            constantValue: 0,
          },
        );
        const hUp = (ho - 1) * sh + 1;
        const wUp = (wo - 1) * sw + 1;
        const xp = run(
          slice,
          { x: padded },
          { begin: [0, 0, 0, 0], size: [n, hUp + fh - 1, wUp + fw - 1, ci] },
        );
        // dyUp: zeros between rows/columns, via [N,Ho,1,Wo,1,C] padded to [N,Ho,s,Wo,s,C].
        let dyUp = dy;
        if (sh > 1 || sw > 1) {
          const d6 = run(reshape, { x: dy }, { shape: [n, ho, 1, wo, 1, co] });
          const spread = run(
            pad,
            { x: d6 },
            {
              paddings: [
                [0, 0],
                [0, 0],
                [0, sh - 1],
                [0, 0],
                [0, sw - 1],
                [0, 0],
              ],
              constantValue: 0,
            },
          );
          const flat = run(reshape, { x: spread }, { shape: [n, ho * sh, wo * sw, co] });
          dyUp = run(slice, { x: flat }, { begin: [0, 0, 0, 0], size: [n, hUp, wUp, co] });
        }
        const as5d = (t: tf.TensorInfo) =>
          run(reshape, { x: t }, { shape: [t.shape[0], 1, t.shape[1], t.shape[2], t.shape[3]] });
        const dw5 = run(
          conv3d,
          { x: as5d(xp), dy: as5d(dyUp) },
          {
            strides: [1, 1, 1],
            pad: 'valid',
            filterShape: [1, fh, fw, ci, co],
          },
        );
        const dw = reshape.kernelFunc({ inputs: { x: dw5 }, backend, attrs: { shape: [fh, fw, ci, co] } });
        return dw as tf.TensorInfo;
      } finally {
        // Reshape outputs share their input's data and hold a reference to it: release every one.
        for (const t of temps) backend.disposeData(t.dataId);
      }
    },
  });
  patched = true;
}
