import type * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { withKernelScope } from './wasmKernels';

/** A backend that only records what is disposed, and a kernel that makes a new TensorInfo per call. */
function fakes() {
  const disposed: object[] = [];
  const backend = { disposeData: (id: object) => disposed.push(id) } as unknown as tf.KernelBackend;
  let made = 0;
  const kernel = {
    kernelName: 'Fake',
    backendName: 'wasm',
    kernelFunc: () => ({ dataId: { id: made++ }, shape: [1], dtype: 'float32' }),
  } as unknown as tf.KernelConfig;
  return { disposed, backend, kernel };
}

describe('withKernelScope', () => {
  it('releases every temporary but not the kept output', () => {
    const { disposed, backend, kernel } = fakes();
    const out = withKernelScope(backend, (k) => {
      const a = k.run(kernel, {}, {});
      const b = k.run(kernel, { x: a }, {});
      return k.keep(kernel, { x: b }, {});
    });
    expect(disposed).toEqual([{ id: 0 }, { id: 1 }]);
    expect(out.dataId).toEqual({ id: 2 });
  });

  it('releases the temporaries when the body throws', () => {
    const { disposed, backend, kernel } = fakes();
    expect(() =>
      withKernelScope(backend, (k) => {
        k.run(kernel, {}, {});
        throw new Error('shape not supported');
      }),
    ).toThrow('shape not supported');
    expect(disposed).toEqual([{ id: 0 }]);
  });
});
