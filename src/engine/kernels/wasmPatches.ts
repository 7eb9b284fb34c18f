/**
 * Every wasm kernel patch the studio trains with, applied together so the browser, the benches and the
 * tests run the same kernels. Each patch is idempotent and leaves the other backends alone.
 */
import { patchWasmConv2DBackpropFilter, patchWasmConv2DBackpropInput } from './wasmConvGrad';
import { patchWasmDepthwiseGrads } from './wasmDepthwiseGrad';
import { patchWasmBatchMatMul } from './wasmMatMul';
import { patchWasmTile } from './wasmTile';

export function patchWasmKernels(): void {
  // Dense-layer gradients use transposed matmuls, far slower on wasm than transposing first.
  patchWasmBatchMatMul();
  // Conv gradients as forward convs (XNNPACK): wasm has no 2-D filter gradient, a slow input gradient.
  patchWasmConv2DBackpropFilter();
  patchWasmConv2DBackpropInput();
  // Depthwise conv gradients (MobileNet students), absent from wasm: forward depthwise convs.
  patchWasmDepthwiseGrads();
  // tfjs-core's BatchNorm gradient tiles its scale over the activation: native Tile is slow. (Students
  // train through batchNormTrain.ts, which does not tile; other BatchNorm gradients still do.)
  patchWasmTile();
}
