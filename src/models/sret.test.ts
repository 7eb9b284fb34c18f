import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../engine/testSetup';
import { saveModelArtifacts } from '../engine/weights';
import { SeededInit } from './common';
import { RECURSIONS, sharedBlock, sliceGroups, SRET_LT, stageBlocks } from './sret';
import { loadStudentFromArtifacts } from './studentArtifacts';
import { buildStudent, describeModel } from './students';
import { MultiHeadSelfAttention } from './vit';

beforeAll(useCpu);

describe('SReT-LT at 224 px, 1000 classes', () => {
  it('has the reference SReT_LT [16-14-1, 1-1-1] parameter count and multiply-adds (published 5.0M, 1.2G)', () => {
    const m = buildStudent('sretLT', {
      inputSize: 224,
      channels: 3,
      numClasses: 1000,
      seed: 1,
      smallInput: false,
    });
    const d = describeModel(m);
    // sum(p.numel() for p in SReT_LT().parameters()) of the authors' SReT.py.
    expect(d.trainableParams).toBe(4_988_024);
    // Linear and conv multiply-adds plus the two attention matmuls, counted the same way on the reference.
    expect(d.flops / 2).toBe(1_224_537_856);
    // Token grid 28 / 14 / 7, dims 64 / 128 / 256, groups 16 / 14 / 1 on the first call, 1 on the recursion.
    const shape = (name: string) => d.layers.find((l) => l.name === name)?.outputShape;
    expect(shape('pos_embed')).toEqual([null, 28, 28, 64]);
    expect(shape('s0_block0_r0_slice')).toEqual([null, 16, 49, 64]);
    expect(shape('s0_block0_r1_slice')).toEqual([null, 1, 784, 64]);
    expect(shape('s1_block4_r0_slice')).toEqual([null, 14, 14, 128]);
    expect(shape('s2_block2_r1_slice')).toEqual([null, 1, 49, 256]);
    expect(shape('pool1')).toEqual([null, 7, 7, 256]);
    m.dispose();
  });
});

describe('recursion shares weights', () => {
  const tiny = { inputSize: 28, channels: 1, numClasses: 10, seed: 2, width: 8 };

  it('every shared block is applied twice and its weights appear once in model.weights', () => {
    const m = buildStudent('sretLT', tiny);
    const names = m.weights.map((w) => w.originalName);
    expect(new Set(names).size).toBe(names.length);
    const blockLayers = m.layers.filter((l) => /^s\d_block\d+_(norm|attn|mlp|res)/.test(l.name));
    // 10 shared blocks of 7 layers (2 LN, attention, 2 dense, 2 coefficient pairs).
    expect(blockLayers).toHaveLength(SRET_LT.depth * 7);
    for (const l of blockLayers) expect(l.inboundNodes, l.name).toHaveLength(RECURSIONS);
    // 20 non-shared NLL layers: LN, 2 dense, one coefficient pair each, applied once.
    const nll = m.layers.filter((l) => /^s\d_nll\d+_/.test(l.name));
    expect(nll).toHaveLength(SRET_LT.depth * RECURSIONS * 4);
    for (const l of nll) expect(l.inboundNodes).toHaveLength(1);
    // Shared: the qkv kernel once per block, not once per application.
    expect(names.filter((n) => n.endsWith('_attn/qkv/kernel'))).toHaveLength(SRET_LT.depth);
    m.dispose();
  });

  it("a shared weight's gradient is the sum of both applications' gradients, each of them non-zero", async () => {
    const st = { index: 0, tokens: 8, dim: 8, heads: 2 };
    const sym = tf.input({ shape: [8, 8] });
    const shared = sharedBlock({ init: new SeededInit(5) }, 'a', st);
    const recursive = tf.model({ inputs: sym, outputs: shared(shared(sym, 0, 4), 1, 1) });
    // The same computation unrolled: two blocks with their own (copied) weights.
    const first = sharedBlock({ init: new SeededInit(6) }, 'b', st);
    const second = sharedBlock({ init: new SeededInit(7) }, 'c', st);
    const unrolled = tf.model({ inputs: sym, outputs: second(first(sym, 0, 4), 1, 1) });
    const w = recursive.getWeights();
    expect(unrolled.weights).toHaveLength(2 * w.length);
    unrolled.setWeights([...w, ...w]);
    const x = tf.randomNormal([2, 8, 8], 0, 1, 'float32', 3);
    const r = tf.randomNormal([2, 8, 8], 0, 1, 'float32', 4);
    const loss = (m: tf.LayersModel) => () => tf.sum(tf.mul(m.apply(x) as tf.Tensor, r)) as tf.Scalar;
    const gShared = tf.variableGrads(loss(recursive)).grads;
    const gUnrolled = tf.variableGrads(loss(unrolled)).grads;
    const byName = (m: tf.LayersModel, g: tf.NamedTensorMap, i: number) =>
      g[(m.trainableWeights[i].read() as tf.Variable).name];
    const n = recursive.trainableWeights.length;
    for (let i = 0; i < n; i++) {
      const a = byName(unrolled, gUnrolled, i);
      const b = byName(unrolled, gUnrolled, i + n);
      const name = recursive.trainableWeights[i].originalName;
      expect((await tf.max(tf.abs(a)).data())[0], `${name}, first use`).toBeGreaterThan(0);
      expect((await tf.max(tf.abs(b)).data())[0], `${name}, recursion`).toBeGreaterThan(0);
      const diff = await tf.max(tf.abs(tf.sub(byName(recursive, gShared, i), tf.add(a, b)))).data();
      expect(diff[0], name).toBeLessThan(1e-4);
    }
    tf.dispose([x, r, ...Object.values(gShared), ...Object.values(gUnrolled), ...w]);
    [recursive, unrolled].forEach((m) => m.dispose());
  });
});

describe('sliced group self-attention', () => {
  it('attends only within a group: equal to attention run on each group alone', async () => {
    const attn = new MultiHeadSelfAttention({ numHeads: 2, seeds: [1, 2] });
    const x = tf.randomNormal([2, 12, 8], 0, 1, 'float32', 5);
    const grouped = attn.apply(tf.reshape(x, [2, 3, 4, 8])) as tf.Tensor;
    const alone = tf.concat(
      [0, 1, 2].map((g) => attn.apply(tf.slice(x, [0, 4 * g, 0], [-1, 4, -1])) as tf.Tensor),
      1,
    );
    const d1 = await tf.max(tf.abs(tf.sub(tf.reshape(grouped, [2, 12, 8]), alone))).data();
    expect(d1[0]).toBeLessThan(1e-5);
    // Whole-sequence attention differs: tokens then see the other groups.
    const whole = attn.apply(x) as tf.Tensor;
    const d2 = await tf.max(tf.abs(tf.sub(whole, alone))).data();
    expect(d2[0]).toBeGreaterThan(1e-3);
    tf.dispose([x, grouped, alone, whole]);
  });

  it('the group count divides the tokens: the published one, else the largest divisor below it', () => {
    expect([sliceGroups(784, 16), sliceGroups(196, 14), sliceGroups(49, 1)]).toEqual([16, 14, 1]);
    expect([sliceGroups(49, 16), sliceGroups(16, 14), sliceGroups(13, 4), sliceGroups(4, 16)]).toEqual([
      7, 8, 1, 4,
    ]);
  });

  it('depth splits the shared blocks 2:5:3 over the stages, at least one each', () => {
    expect(stageBlocks(10)).toEqual([2, 5, 3]);
    expect(stageBlocks(20)).toEqual([4, 10, 6]);
    expect(stageBlocks(3)).toEqual([1, 1, 1]);
    expect(stageBlocks(5)).toEqual([1, 3, 1]);
    for (let d = 3; d < 30; d++) expect(stageBlocks(d).reduce((s, v) => s + v, 0)).toBe(d);
    expect(() => stageBlocks(2)).toThrow(/depth 2 < 3/);
  });

  it('width, heads, depth and input size reshape the student; bad combinations say why', () => {
    const m = buildStudent('sretLT', {
      inputSize: 32,
      channels: 3,
      numClasses: 5,
      seed: 1,
      width: 12,
      heads: 3,
      depth: 4,
    });
    const d = describeModel(m);
    // Small input: stem 32 -> 32 -> 16 -> 8; stages 8x8, 4x4, 2x2 tokens of dim 12, 24, 48.
    expect(d.layers.find((l) => l.name === 's0_block0_r0_slice')?.outputShape).toEqual([null, 16, 4, 12]);
    expect(d.layers.find((l) => l.name === 's1_block1_r0_slice')?.outputShape).toEqual([null, 8, 2, 24]);
    expect(d.layers.find((l) => l.name === 's2_block0_r1_slice')?.outputShape).toEqual([null, 1, 4, 48]);
    expect(m.layers.filter((l) => l.getClassName() === 'MultiHeadSelfAttention')).toHaveLength(4);
    m.dispose();
    const base = { inputSize: 28, channels: 1, numClasses: 5, seed: 1 };
    expect(() => buildStudent('sretLT', { ...base, width: 10, heads: 4 })).toThrow(
      /not divisible by 4 heads/,
    );
    expect(() => buildStudent('sretLT', { ...base, depth: 2 })).toThrow(/depth 2 < 3/);
  });
});

describe('disposal', () => {
  it('one model.dispose() frees every weight, shared recursive blocks included (built and loaded)', async () => {
    const before = tf.memory().numTensors;
    const m = buildStudent('sretLT', { inputSize: 28, channels: 1, numClasses: 10, seed: 2, width: 8 });
    expect(tf.memory().numTensors - before).toBe(m.weights.length);
    const art = await saveModelArtifacts(m);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const loaded = await loadStudentFromArtifacts({
      modelTopology: art.modelTopology as object,
      weightSpecs: art.weightSpecs ?? [],
      weightData: art.weightData as ArrayBuffer,
      format: art.format,
    });
    expect(loaded.getLayer('s0_block0_attn').inboundNodes).toHaveLength(2);
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
