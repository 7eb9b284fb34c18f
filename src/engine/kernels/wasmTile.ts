/**
 * A faster Tile for the tfjs wasm backend. BatchNorm's input gradient tiles a [1,1,1,C] scale to the
 * whole activation on every training step (tfjs-core FusedBatchNorm_grad), and wasm's native Tile
 * computes every output element's source index (a large share of a resnetMini step: docs/results.md,
 * bench:step). Tiling is block repetition: axis by axis from the last, each block of the tensor so far is
 * repeated reps[a] times with doubling copyWithin calls, so the work is a few memcpys per block.
 * float32/int32 only; other dtypes keep the native kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { replaceWasmKernel } from './wasmKernels';

type Numeric = Float32Array | Int32Array;

/** out = tile(src of `shape`, reps), row-major; `out` has prod(shape[i] * reps[i]) elements. */
export function tileInto(
  src: Numeric,
  shape: readonly number[],
  reps: readonly number[],
  out: Numeric,
): void {
  const n = shape.length;
  let first = -1;
  for (let a = 0; a < n; a++) {
    if (reps[a] > 1) {
      first = a;
      break;
    }
  }
  if (first < 0) {
    out.set(src);
    return;
  }
  let cur: Numeric = src;
  const curShape = shape.slice();
  for (let a = n - 1; a >= first; a--) {
    const r = reps[a];
    if (r === 1) continue;
    let inner = 1;
    for (let i = a; i < n; i++) inner *= curShape[i];
    let outer = 1;
    for (let i = 0; i < a; i++) outer *= curShape[i];
    const size = outer * inner * r;
    const next: Numeric =
      a === first ? out : cur instanceof Float32Array ? new Float32Array(size) : new Int32Array(size);
    const total = inner * r;
    for (let o = 0; o < outer; o++) {
      const base = o * total;
      next.set(cur.subarray(o * inner, (o + 1) * inner), base);
      for (let filled = inner; filled < total;) {
        const len = Math.min(filled, total - filled);
        next.copyWithin(base + filled, base, base + len);
        filled += len;
      }
    }
    cur = next;
    curShape[a] *= r;
  }
}

interface WasmBackendLike extends tf.KernelBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): tf.TypedArray;
}

let patched = false;

export function patchWasmTile(): void {
  if (patched) return;
  replaceWasmKernel('Tile', (native) => (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { reps } = args.attrs as unknown as { reps: number[] };
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return native.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput(
      x.shape.map((d, i) => d * reps[i]),
      x.dtype,
    );
    // Views taken after makeOutput: an allocation may grow (and move) the wasm heap.
    tileInto(
      backend.typedArrayFromHeap(x) as Numeric,
      x.shape,
      reps,
      backend.typedArrayFromHeap(out) as Numeric,
    );
    return out;
  });
  patched = true;
}
