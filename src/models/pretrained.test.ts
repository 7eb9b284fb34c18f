import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useCpu } from '../engine/testSetup';
import { saveModelArtifacts } from '../engine/weights';
import { checkWeightBytes, loadPretrained, storedClassCount } from './pretrained';
import { buildStudent } from './students';
import type { StoredArtifacts } from './teacherArtifacts';

beforeAll(useCpu);

const OPTS = { inputSize: 8, channels: 1, width: 4 };

async function artifactsOf(model: tf.LayersModel): Promise<StoredArtifacts> {
  const a = await saveModelArtifacts(model);
  return {
    modelTopology: a.modelTopology,
    weightSpecs: a.weightSpecs,
    weightData: a.weightData as ArrayBuffer,
  };
}

async function values(model: tf.LayersModel): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const w of model.weights) out.set(w.originalName, Array.from(await w.read().data()));
  return out;
}

describe('loadPretrained', () => {
  it('loads every weight of the same student: identical logits', async () => {
    const src = buildStudent('resnetMini', { ...OPTS, numClasses: 10, seed: 1 });
    const dst = buildStudent('resnetMini', { ...OPTS, numClasses: 10, seed: 2 });
    const a = await artifactsOf(src);
    expect(storedClassCount(a)).toBe(10);
    const before = tf.memory().numTensors;
    const m = loadPretrained(dst, a);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.mapped).toHaveLength(dst.weights.length);
    expect(m.missing.concat(m.extra)).toEqual([]);
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 5);
    const [ya, yb] = [src.predict(x) as tf.Tensor, dst.predict(x) as tf.Tensor];
    expect(Array.from(await yb.data())).toEqual(Array.from(await ya.data()));
    tf.dispose([x, ya, yb]);
    src.dispose();
    dst.dispose();
  });

  it('replaces the head of another class count with the seeded fresh one and loads the rest', async () => {
    const src = buildStudent('resnetMini', { ...OPTS, numClasses: 10, seed: 1 });
    const dst = buildStudent('resnetMini', { ...OPTS, numClasses: 4, seed: 2 });
    const fresh = await values(dst);
    const m = loadPretrained(dst, await artifactsOf(src));
    expect(m.headReplaced).toEqual({ sourceClasses: 10, targetClasses: 4 });
    expect(m.mapped).toHaveLength(dst.weights.length - 2);
    const [s, d] = [await values(src), await values(dst)];
    for (const [name, v] of d) {
      if (name.startsWith('fc/')) expect(v, name).toEqual(fresh.get(name));
      else expect(v, name).toEqual(s.get(name));
    }
    src.dispose();
    dst.dispose();
  });

  it('refuses (model untouched) a model none of whose weights fit', async () => {
    const src = buildStudent('mlp', { ...OPTS, numClasses: 10, seed: 1, width: 16 });
    const dst = buildStudent('tinyCnn', { ...OPTS, numClasses: 10, seed: 2 });
    const fresh = await values(dst);
    const a = await artifactsOf(src);
    expect(() => loadPretrained(dst, a)).toThrow(/no weight of this model fits/);
    expect(await values(dst)).toEqual(fresh);
    src.dispose();
    dst.dispose();
  });

  it('says so when the weight file is shorter than model.json lists', async () => {
    const src = buildStudent('tinyCnn', { ...OPTS, numClasses: 10, seed: 1 });
    const dst = buildStudent('tinyCnn', { ...OPTS, numClasses: 10, seed: 2 });
    const a = await artifactsOf(src);
    expect(() => checkWeightBytes(a)).not.toThrow();
    expect(() => checkWeightBytes({ ...a, weightData: a.weightData.slice(4) })).toThrow(
      /the weight files hold \d+ bytes, model.json lists \d+/,
    );
    expect(() => checkWeightBytes({ ...a, weightSpecs: [] })).toThrow(/no weights listed/);
    expect(() => loadPretrained(dst, { ...a, weightData: a.weightData.slice(0, 16) })).toThrow(
      /weight file does not hold what model.json lists/,
    );
    src.dispose();
    dst.dispose();
  });
});
