import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { buildStudent } from '../models/students';
import { createTrainer } from './trainStep';
import { useCpu } from './testSetup';
import { exportWeights, importWeights, saveModelArtifacts } from './weights';

beforeAll(useCpu);

const OPTS = { inputSize: 8, channels: 1, numClasses: 4, width: 4 };

/** A model whose BN statistics have moved, so the checkpoint must carry non-trainable weights too. */
async function trainedModel(): Promise<tf.LayersModel> {
  const m = buildStudent('resnetMini', { ...OPTS, seed: 1 });
  const t = createTrainer(m, { optimizer: 'sgd', lr: 0.1 });
  const x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 3) as tf.Tensor4D;
  t.step(x, tf.oneHot(tf.tensor1d([0, 3], 'int32'), 4) as tf.Tensor2D).dispose();
  return m;
}

it('export -> import into a fresh model gives identical logits (BN statistics included)', async () => {
  const a = await trainedModel();
  const b = buildStudent('resnetMini', { ...OPTS, seed: 2 });
  const x = tf.randomUniform([3, 8, 8, 1], -1, 1, 'float32', 7);
  const la = await (a.predict(x) as tf.Tensor).data();
  expect(Array.from(await (b.predict(x) as tf.Tensor).data())).not.toEqual(Array.from(la));
  const saved = await exportWeights(a);
  expect(saved.some((w) => w.name === 'stem_bn/moving_mean')).toBe(true);
  const before = tf.memory().numTensors;
  importWeights(b, saved);
  expect(tf.memory().numTensors).toBe(before); // temporaries disposed
  expect(Array.from(await (b.predict(x) as tf.Tensor).data())).toEqual(Array.from(la));
});

it('importWeights names what is missing or mis-shaped', async () => {
  const a = buildStudent('tinyCnn', { ...OPTS, seed: 1 });
  const saved = await exportWeights(a);
  const other = buildStudent('tinyCnn', { ...OPTS, numClasses: 5, seed: 1 });
  expect(() => importWeights(other, saved)).toThrow(/fc\/kernel: checkpoint shape \[8,4\] vs model \[8,5\]/);
  expect(() => importWeights(a, saved.slice(1))).toThrow(/missing weight conv1\/kernel/);
});

it('saveModelArtifacts captures topology + weights that load back to the same logits', async () => {
  const a = await trainedModel();
  const artifacts = await saveModelArtifacts(a);
  expect(artifacts.modelTopology).toBeTruthy();
  const b = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  const x = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 11);
  expect(Array.from(await (b.predict(x) as tf.Tensor).data())).toEqual(
    Array.from(await (a.predict(x) as tf.Tensor).data()),
  );
});
