import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { sampleCropBoxes } from '../core/cropBox';
import { uploadImage } from '../engine/pixels';
import { teacherFullProbs } from '../engine/teacherProbs';
import { teacherProbs, teacherSoftTopKBatch } from '../engine/teacherStep';
import { useCpu } from '../engine/testSetup';
import { ensembleMemberIds, ensembleTeacherId, makeEnsemble } from './ensemble';
import { validateTeacher, type Teacher, type TeacherConfig } from './teacher';

beforeAll(useCpu);

function config(id: string, over: Partial<TeacherConfig> = {}): TeacherConfig {
  return {
    id,
    name: id,
    inputSize: 4,
    channels: 1,
    channelOrder: 'rgb',
    normalisation: 'unit',
    output: 'logits',
    numClasses: 5,
    classMapping: 'dataset',
    ...over,
  };
}

/** A dense teacher on [s, s, c] input with seeded weights, as loadTeacher would wrap it. */
function denseTeacher(cfg: TeacherConfig, seed: number, units = cfg.numClasses): Teacher {
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [cfg.inputSize, cfg.inputSize, cfg.channels] }));
  m.add(tf.layers.dense({ units, kernelInitializer: tf.initializers.randomNormal({ seed, stddev: 2 }) }));
  return {
    config: cfg,
    kind: 'layers',
    inputShape: [null, cfg.inputSize, cfg.inputSize, cfg.channels],
    predictLogits: (x) => tf.tidy(() => m.predict(x) as tf.Tensor2D),
    dispose: () => m.dispose(),
  };
}

function image(seed: number, w = 12, h = 9): tf.Tensor3D {
  const rng = new Rng(seed);
  const rgba = new Uint8ClampedArray(w * h * 4).map(() => Math.floor(rng.uniform() * 256));
  return uploadImage(rgba, w, h);
}

describe('ensemble teacher ids', () => {
  it('round-trip the member ids and refuse malformed ones', () => {
    const id = ensembleTeacherId(['embedded:a', 'teacher:b']);
    expect(id).toBe('ensemble:embedded:a|teacher:b');
    expect(ensembleMemberIds(id)).toEqual(['embedded:a', 'teacher:b']);
    expect(ensembleMemberIds('embedded:a')).toBeNull();
    expect(() => ensembleTeacherId(['a'])).toThrow(/at least two/);
    expect(() => ensembleTeacherId(['a', 'a'])).toThrow(/once/);
    expect(() => ensembleTeacherId(['a', 'b|c'])).toThrow(/cannot be an ensemble member/);
    expect(() => ensembleMemberIds('ensemble:a')).toThrow(/malformed/);
  });
});

describe('makeEnsemble', () => {
  it('averages the members tempered softmaxes (not their logits)', async () => {
    const a = denseTeacher(config('a'), 1);
    const b = denseTeacher(config('b'), 2);
    const ens = makeEnsemble([a, b]);
    const x = tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    for (const T of [1, 2.5]) {
      const got = await teacherProbs(ens, x, T).array();
      const pa = await teacherProbs(a, x, T).array();
      const pb = await teacherProbs(b, x, T).array();
      const logitMean = (await tf
        .softmax(tf.div(tf.add(a.predictLogits(x), b.predictLogits(x)), 2 * T))
        .array()) as number[][];
      let maxErr = 0;
      let fromLogitMean = 0;
      got.forEach((row, i) =>
        row.forEach((p, j) => {
          maxErr = Math.max(maxErr, Math.abs(p - (pa[i][j] + pb[i][j]) / 2));
          fromLogitMean = Math.max(fromLogitMean, Math.abs(p - logitMean[i][j]));
        }),
      );
      expect(maxErr).toBeLessThan(1e-6);
      expect(fromLogitMean).toBeGreaterThan(1e-3); // the two definitions differ: we average probabilities
    }
    // predictLogits is log(mean p): softmax of it gives the T = 1 ensemble back.
    const viaLogits = await tf.softmax(ens.predictLogits(x)).array();
    const direct = await teacherProbs(ens, x, 1).array();
    expect(Math.max(...viaLogits.flat().map((v, i) => Math.abs(v - direct.flat()[i])))).toBeLessThan(1e-5);
    expect(ens.config.name).toBe('Ensemble (a + b)');
    expect(ens.config.id).toBe('ensemble:a|b');
    ens.dispose();
  });

  it('crops each member at its own input size and normalisation', async () => {
    const a = denseTeacher(config('a', { inputSize: 4, channels: 1, normalisation: 'unit' }), 3);
    const b = denseTeacher(config('b', { inputSize: 6, channels: 3, normalisation: 'imagenet' }), 4);
    const ens = makeEnsemble([a, b]);
    expect(ens.config.inputSize).toBe(6);
    const img = image(5);
    const boxes = sampleCropBoxes(new Rng(9), 12, 9, 6, { scale: [0.2, 1], ratio: [3 / 4, 4 / 3] });
    const T = 1.5;
    const got = await teacherFullProbs(ens, img, boxes, T);
    const pa = await teacherFullProbs(a, img, boxes, T);
    const pb = await teacherFullProbs(b, img, boxes, T);
    const want = pa.map((p, i) => (p + pb[i]) / 2);
    expect(Math.max(...got.map((p, i) => Math.abs(p - want[i])))).toBeLessThan(1e-6);
    // The generation path (top-k on the device) agrees with the full distribution.
    const top = await teacherSoftTopKBatch(ens, [{ image: img, boxes }], T, 2);
    for (let c = 0; c < boxes.length; c++) {
      const row = Array.from(want.subarray(c * 5, c * 5 + 5));
      const best = row.indexOf(Math.max(...row));
      expect(top.indices[c * 2]).toBe(best);
      expect(Math.abs(top.values[c * 2] - row[best])).toBeLessThan(1e-6);
    }
    // Members with different inputs cannot share pre-made crops.
    expect(() => ens.predictLogits(tf.zeros([1, 4, 4, 1]))).toThrow(/different inputs/);
    img.dispose();
    ens.dispose();
  });

  it('refuses members that disagree on the classes, and validation names the member that does not fit', async () => {
    const a = denseTeacher(config('a'), 1);
    const c = denseTeacher(config('c', { numClasses: 7 }), 2);
    expect(() => makeEnsemble([a, c])).toThrow(/disagree on their classes/);
    // Declared 5 classes, but the model outputs 3: the member's own validation error, named.
    const bad = denseTeacher(config('narrow'), 2, 3);
    const ens = makeEnsemble([a, bad]);
    const r = await validateTeacher(ens, 5);
    expect(r.ok).toBe(false);
    expect(r.errors.join('; ')).toMatch(/^narrow: the teacher outputs 3 classes/);
    ens.dispose();
    c.dispose();
  });

  it('leaves no tensors behind', async () => {
    const ens = makeEnsemble([
      denseTeacher(config('a'), 1),
      denseTeacher(config('b', { inputSize: 6, normalisation: 'symmetric' }), 2),
    ]);
    const img = image(1);
    const boxes = sampleCropBoxes(new Rng(1), 12, 9, 4, { scale: [0.2, 1], ratio: [3 / 4, 4 / 3] });
    await teacherSoftTopKBatch(ens, [{ image: img, boxes }], 1, 3);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await teacherSoftTopKBatch(ens, [{ image: img, boxes }], 1, 3);
    expect(tf.memory().numTensors).toBe(before);
    img.dispose();
    ens.dispose();
  });
});
