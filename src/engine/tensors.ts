/**
 * Small tensor helpers so worker code never imports tfjs directly (architecture: engine/ and models/
 * are the only tfjs importers).
 */
import * as tf from '@tensorflow/tfjs';

export type Tensor = tf.Tensor;
export type Tensor2D = tf.Tensor2D;
export type Tensor3D = tf.Tensor3D;
export type Tensor4D = tf.Tensor4D;

export function targetsTensor(data: Float32Array, rows: number, numClasses: number): tf.Tensor2D {
  return tf.tensor2d(data, [rows, numClasses], 'float32');
}

export function oneHotTargets(labels: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), numClasses).toFloat() as tf.Tensor2D);
}

/** Rows of a crop-major batch, e.g. the crops of the first image for the live view. */
export function gatherRows<T extends tf.Tensor>(x: T, rows: number[]): T {
  return tf.tidy(() => tf.gather(x, tf.tensor1d(rows, 'int32')) as T);
}

export function disposeAll(...ts: ({ dispose(): void } | null | undefined)[]): void {
  for (const t of ts) t?.dispose();
}

export async function scalarValue(t: tf.Scalar): Promise<number> {
  return (await t.data())[0];
}

export interface MemoryInfo {
  numTensors: number;
  numBytes: number;
  /** WebGPU/WebGL: bytes allocated on the device, pooled buffers included (docs/tfjs-notes.md). */
  numBytesInGPUAllocated?: number;
  numBytesInGPU?: number;
}

export function memoryInfo(): MemoryInfo {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPUAllocated?: number; numBytesInGPU?: number };
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    numBytesInGPUAllocated: m.numBytesInGPUAllocated,
    numBytesInGPU: m.numBytesInGPU,
  };
}

export function currentBackend(): string {
  return tf.getBackend();
}

/** Concatenates batches along the first axis; the inputs stay the caller's. */
export function concatRows<T extends tf.Tensor>(parts: T[]): T {
  return tf.concat(parts, 0) as T;
}
