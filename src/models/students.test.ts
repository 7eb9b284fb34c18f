import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../engine/testSetup';
import { exportWeights, importWeights, saveModelArtifacts } from '../engine/weights';
import { makeDivisible } from './mobilenet';
import { loadStudentFromArtifacts } from './studentArtifacts';
import {
  buildStudent,
  describeModel,
  STUDENT_ARCHS,
  type StudentArch,
  type StudentOptions,
} from './students';

beforeAll(useCpu);

async function flatWeights(model: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  // Element by element: a spread of FBNet's 1984-channel head overflows the call stack.
  for (const w of model.weights) for (const v of await w.read().data()) out.push(v);
  return out;
}

async function logitsOf(model: tf.LayersModel, x: tf.Tensor): Promise<number[]> {
  const y = model.predict(x) as tf.Tensor;
  const v = Array.from(await y.data());
  y.dispose();
  return v;
}

const OPTS = { inputSize: 8, channels: 1, numClasses: 5 };
/** Small enough to run a forward on the cpu backend in milliseconds. */
const SMALL: Record<StudentArch, Partial<StudentOptions>> = {
  mlp: {},
  tinyCnn: {},
  resnetMini: {},
  mobilenetMini: {},
  resnet18: { width: 4 },
  resnet50: { width: 4, smallInput: false },
  mobilenetV2: { widthMultiplier: 0.25 },
  vitTiny: { width: 8, depth: 2, heads: 2, patchSize: 4 },
  efficientnetV2B0: { width: 4 },
  fbnetC100: { width: 4 },
  sretLT: { width: 4, depth: 3 },
};

describe('buildStudent', () => {
  it('knows every architecture', () => {
    expect(STUDENT_ARCHS.slice().sort()).toEqual(Object.keys(SMALL).sort());
  });

  for (const arch of STUDENT_ARCHS) {
    it(`${arch}: same seed -> identical weights, other seed -> different; logits [N, classes]`, async () => {
      const a = buildStudent(arch, { ...OPTS, ...SMALL[arch], seed: 3 });
      const b = buildStudent(arch, { ...OPTS, ...SMALL[arch], seed: 3 });
      const c = buildStudent(arch, { ...OPTS, ...SMALL[arch], seed: 4 });
      const wa = await flatWeights(a);
      expect(await flatWeights(b)).toEqual(wa);
      expect(await flatWeights(c)).not.toEqual(wa);
      // Distinct layers must not share a seed (identical kernels would hint at that).
      const kernels = a.trainableWeights.filter((w) => w.shape.length > 1);
      const firsts = await Promise.all(kernels.map(async (k) => (await k.read().data())[0]));
      expect(new Set(firsts).size).toBe(firsts.length);
      const y = a.predict(tf.zeros([2, 8, 8, 1])) as tf.Tensor;
      expect(y.shape).toEqual([2, 5]);
      // Training-mode forward (BN on batch statistics) has the same shape.
      expect(
        (a.apply(tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 1), { training: true }) as tf.Tensor).shape,
      ).toEqual([2, 5]);
      // Linear head: the last layer is a Dense with no activation.
      const last = a.layers[a.layers.length - 1];
      expect(last.getClassName()).toBe('Dense');
      expect((last.getConfig() as { activation: string }).activation).toBe('linear');
      [a, b, c].forEach((m) => m.dispose());
    });

    it(`${arch}: weights export/import and model.json round trips give identical logits`, async () => {
      const a = buildStudent(arch, { ...OPTS, ...SMALL[arch], seed: 5 });
      const b = buildStudent(arch, { ...OPTS, ...SMALL[arch], seed: 6 });
      const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 2);
      const la = await logitsOf(a, x);
      importWeights(b, await exportWeights(a));
      expect(await logitsOf(b, x)).toEqual(la);
      const a2 = await saveModelArtifacts(a);
      const c = await loadStudentFromArtifacts({
        modelTopology: a2.modelTopology as object,
        weightSpecs: a2.weightSpecs ?? [],
        weightData: a2.weightData as ArrayBuffer,
        format: a2.format,
      });
      expect(await logitsOf(c, x)).toEqual(la);
      [a, b, c].forEach((m) => m.dispose());
    });
  }

  it('uses PyTorch-like BatchNorm (momentum 0.9, epsilon 1e-5) and 3-channel input', () => {
    const m = buildStudent('tinyCnn', { inputSize: 8, channels: 3, numClasses: 10, seed: 1 });
    const cfg = m.getLayer('bn1').getConfig() as { momentum: number; epsilon: number };
    expect(cfg).toMatchObject({ momentum: 0.9, epsilon: 1e-5 });
    expect(m.inputs[0].shape).toEqual([null, 8, 8, 3]);
    m.dispose();
    const r = buildStudent('resnet18', { inputSize: 16, channels: 3, numClasses: 10, seed: 1, width: 4 });
    for (const l of r.layers.filter((x) => x.getClassName() === 'BatchNormalization')) {
      expect(l.getConfig()).toMatchObject({ momentum: 0.9, epsilon: 1e-5 });
    }
    r.dispose();
  });

  it('small-input stem: 3x3 stride-1 conv and no max-pool; ImageNet stem: 7x7/2 + pool', () => {
    const small = buildStudent('resnet18', { inputSize: 32, channels: 3, numClasses: 10, seed: 1, width: 4 });
    expect(small.getLayer('conv1').getConfig()).toMatchObject({ kernelSize: [3, 3], strides: [1, 1] });
    expect(small.layers.some((l) => l.name === 'maxpool')).toBe(false);
    expect(small.getLayer('layer4_1_add').outputShape).toEqual([null, 4, 4, 32]);
    const big = buildStudent('resnet18', {
      inputSize: 64,
      channels: 3,
      numClasses: 10,
      seed: 1,
      width: 4,
      smallInput: false,
    });
    expect(big.getLayer('maxpool').outputShape).toEqual([null, 16, 16, 4]);
    expect(big.getLayer('layer4_1_add').outputShape).toEqual([null, 2, 2, 32]);
    [small, big].forEach((m) => m.dispose());
  });
});

describe('parameter counts match the reference implementations (parameters only, not BN buffers)', () => {
  const imagenet = { channels: 3, numClasses: 1000, seed: 1, smallInput: false };
  // Parameter counts do not depend on the input size for the CNNs: build them at 32 px.
  it('resnet18 (width 64) = torchvision 11,689,512; resnet50 = 25,557,032', () => {
    for (const [arch, n] of [
      ['resnet18', 11_689_512],
      ['resnet50', 25_557_032],
    ] as const) {
      const m = buildStudent(arch, { ...imagenet, inputSize: 32 });
      expect(describeModel(m).trainableParams).toBe(n);
      m.dispose();
    }
  });

  it('mobilenetV2 (1.0) = torchvision 3,504,872; makeDivisible as torchvision', () => {
    const m = buildStudent('mobilenetV2', { ...imagenet, inputSize: 32 });
    expect(describeModel(m).trainableParams).toBe(3_504_872);
    m.dispose();
    expect([makeDivisible(32 * 0.35), makeDivisible(1280 * 0.5), makeDivisible(24 * 0.75)]).toEqual([
      16, 640, 24,
    ]);
  });

  it('vitTiny (dim 192, depth 12, heads 3, patch 16, 224 px) = timm vit_tiny_patch16_224 5,717,416', () => {
    const m = buildStudent('vitTiny', { ...imagenet, inputSize: 224 });
    const d = describeModel(m);
    expect(d.trainableParams).toBe(5_717_416);
    // timm / fvcore: about 1.26 G multiply-adds.
    expect(d.flops / 2 / 1e9).toBeCloseTo(1.26, 1);
    m.dispose();
  });
});

describe('describeModel', () => {
  it('lists layers with output shapes, parameter counts summing to the total, and hand-counted FLOPs', () => {
    const m = buildStudent('tinyCnn', { inputSize: 8, channels: 1, numClasses: 10, seed: 1, width: 8 });
    const d = describeModel(m);
    // conv1 3*3*1*8 + bn1 4*8 + conv2 3*3*8*16 + bn2 4*16 + fc 16*10+10
    expect(d.params).toBe(72 + 32 + 1152 + 64 + 170);
    expect(d.trainableParams).toBe(72 + 16 + 1152 + 32 + 170);
    expect(d.layers.reduce((s, l) => s + l.params, 0)).toBe(d.params);
    // FLOPs = 2 * MACs: conv1 8x8 positions * 3*3*1*8; conv2 4x4 * 3*3*8*16; fc 16*10.
    expect(d.layers.find((l) => l.name === 'conv2')).toEqual({
      name: 'conv2',
      type: 'Conv2D',
      outputShape: [null, 4, 4, 16],
      params: 1152,
      flops: 2 * 16 * 1152,
    });
    expect(d.flops).toBe(2 * (64 * 72 + 16 * 1152 + 160));
    // The same model costed at 16 px: 4x the conv work, same head.
    const d16 = describeModel(m, 16);
    expect(d16.inputSize).toBe(16);
    expect(d16.layers.find((l) => l.name === 'conv2')?.outputShape).toEqual([null, 8, 8, 16]);
    expect(d16.flops).toBe(2 * (256 * 72 + 64 * 1152 + 160));
    // mlp: flattened 8*8 -> 16 -> 16 -> 10 dense layers.
    const mlp = buildStudent('mlp', { inputSize: 8, channels: 1, numClasses: 10, seed: 1, width: 16 });
    expect(describeModel(mlp).flops).toBe(2 * (64 * 16 + 16 * 16 + 16 * 10));
    expect(() => describeModel(mlp, 16)).toThrow(/dense1 expects 64 features/);
    [m, mlp].forEach((x) => x.dispose());
  });

  it('counts depthwise convs and attention matmuls', () => {
    // mobilenetMini block1 depthwise: 8x8 positions * 3*3 * 8 channels.
    const mb = buildStudent('mobilenetMini', {
      inputSize: 8,
      channels: 1,
      numClasses: 10,
      seed: 1,
      width: 8,
    });
    expect(describeModel(mb).layers.find((l) => l.name === 'block1_dw')?.flops).toBe(2 * 64 * 9 * 8);
    mb.dispose();
    // input 8, patch 4 -> 4 tokens + cls = 5 tokens of dim 8, 2 heads, one block, 3 classes.
    const vit = buildStudent('vitTiny', {
      inputSize: 8,
      channels: 1,
      numClasses: 3,
      seed: 1,
      width: 8,
      depth: 1,
      heads: 2,
      patchSize: 4,
    });
    const d = describeModel(vit);
    const attn = 5 * 8 * 24 + 2 * 5 * 5 * 8 + 5 * 8 * 8; // qkv, q k^T and attn v, proj
    expect(d.layers.find((l) => l.name === 'block0_attn')?.flops).toBe(2 * attn);
    // patch conv 2x2 positions * 4*4*1*8, MLP 5 tokens * (8*32 + 32*8), head 8*3.
    expect(d.flops).toBe(2 * (4 * 128 + attn + 5 * 512 + 24));
    vit.dispose();
  });

  it('resnet18 at 224 px costs 1.814 G multiply-adds (fvcore on torchvision), built at 32 px', () => {
    const m = buildStudent('resnet18', {
      inputSize: 32,
      channels: 3,
      numClasses: 1000,
      seed: 1,
      smallInput: false,
    });
    const d = describeModel(m, 224);
    expect(d.layers.find((l) => l.name === 'maxpool')?.outputShape).toEqual([null, 56, 56, 64]);
    expect(d.flops / 2 / 1e9).toBeCloseTo(1.814, 3);
    m.dispose();
  });
});
