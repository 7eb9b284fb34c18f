import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type * as Crops from '../engine/crops';
import { useCpu } from '../engine/testSetup';
import type { Trainer } from '../engine/trainStep';
import type { DatasetItem } from '../store';
import type { DatasetReader } from './datasets';
import { evaluateItems } from './evaluate';

// Every image decodes to 8x8 grey; the third image's crop throws, as a device error mid-batch would.
vi.mock('./readImage', () => ({
  readImage: async () => ({
    pixels: new Uint8ClampedArray(8 * 8 * 4).fill(128),
    width: 8,
    height: 8,
    sourceWidth: 8,
    sourceHeight: 8,
    format: 'png',
    warnings: [],
  }),
}));
vi.mock('../engine/crops', async (importOriginal) => {
  const real = await importOriginal<typeof Crops>();
  let calls = 0;
  return {
    ...real,
    evalCrops: (...args: Parameters<typeof real.evalCrops>) => {
      if (++calls === 3) throw new Error('crop failed on the device');
      return real.evalCrops(...args);
    },
  };
});

const items: DatasetItem[] = Array.from({ length: 5 }, (_, i) => ({
  datasetId: 'd',
  split: 'val',
  index: i,
  path: `c/${i}.png`,
  classIndex: 0,
  bytes: 1,
}));

describe('evaluateItems', () => {
  beforeAll(useCpu);

  it('frees the crop views already made when a crop throws mid-batch', async () => {
    const before = tf.memory().numTensors;
    const reader = { dataset: { id: 'd' } } as unknown as DatasetReader;
    // Never reached: the batch fails before its forward pass.
    const trainer = {} as Trainer;
    const opts = { inputSize: 4, channels: 3, normalisation: 'unit', numClasses: 2 } as const;
    await expect(evaluateItems(trainer, reader, items, opts)).rejects.toThrow('crop failed on the device');
    expect(tf.memory().numTensors).toBe(before);
  });
});
