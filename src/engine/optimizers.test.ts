import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStudent } from '../models/students';
import { sgdMomentum, type ParamSlot } from './optimizers';
import { maxAbsDiff, useCpu } from './testSetup';
import { createTrainer } from './trainStep';

beforeAll(useCpu);

function slot(value: number): ParamSlot {
  return { name: 'w', variable: tf.variable(tf.tensor1d([value]), true), decay: true };
}

describe('SGD with Nesterov momentum (torch.optim.SGD nesterov=True)', () => {
  it('two steps by hand: buf = m*buf + g; p -= lr * (g + m*buf)', async () => {
    const p = slot(1);
    const opt = sgdMomentum({ lr: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true });
    const step = () => tf.tidy(() => opt.apply([p], { [p.variable.name]: tf.tensor1d([0.5]) }));
    step();
    // g' = 0.5 + 0.1*1 = 0.6; buf = 0.6; update = 0.6 + 0.9*0.6 = 1.14; p = 1 - 0.1*1.14
    expect((await p.variable.data())[0]).toBeCloseTo(0.886, 6);
    step();
    // g' = 0.5 + 0.1*0.886 = 0.5886; buf = 0.9*0.6 + 0.5886 = 1.1286; update = 0.5886 + 0.9*1.1286
    expect((await p.variable.data())[0]).toBeCloseTo(0.886 - 0.1 * (0.5886 + 0.9 * 1.1286), 6);
    // The momentum buffer is the same as without Nesterov (PyTorch stores buf, not the look-ahead).
    const state = await opt.getState();
    expect(new Float32Array(state.find((w) => w.name === 'w/momentum')!.data)[0]).toBeCloseTo(1.1286, 6);
    opt.dispose();
    p.variable.dispose();
  });

  it('refuses Nesterov without momentum, as PyTorch', () => {
    expect(() => sgdMomentum({ lr: 0.1, momentum: 0, weightDecay: 0, nesterov: true })).toThrow(/momentum/);
  });

  it('createTrainer passes the flag: the first Nesterov step is (1 + momentum) x the plain one', async () => {
    const opts = { inputSize: 4, channels: 1, numClasses: 3, seed: 1, width: 4 };
    const x = tf.randomUniform([2, 4, 4, 1], -1, 1, 'float32', 1) as tf.Tensor4D;
    const q = tf.oneHot(tf.tensor1d([0, 2], 'int32'), 3) as tf.Tensor2D;
    const deltas: Float32Array[] = [];
    for (const nesterov of [false, true]) {
      const m = buildStudent('mlp', opts);
      const w = m.getLayer('fc').getWeights()[0];
      const before = await w.data();
      const t = createTrainer(m, { optimizer: 'sgd', lr: 0.1, momentum: 0.9, nesterov });
      t.step(x, q).dispose();
      const after = await m.getLayer('fc').getWeights()[0].data();
      deltas.push(Float32Array.from(after, (v, i) => v - before[i]));
      t.dispose();
      m.dispose();
    }
    expect(
      maxAbsDiff(
        Float32Array.from(deltas[0], (d) => d * 1.9),
        deltas[1],
      ),
    ).toBeLessThan(1e-6);
    expect(Math.max(...deltas[0].map(Math.abs))).toBeGreaterThan(1e-4);
  });
});
