import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../engine/testSetup';
import { saveModelArtifacts } from '../engine/weights';
import { loadTeacher, validateTeacher, type TeacherConfig } from './teacher';

beforeAll(useCpu);

const CONFIG: TeacherConfig = {
  id: 't',
  name: 'tiny teacher',
  inputSize: 4,
  channels: 1,
  channelOrder: 'rgb',
  normalisation: 'unit',
  output: 'logits',
  numClasses: 10,
  classMapping: 'dataset',
};

function layersTeacher(units: number, activation: 'linear' | 'softmax'): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.flatten({ inputShape: [4, 4, 1] }));
  m.add(
    tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
  );
  return m;
}

/** A hand-written Graph model: y = reshape(x, [-1, 4]) @ W, W = [[1,0,0],[0,1,0],[0,0,1],[1,1,1]]. */
function graphArtifacts(): tf.io.ModelArtifacts {
  const dim = (...sizes: number[]) => ({ dim: sizes.map((s) => ({ size: String(s) })) });
  const w = new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]);
  const shape = new Int32Array([-1, 4]);
  const weightData = new Uint8Array(w.byteLength + shape.byteLength);
  weightData.set(new Uint8Array(w.buffer), 0);
  weightData.set(new Uint8Array(shape.buffer), w.byteLength);
  return {
    format: 'graph-model',
    modelTopology: {
      node: [
        {
          name: 'x',
          op: 'Placeholder',
          attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dim(-1, 2, 2, 1) } },
        },
        {
          name: 'W',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_FLOAT' },
            value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dim(4, 3) } },
          },
        },
        {
          name: 'shape',
          op: 'Const',
          attr: {
            dtype: { type: 'DT_INT32' },
            value: { tensor: { dtype: 'DT_INT32', tensorShape: dim(2) } },
          },
        },
        { name: 'flat', op: 'Reshape', input: ['x', 'shape'], attr: { T: { type: 'DT_FLOAT' } } },
        {
          name: 'y',
          op: 'MatMul',
          input: ['flat', 'W'],
          attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } },
        },
      ],
      versions: { producer: 1 },
    },
    weightSpecs: [
      { name: 'W', shape: [4, 3], dtype: 'float32' },
      { name: 'shape', shape: [2], dtype: 'int32' },
    ],
    weightData: weightData.buffer,
  };
}

describe('loadTeacher', () => {
  it('loads an in-memory Layers model and predicts the same logits', async () => {
    const model = layersTeacher(10, 'linear');
    const teacher = await loadTeacher(tf.io.fromMemory(await saveModelArtifacts(model)), CONFIG);
    expect(teacher.kind).toBe('layers');
    const x = tf.randomUniform([2, 4, 4, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const got = tf.tidy(() => teacher.predictLogits(x));
    expect(Array.from(await got.data())).toEqual(Array.from(await (model.predict(x) as tf.Tensor).data()));
    expect(await validateTeacher(teacher, 10)).toEqual({ ok: true, errors: [] });
  });

  it('validateTeacher reports a class-count mismatch and an input-size mismatch', async () => {
    const teacher = await loadTeacher(
      tf.io.fromMemory(await saveModelArtifacts(layersTeacher(10, 'linear'))),
      CONFIG,
    );
    const wrongClasses = await validateTeacher(teacher, 5);
    expect(wrongClasses.ok).toBe(false);
    expect(wrongClasses.errors.join('\n')).toMatch(/outputs 10 classes but the dataset has 5/);
    const wrongSize = await validateTeacher({ ...teacher, config: { ...CONFIG, inputSize: 8 } }, 10);
    expect(wrongSize.errors.join('\n')).toMatch(/expects 4x4 input but its config says 8x8/);
  });

  it('declared probabilities come back as log(p), so softmax gives p back', async () => {
    const model = layersTeacher(10, 'softmax');
    const config = { ...CONFIG, output: 'probabilities' as const };
    const teacher = await loadTeacher(tf.io.fromMemory(await saveModelArtifacts(model)), config);
    const x = tf.randomUniform([1, 4, 4, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
    const p = await (model.predict(x) as tf.Tensor).data();
    const back = await tf.softmax(teacher.predictLogits(x)).data();
    for (let i = 0; i < p.length; i++) expect(back[i]).toBeCloseTo(p[i], 6);
    expect((await validateTeacher(teacher, 10)).ok).toBe(true);
    // A logits teacher mislabelled as probabilities is caught.
    const mislabelled = await loadTeacher(
      tf.io.fromMemory(await saveModelArtifacts(layersTeacher(10, 'linear'))),
      config,
    );
    expect((await validateTeacher(mislabelled, 10)).errors.join()).toMatch(/declared as probabilities/);
  });

  it('loads a Graph model (format graph-model) and runs it via execute', async () => {
    const config = { ...CONFIG, inputSize: 2, numClasses: 3 };
    const teacher = await loadTeacher(tf.io.fromMemory(graphArtifacts()), config);
    expect(teacher.kind).toBe('graph');
    expect(teacher.inputShape).toEqual([null, 2, 2, 1]);
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    expect(Array.from(await teacher.predictLogits(x).data())).toEqual([1 + 4, 2 + 4, 3 + 4]);
    expect(await validateTeacher(teacher, 3)).toEqual({ ok: true, errors: [] });
    expect((await validateTeacher(teacher, 10)).errors.join()).toMatch(
      /outputs 3 classes but the dataset has 10/,
    );
  });
});
