import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStudent } from '../models/students';
import { adamW, sgdMomentum, type ParamSlot } from './optimizers';
import { useCpu } from './testSetup';
import { createTrainer, trainableSlots } from './trainStep';
import { exportWeights, importWeights } from './weights';

beforeAll(useCpu);

const batch = (n: number, size: number, classes: number, seed: number) => ({
  x: tf.randomUniform([n, size, size, 1], -1, 1, 'float32', seed) as tf.Tensor4D,
  // soft targets: a peaked distribution per row
  q: tf.softmax(tf.mul(tf.randomNormal([n, classes], 0, 1, 'float32', seed + 1), 3)) as tf.Tensor2D,
});

async function values(model: tf.LayersModel, names: RegExp): Promise<number[]> {
  const out: number[] = [];
  for (const w of model.weights) if (names.test(w.originalName)) out.push(...(await w.read().data()));
  return out;
}

describe('train step', () => {
  it('one step updates the BatchNorm moving statistics (training: true reaches BN)', async () => {
    const model = buildStudent('tinyCnn', { inputSize: 8, channels: 1, numClasses: 4, seed: 1 });
    const trainer = createTrainer(model, { optimizer: 'sgd', lr: 0.1 });
    const before = await values(model, /bn1\/moving_(mean|variance)/);
    const { x, q } = batch(4, 8, 4, 5);
    trainer.step(x, q).dispose();
    const after = await values(model, /bn1\/moving_(mean|variance)/);
    expect(before.slice(0, 8)).toEqual(new Array(8).fill(0)); // moving mean starts at 0
    expect(after.slice(0, 8).some((v) => Math.abs(v) > 1e-4)).toBe(true);
    // momentum 0.9: one step moves 10% of the way: variance 1 -> 0.9 + 0.1 * batch variance.
    expect(after.slice(8).every((v) => v !== 1)).toBe(true);
  });

  it('tensor count is flat: mlp 8x8 after step 10 == after step 200', async () => {
    const model = buildStudent('mlp', { inputSize: 8, channels: 1, numClasses: 4, seed: 2, width: 16 });
    const trainer = createTrainer(model, { optimizer: 'adamw', lr: 1e-3 });
    const { x, q } = batch(4, 8, 4, 9);
    let at10 = -1;
    let lossFirst = 0;
    let lossLast = 0;
    for (let i = 1; i <= 200; i++) {
      const loss = trainer.step(x, q);
      if (i === 1) lossFirst = (await loss.data())[0];
      if (i === 200) lossLast = (await loss.data())[0];
      loss.dispose();
      if (i === 10) at10 = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(at10);
    expect(lossLast).toBeLessThan(lossFirst); // it actually learns the fixed batch
    trainer.dispose();
    model.dispose();
  });

  it('tensor count is flat for a few tinyCnn steps with SGD', async () => {
    const model = buildStudent('tinyCnn', { inputSize: 8, channels: 1, numClasses: 4, seed: 3 });
    const trainer = createTrainer(model, { optimizer: 'sgd', lr: 0.05 });
    const { x, q } = batch(2, 8, 4, 13);
    trainer.step(x, q).dispose();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) trainer.step(x, q).dispose();
    expect(tf.memory().numTensors).toBe(after1);
  });

  it('setLearningRate takes effect without rebuilding the optimiser', async () => {
    const model = buildStudent('mlp', { inputSize: 8, channels: 1, numClasses: 4, seed: 4, width: 8 });
    const trainer = createTrainer(model, { optimizer: 'sgd', lr: 0 });
    const { x, q } = batch(2, 8, 4, 17);
    const w0 = await values(model, /kernel|gamma|beta|bias/);
    trainer.step(x, q).dispose();
    expect(await values(model, /kernel|gamma|beta|bias/)).toEqual(w0); // lr 0: nothing moves
    trainer.setLearningRate(0.1);
    trainer.step(x, q).dispose();
    expect(await values(model, /kernel|gamma|beta|bias/)).not.toEqual(w0);
  });

  it('optimizer state round-trips: a resumed trainer takes the identical next step', async () => {
    const opts = { inputSize: 8, channels: 1, numClasses: 4, seed: 5, width: 8 };
    for (const optimizer of ['sgd', 'adamw'] as const) {
      const a = buildStudent('mlp', opts);
      const ta = createTrainer(a, { optimizer, lr: 0.05 });
      const { x, q } = batch(4, 8, 4, 21);
      for (let i = 0; i < 3; i++) ta.step(x, q).dispose();
      const b = buildStudent('mlp', { ...opts, seed: 99 });
      importWeights(b, await exportWeights(a));
      const tb = createTrainer(b, { optimizer, lr: 0.05 });
      tb.setOptimizerWeights(await ta.optimizerWeights());
      ta.step(x, q).dispose();
      tb.step(x, q).dispose();
      expect(await values(b, /./)).toEqual(await values(a, /./));
    }
  });

  it('evaluate / evaluateLoss run in inference mode and leave BN statistics alone', async () => {
    const model = buildStudent('tinyCnn', { inputSize: 8, channels: 1, numClasses: 4, seed: 6 });
    const trainer = createTrainer(model, { optimizer: 'sgd', lr: 0.1 });
    const { x } = batch(3, 8, 4, 25);
    const before = await values(model, /moving/);
    const logits = trainer.evaluate(x);
    const { loss } = trainer.evaluateLoss(x, Int32Array.from([0, 1, 2]));
    expect(logits.shape).toEqual([3, 4]);
    expect(Number.isFinite((await loss.data())[0])).toBe(true);
    expect(await values(model, /moving/)).toEqual(before);
  });
});

describe('optimisers (docs/fkd.md, Optimisers)', () => {
  const slot = (name: string, value: number[], shape: number[], decay: boolean): ParamSlot => ({
    name,
    variable: tf.variable(tf.tensor(value, shape)),
    decay,
  });
  const grads = (slots: ParamSlot[], g: number) =>
    Object.fromEntries(slots.map((s) => [s.variable.name, tf.fill(s.variable.shape, g)]));

  it('AdamW: zero gradient -> kernel shrinks by exactly (1 - lr*wd), 1-D bias unchanged', async () => {
    const kernel = slot('fc/kernel', [1, -2, 3, 4], [2, 2], true);
    const bias = slot('fc/bias', [0.5, -0.5], [2], false);
    const opt = adamW({ lr: 0.01, weightDecay: 0.05 });
    tf.tidy(() => opt.apply([kernel, bias], grads([kernel, bias], 0)));
    const f = Math.fround(1 - 0.01 * 0.05);
    expect(Array.from(await kernel.variable.data())).toEqual([1, -2, 3, 4].map((v) => Math.fround(v * f)));
    expect(Array.from(await bias.variable.data())).toEqual([0.5, -0.5]);
  });

  it('AdamW and trainableSlots: 1-D params (bias, BN gamma/beta) are exempt from decay', () => {
    const model = buildStudent('tinyCnn', { inputSize: 8, channels: 1, numClasses: 4, seed: 7 });
    const slots = trainableSlots(model, false);
    for (const s of slots) expect(s.decay).toBe(s.variable.shape.length > 1);
    expect(slots.filter((s) => !s.decay).map((s) => s.name)).toContain('bn1/gamma');
    expect(trainableSlots(model, true).every((s) => s.decay)).toBe(true); // SGD recipe: decay all
  });

  it('AdamW step matches the PyTorch formula by hand', async () => {
    const p = slot('w', [1], [1, 1], true);
    const opt = adamW({ lr: 0.1, weightDecay: 0.1 });
    tf.tidy(() => opt.apply([p], grads([p], 0.5)));
    // decay: 1*(1-0.01) = 0.99; m_hat = 0.5, v_hat = 0.25 -> step 0.1 * 0.5 / (0.5 + 1e-8)
    expect((await p.variable.data())[0]).toBeCloseTo(0.99 - 0.1 * (0.5 / (0.5 + 1e-8)), 6);
  });

  it('SGD: coupled weight decay + momentum 0.9, two steps by hand, lr change honoured', async () => {
    const p = slot('w', [1], [1, 1], true);
    const opt = sgdMomentum({ lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    tf.tidy(() => opt.apply([p], grads([p], 0.5)));
    expect((await p.variable.data())[0]).toBeCloseTo(0.94, 6); // g' = 0.6, buf = 0.6
    opt.lr = 0.2;
    tf.tidy(() => opt.apply([p], grads([p], 0.5)));
    // g' = 0.5 + 0.1*0.94 = 0.594; buf = 0.9*0.6 + 0.594 = 1.134; p = 0.94 - 0.2*1.134
    expect((await p.variable.data())[0]).toBeCloseTo(0.94 - 0.2 * 1.134, 6);
  });
});

describe('stepWithAccuracy', () => {
  it('returns the loss of an identical plain step and the count of correct crops, leaking nothing', async () => {
    const make = () => {
      const model = buildStudent('mlp', { inputSize: 4, channels: 1, numClasses: 3, seed: 5 });
      return { model, trainer: createTrainer(model, { optimizer: 'sgd', lr: 0.1 }) };
    };
    const x = tf.randomUniform([6, 4, 4, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const labels = Int32Array.from([0, 1, 2, 0, 1, 2]);
    const targets = tf.oneHot(tf.tensor1d(labels, 'int32'), 3).toFloat() as tf.Tensor2D;
    const a = make();
    const b = make();
    // One step each first: the optimisers create their momentum slots lazily.
    tf.dispose([a.trainer.step(x, targets), b.trainer.stepWithAccuracy(x, targets, labels)]);
    const before = tf.memory().numTensors;
    const plain = a.trainer.step(x, targets);
    const both = b.trainer.stepWithAccuracy(x, targets, labels);
    const [loss, correct] = await both.data();
    expect(loss).toBeCloseTo((await plain.data())[0], 6);
    tf.dispose([plain, both]);
    expect(tf.memory().numTensors).toBe(before);
    // The count must equal an independent arg-max of the pre-step logits.
    const c = make();
    c.trainer.step(x, targets).dispose(); // same state as b before its counted step
    const logits = c.model.apply(x, { training: true }) as tf.Tensor2D;
    const pred = await tf.argMax(logits, 1).data();
    expect(correct).toBe(pred.filter((p, i) => p === labels[i]).length);
    tf.dispose([logits]);
  });
});
