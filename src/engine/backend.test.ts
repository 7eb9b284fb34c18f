import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { isSoftwareAdapter, selectBackend } from './backend';
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
