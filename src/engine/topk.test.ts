import * as tf from '@tensorflow/tfjs';
import { beforeAll, expect, it } from 'vitest';
import { accuracyCounts, readTopK, topKPairs } from './topk';
import { useCpu } from './testSetup';

beforeAll(useCpu);

const logits = () =>
  tf.tensor2d([
    [0, 9, 1, 2, 3, 4, 5], // argmax 1
    [9, 8, 7, 6, 5, 4, 3], // top5 = 0..4
    [1, 2, 3, 4, 5, 6, 7], // top5 = 6..2
  ]);

it('readTopK returns row-major indices and values and disposes its temporaries', async () => {
  const x = logits();
  const before = tf.memory().numTensors;
  const { indices, values, rows, k } = await readTopK(x, 2);
  expect(Array.from(indices)).toEqual([1, 6, 0, 1, 6, 5]);
  expect(Array.from(values)).toEqual([9, 5, 9, 8, 7, 6]);
  expect([rows, k]).toEqual([3, 2]);
  expect(tf.memory().numTensors).toBe(before);
});

it('readTopK reads only the selected rows, in the order asked, and caps k at the row length', async () => {
  const x = logits();
  const before = tf.memory().numTensors;
  const read = readTopK(x, 9, [2, 0]);
  x.dispose(); // the work is queued already: the input may go at once
  const t = await read;
  expect([t.rows, t.k]).toEqual([2, 7]);
  const pairs = topKPairs(t);
  expect(pairs.map((r) => r[0])).toEqual([
    { index: 6, prob: 7 },
    { index: 1, prob: 9 },
  ]);
  expect(pairs[1].map((p) => p.index)).toEqual([1, 6, 5, 4, 3, 2, 0]);
  expect(tf.memory().numTensors).toBe(before - 1);
});

it('accuracyCounts counts top-1 and top-5 hits', async () => {
  const x = logits();
  const before = tf.memory().numTensors;
  // row0 label 1: top1; row1 label 4: top5 only; row2 label 0: miss.
  expect(await accuracyCounts(x, Int32Array.from([1, 4, 0]))).toEqual({ top1: 1, top5: 2 });
  expect(await accuracyCounts(x, tf.tensor1d([1, 0, 6], 'int32'))).toEqual({ top1: 3, top5: 3 });
  expect(tf.memory().numTensors).toBe(before + 1); // only the label tensor made above
});
