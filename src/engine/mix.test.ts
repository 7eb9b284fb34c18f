import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mixBatch } from './mix';
import { useCpu } from './testSetup';

beforeAll(useCpu);

describe('mixBatch', () => {
  const x = tf.tensor4d(
    Array.from({ length: 2 * 3 * 3 }, (_, i) => i),
    [2, 3, 3, 1],
  );
  const t = tf.tensor2d([1, 0, 0, 1], [2, 2]);
  const perm = Uint32Array.from([1, 0]);

  it('mixup mixes images and targets linearly with the same lambda', async () => {
    const [mx, mt] = mixBatch(x, t, { kind: 'mixup', lambda: 0.75, perm });
    const xv = await x.data();
    const m = await mx.data();
    for (let i = 0; i < 9; i++) expect(m[i]).toBeCloseTo(0.75 * xv[i] + 0.25 * xv[9 + i], 6);
    expect(Array.from(await mt.data())).toEqual([0.75, 0.25, 0.25, 0.75]);
    tf.dispose([mx, mt]);
  });

  it('cutmix pastes the box from the partner crop and keeps targets summing to 1', async () => {
    const before = tf.memory().numTensors;
    const [mx, mt] = mixBatch(x, t, {
      kind: 'cutmix',
      lambda: 1 - 4 / 9,
      perm,
      box: { y1: 0, x1: 0, y2: 2, x2: 2 },
    });
    const m = await mx.data();
    // Crop 0's top-left 2x2 comes from crop 1 (values 9..17), the rest is its own.
    expect(Array.from(m.slice(0, 9))).toEqual([9, 10, 2, 12, 13, 5, 6, 7, 8]);
    const tv = await mt.data();
    expect(tv[0] + tv[1]).toBeCloseTo(1, 6);
    expect(tv[0]).toBeCloseTo(5 / 9, 6);
    tf.dispose([mx, mt]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
