import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isBackendName,
  isSoftwareAdapter,
  selectBackend,
  type BackendName,
  type ProbeMemory,
} from './backend';
import './testSetup';

// In Node only cpu and wasm exist: webgpu and webgl register themselves only in a browser context.
afterAll(async () => {
  await tf.setBackend('cpu');
});

const reasonOf = (r: { refused: { backend: string; reason: string }[] }, name: string) =>
  r.refused.find((x) => x.backend === name)?.reason ?? '';

describe('selectBackend (Node: cpu + wasm available)', () => {
  it('training a model that may have depthwise convs: wasm is refused, cpu chosen', async () => {
    const r = await selectBackend({ job: 'train' });
    expect(r.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(reasonOf(r, 'wasm')).toMatch(/cannot train dilated depthwise conv layers/);
    expect(reasonOf(r, 'webgpu')).toMatch(/navigator\.gpu/);
    expect(reasonOf(r, 'webgl')).toMatch(/not registered/);
    expect(tf.env().get('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
  });

  it('training a conv model without depthwise convs (ResNet): wasm serves it (wasmConvGrad.ts)', async () => {
    const r = await selectBackend({ job: 'train', modelHasConvs: true, modelHasDepthwise: false });
    expect(r.backend).toBe('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeDefined();
    expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
    expect(reasonOf(r, 'cpu')).toBe('WASM is preferred');
  });

  it('inference: wasm is the first usable backend, cpu refused as less preferred', async () => {
    const r = await selectBackend({ job: 'inference' });
    expect(r.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(reasonOf(r, 'cpu')).toBe('WASM is preferred');
  });

  it('a forced backend is honoured; a forced backend that cannot serve falls through with a reason', async () => {
    const forced = await selectBackend({ job: 'inference', forced: 'cpu' });
    expect(forced).toMatchObject({ backend: 'cpu', reason: 'CPU forced by the user' });
    const fallback = await selectBackend({ job: 'train', forced: 'wasm' });
    expect(fallback.backend).toBe('cpu');
    expect(reasonOf(fallback, 'wasm')).toMatch(/^forced WASM refused: .*depthwise/);
  });

  it('probe memory: a winner kept for the same candidates is used without timing; another key times again', async () => {
    const kept = new Map<string, BackendName>();
    const memory: ProbeMemory = {
      get: (k) => Promise.resolve(kept.get(k)),
      set: (k, b) => Promise.resolve(void kept.set(k, b)),
    };
    const opts = { job: 'train', probe: true, modelHasConvs: false, memory } as const;
    const first = await selectBackend(opts);
    expect(Object.keys(first.probeMs ?? {}).sort()).toEqual(['cpu', 'wasm']);
    expect([...kept.values()]).toEqual([first.backend]);
    // Kept: no timing, the same winner, and the reason says it was timed before.
    const other = first.backend === 'cpu' ? 'wasm' : 'cpu';
    const [key] = kept.keys();
    kept.set(key, other);
    const again = await selectBackend(opts);
    expect(again.probeMs).toBeUndefined();
    expect(again.backend).toBe(other);
    expect(tf.getBackend()).toBe(other);
    expect(again.reason).toMatch(/when timed on this browser before/);
    expect(reasonOf(again, first.backend)).toMatch(/timed faster for training on this browser before/);
    // Another kind of model is another key: timed.
    const convs = await selectBackend({ ...opts, modelHasConvs: true, modelHasDepthwise: false });
    expect(convs.probeMs).toBeDefined();
    expect(kept.size).toBe(2);
    // A kept name that is not a candidate now is ignored, and a memory that fails means a probe.
    kept.set(key, 'webgpu');
    expect((await selectBackend(opts)).probeMs).toBeDefined();
    const broken: ProbeMemory = {
      get: () => Promise.reject(new Error('quota')),
      set: () => Promise.reject(new Error('quota')),
    };
    expect((await selectBackend({ ...opts, memory: broken })).probeMs).toBeDefined();
  });

  it('probe: times every candidate, picks the fastest, says by how much', async () => {
    const r = await selectBackend({ job: 'train', probe: true, modelHasConvs: false });
    const ms = r.probeMs ?? {};
    expect(Object.keys(ms).sort()).toEqual(['cpu', 'wasm']);
    const fastest = ms.cpu < ms.wasm ? 'cpu' : 'wasm';
    expect(r.backend).toBe(fastest);
    expect(tf.getBackend()).toBe(fastest);
    const loser = fastest === 'cpu' ? 'wasm' : 'cpu';
    expect(reasonOf(r, loser)).toMatch(/measured \d+\.\dx faster for training/);
    expect(tf.memory().numTensors).toBe(0); // the probe cleans up after itself
  });

  it('recognises SwiftShader as software even when isFallbackAdapter is false', () => {
    const base = { vendor: 'google', device: '', description: '', isFallbackAdapter: false, limits: {} };
    expect(isSoftwareAdapter({ ...base, architecture: 'swiftshader' })).toBe(true);
    expect(isSoftwareAdapter({ ...base, architecture: 'ampere', vendor: 'nvidia' })).toBe(false);
    expect(isSoftwareAdapter({ ...base, architecture: 'ampere', isFallbackAdapter: true })).toBe(true);
  });
});

describe('isBackendName', () => {
  it('trusts only the backends selectBackend can pick (a stored probe winner from elsewhere is not)', () => {
    for (const n of ['webgpu', 'webgl', 'wasm', 'cpu']) expect(isBackendName(n)).toBe(true);
    for (const n of ['WASM', 'tensorflow', '', undefined, null, 3]) expect(isBackendName(n)).toBe(false);
  });
});
