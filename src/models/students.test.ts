import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../engine/testSetup';
import { buildStudent, describeModel, type StudentArch } from './students';

beforeAll(useCpu);

async function flatWeights(model: tf.LayersModel): Promise<number[]> {
  const out: number[] = [];
  for (const w of model.weights) out.push(...(await w.read().data()));
  return out;
}

const ARCHS: StudentArch[] = ['mlp', 'tinyCnn', 'resnetMini', 'mobilenetMini'];
const OPTS = { inputSize: 8, channels: 1, numClasses: 5 };

describe('buildStudent', () => {
  for (const arch of ARCHS) {
    it(`${arch}: same seed -> identical weights, other seed -> different; logits [N, classes]`, async () => {
      const a = buildStudent(arch, { ...OPTS, seed: 3 });
      const b = buildStudent(arch, { ...OPTS, seed: 3 });
      const c = buildStudent(arch, { ...OPTS, seed: 4 });
      const wa = await flatWeights(a);
      expect(await flatWeights(b)).toEqual(wa);
      expect(await flatWeights(c)).not.toEqual(wa);
      // Distinct layers must not share a seed (identical kernels would hint at that).
      const kernels = a.trainableWeights.filter((w) => w.shape.length > 1);
      const firsts = await Promise.all(kernels.map(async (k) => (await k.read().data())[0]));
      expect(new Set(firsts).size).toBe(firsts.length);
      const y = a.predict(tf.zeros([2, 8, 8, 1])) as tf.Tensor;
      expect(y.shape).toEqual([2, 5]);
      // Linear head: the last layer is a Dense with no activation.
      const last = a.layers[a.layers.length - 1];
      expect(last.getClassName()).toBe('Dense');
      expect((last.getConfig() as { activation: string }).activation).toBe('linear');
      [a, b, c].forEach((m) => m.dispose());
    });
  }

  it('uses PyTorch-like BatchNorm (momentum 0.9, epsilon 1e-5) and 3-channel input', () => {
    const m = buildStudent('tinyCnn', { inputSize: 8, channels: 3, numClasses: 10, seed: 1 });
    const cfg = m.getLayer('bn1').getConfig() as { momentum: number; epsilon: number };
    expect(cfg).toMatchObject({ momentum: 0.9, epsilon: 1e-5 });
    expect(m.inputs[0].shape).toEqual([null, 8, 8, 3]);
    m.dispose();
  });

  it('describeModel lists layers with output shapes and parameter counts summing to the total', () => {
    const m = buildStudent('tinyCnn', { inputSize: 8, channels: 1, numClasses: 10, seed: 1, width: 8 });
    const d = describeModel(m);
    // conv1 3*3*1*8 + bn1 4*8 + conv2 3*3*8*16 + bn2 4*16 + fc 16*10+10
    expect(d.params).toBe(72 + 32 + 1152 + 64 + 170);
    expect(d.layers.reduce((s, l) => s + l.params, 0)).toBe(d.params);
    expect(d.layers.find((l) => l.name === 'conv2')).toEqual({
      name: 'conv2',
      type: 'Conv2D',
      outputShape: [null, 4, 4, 16],
      params: 1152,
    });
    m.dispose();
  });
});
