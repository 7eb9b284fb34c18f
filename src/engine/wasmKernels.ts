/**
 * Shared plumbing of the wasm kernel patches (wasmMatMul.ts, wasmConvGrad.ts, wasmTile.ts): look up a
 * registered wasm kernel, swap one for a replacement that can still call the native one, and run
 * kernels on TensorInfos inside a kernel with every temporary released afterwards.
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
    /** Runs a kernel whose output the caller keeps (not released). */
    keep(kernel: tf.KernelConfig, inputs: tf.NamedTensorInfoMap, attrs: object): tf.TensorInfo {
      return kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
    },
    release(): void {
      for (const t of temps.splice(0)) backend.disposeData(t.dataId);
    },
  };
}
