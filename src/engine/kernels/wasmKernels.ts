/**
 * Shared plumbing of the wasm kernel patches (wasmMatMul.ts, wasmConvGrad.ts, wasmDepthwiseGrad.ts,
 * wasmTile.ts): look up a registered wasm kernel, swap one for a replacement that can still call the
 * native one, run kernels on TensorInfos inside a kernel with every temporary released afterwards,
 * and the conv geometry both conv gradient files need.
 */
import * as tf from '@tensorflow/tfjs';

export function wasmKernel(name: string): tf.KernelConfig {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel ${name} not registered`);
  return k;
}

/**
 * Replaces wasm's `name` kernel (its setup kept, so the native one stays callable) with the kernel
 * that `make` builds around the native one. Throws if wasm has no such kernel.
 */
export function replaceWasmKernel(name: string, make: (native: tf.KernelConfig) => tf.KernelFunc): void {
  const native = wasmKernel(name);
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({
    kernelName: name,
    backendName: 'wasm',
    setupFunc: native.setupFunc,
    kernelFunc: make(native),
  });
}

/**
 * Runs kernels directly on TensorInfos (no engine, no tape) and remembers their outputs; release()
 * frees them all. Reshape outputs share their input's data and hold a reference to it, so releasing
 * those is right too.
 */
export function kernelScope(backend: tf.KernelBackend) {
  const temps: tf.TensorInfo[] = [];
  return {
    run(kernel: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: object): tf.TensorInfo {
      const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
      temps.push(out);
      return out;
    },
    /** Releases `t` (made outside run(), e.g. by backend.makeTensorInfo) with the rest. */
    track(t: tf.TensorInfo): tf.TensorInfo {
      temps.push(t);
      return t;
    },
    /** Runs a kernel whose output the caller keeps (not released). */
    keep(kernel: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: object): tf.TensorInfo {
      return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    },
    release(): void {
      for (const t of temps.splice(0)) backend.disposeData(t.dataId);
    },
  };
}

export type KernelScope = ReturnType<typeof kernelScope>;

/** Runs `body` with a fresh kernel scope and releases every temporary it made, even on a throw. */
export function withKernelScope<T>(backend: tf.KernelBackend, body: (k: KernelScope) => T): T {
  const k = kernelScope(backend);
  try {
    return body(k);
  } finally {
    k.release();
  }
}

/** Registers `kernelFunc` as wasm's `name` kernel (one wasm does not have). */
export function addWasmKernel(name: string, kernelFunc: tf.KernelFunc): void {
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
}

export type Shape4 = [number, number, number, number];

/** The geometry attributes tfjs gives every conv and depthwise-conv backprop kernel. */
export interface ConvGeometryAttrs {
  strides: [number, number] | number;
  pad: 'same' | 'valid' | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The forward conv's geometry (padding, output size) by tfjs' own rules; dilation 1. */
export function convInfo(xShape: Shape4, filterShape: Shape4, attrs: ConvGeometryAttrs, depthwise = false) {
  return tf.backend_util.computeConv2DInfo(
    xShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
  );
}

/**
 * A conv's explicit `pad` attribute for [N, H, W, C] (rows and columns): XNNPACK pads inside the conv,
 * so the input is not copied by a PadV2 first (a slow kernel on wasm: docs/tfjs-notes.md).
 */
export function explicitPad(top: number, bottom: number, left: number, right: number): number[][] {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * dy with sh - 1 zero rows between its rows and sw - 1 zero columns between its columns ([N, Ho, Wo, C]
 * to [N, (Ho - 1) * sh + 1 + extraH, (Wo - 1) * sw + 1 + extraW, C]; extraH/extraW <= stride - 1 zero
 * rows/columns are kept at the bottom/right, saving a slice when the caller pads there anyway): the
 * input of a transposed (strided) conv as a stride-1 one. Reshape to [N, Ho, 1, Wo, 1, C], pad to
 * [N, Ho, sh, Wo, sw, C], reshape back, cut.
 */
export function dilateHW(
  k: KernelScope,
  dy: tf.TensorInfo,
  sh: number,
  sw: number,
  extraH = 0,
  extraW = 0,
): tf.TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, ho, wo, c] = dy.shape;
  const six = k.run(wasmKernel('Reshape'), { x: dy }, { shape: [n, ho, 1, wo, 1, c] });
  const spread = k.run(
    wasmKernel('PadV2'),
    { x: six },
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
  const flat = k.run(wasmKernel('Reshape'), { x: spread }, { shape: [n, ho * sh, wo * sw, c] });
  const rows = (ho - 1) * sh + 1 + Math.min(extraH, sh - 1);
  const cols = (wo - 1) * sw + 1 + Math.min(extraW, sw - 1);
  if (rows === ho * sh && cols === wo * sw) return flat;
  return k.run(wasmKernel('Slice'), { x: flat }, { begin: [0, 0, 0, 0], size: [n, rows, cols, c] });
}

type ConvInfo = ReturnType<typeof convInfo>;

/**
 * A filter gradient's input window: x cut to the rows and columns the strided windows reach (only
 * valid padding with a remainder needs a cut, a Slice copy) and the forward's padding as the explicit
 * pads of the gradient conv (XNNPACK pads inside it: no PadV2 copy of x). Conv and depthwise alike.
 */
export function filterGradWindow(
  k: KernelScope,
  x: tf.TensorInfo,
  info: ConvInfo,
  fh: number,
  fw: number,
): { xs: tf.TensorInfo; pads: number[][] } {
  const { top, left } = info.padInfo;
  const [n, h, w, c] = x.shape;
  const bottom = (info.outHeight - 1) * info.strideHeight + fh - top - h;
  const right = (info.outWidth - 1) * info.strideWidth + fw - left - w;
  const xs =
    bottom < 0 || right < 0
      ? k.run(
          wasmKernel('Slice'),
          { x },
          { begin: [0, 0, 0, 0], size: [n, h + Math.min(bottom, 0), w + Math.min(right, 0), c] },
        )
      : x;
  return { xs, pads: explicitPad(top, Math.max(bottom, 0), left, Math.max(right, 0)) };
}

/**
 * An input gradient's input: dy with stride - 1 zeros between its rows and columns, and the pads that
 * make a stride-1 correlation with the rotated filter give the forward's input size (the zero-dilated dy
 * spans (ho - 1) * sh + 1 rows; the zeros past its last row/column serve as padding). Null, and nothing
 * run, when the forward padded wider than the filter (no such correlation).
 */
export function inputGradInput(
  k: KernelScope,
  dy: tf.TensorInfo,
  info: ConvInfo,
  inputShape: Shape4,
  fh: number,
  fw: number,
): { dyd: tf.TensorInfo; pads: number[][] } | null {
  const [, h, w] = inputShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  const padTop = fh - 1 - top;
  const padLeft = fw - 1 - left;
  const padBottom = h - 1 + top - (ho - 1) * sh;
  const padRight = w - 1 + left - (wo - 1) * sw;
  if (Math.min(padTop, padLeft, padBottom, padRight) < 0) return null;
  const keepH = Math.min(padBottom, sh - 1);
  const keepW = Math.min(padRight, sw - 1);
  return {
    dyd: dilateHW(k, dy, sh, sw, keepH, keepW),
    pads: explicitPad(padTop, padBottom - keepH, padLeft, padRight - keepW),
  };
}
