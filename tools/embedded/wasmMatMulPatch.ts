// The patch lives in the app's engine now (it also speeds up MLP students in the browser).
export { patchWasmBatchMatMul } from '../../src/engine/wasmMatMul';
