import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { planLabels } from '../core/labelPlan';
import { Rng } from '../core/rng';
import { imageInputBytes } from '../data/imageInput';
import { useCpu } from '../engine/testSetup';
import { loadTeacher, type Teacher } from '../models/teacher';
import {
  getLabelSet,
  listDoneImageIndices,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelSet,
  type LabelSetSettings,
} from '../store';
import { registerSessionFiles } from './datasets';
import { runGeneration, type GenerationDeps } from './generate';

beforeAll(useCpu);

const C = 1000;

async function teacher1000(): Promise<Teacher> {
  const m = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [8, 8, 1] }), tf.layers.dense({ units: C })],
  });
  let artifacts: tf.io.ModelArtifacts | null = null;
  await m.save(
    tf.io.withSaveHandler(
      async (a) => (
        (artifacts = a),
        { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
      ),
    ),
  );
  m.dispose();
  return loadTeacher(tf.io.fromMemory(artifacts!), {
    ...{ id: 't', name: 't', inputSize: 8, channels: 1, channelOrder: 'rgb' },
    ...{ normalisation: 'unit', output: 'logits', numClasses: C, classMapping: 'dataset' },
  });
}

/** 40 images of assorted photo sizes, 4 classes of 10, in index order; each file's text is its size. */
const sizes = Array.from({ length: 40 }, (_, i) => {
  const r = new Rng(7).fork(i);
  return { width: r.int(120, 640), height: r.int(100, 520) };
});

const deps: GenerationDeps = {
  decode: async (input) => {
    const [width, height] = new TextDecoder()
      .decode(await imageInputBytes(input))
      .split('x')
      .map(Number);
    const pixels = new Uint8ClampedArray(width * height * 4).fill(128);
    return { pixels, width, height, sourceWidth: width, sourceHeight: height, format: 'png', warnings: [] };
  },
  openTeacher: async () => ({ teacher: await teacher1000() }),
};

async function setUp(datasetId: string): Promise<void> {
  const db = await openStudioDb();
  const now = Date.now();
  await putDataset(db, {
    ...{ id: datasetId, name: 'picked', source: 'files', layout: 'imagefolder', numClasses: C },
    ...{ classes: [], counts: { train: sizes.length, val: 0 }, skipped: [], createdAt: now, updatedAt: now },
  });
  const names = sizes.map((_, i) => `img${i}.png`);
  await putDatasetItems(
    db,
    datasetId,
    'train',
    names.map((path, index) => ({ index, path, classIndex: Math.floor(index / 10), bytes: 10 })),
  );
  registerSessionFiles(
    datasetId,
    names.map((n, i) => {
      const f = new File([`${sizes[i].width}x${sizes[i].height}`], n);
      Object.defineProperty(f, 'webkitRelativePath', { value: `picked/${n}` });
      return f;
    }),
  );
}

async function newSet(id: string, datasetId: string, settings: Partial<LabelSetSettings> = {}) {
  const now = Date.now();
  await putLabelSet(await openStudioDb(), {
    ...{ id, datasetId, teacherId: 't', name: id, numClasses: C, imagesDone: 0, imagesTotal: 0, bytes: 0 },
    status: 'pending',
    createdAt: now,
    updatedAt: now,
    settings: {
      ...{ numCrops: 24, codec: 'msTopK', k: 5, precision: 'q8', temperature: 1, scale: [0.08, 1] },
      ...{ ratio: [0.75, 4 / 3], seed: 1, inputSize: 8, ...settings },
    },
  });
}

describe('the plan against a generated set', () => {
  it('estimates the bytes a real set stores within 5 %, from a sample of its image sizes', async () => {
    await setUp('files:plan');
    await newSet('plan', 'files:plan');
    const r = await runGeneration('plan', new AbortController().signal, undefined, undefined, deps);
    expect(r.status).toBe('done');
    const set = (await getLabelSet(await openStudioDb(), 'plan'))!;
    expect(set.imagesDone).toBe(40);
    // The plan sees 8 of the 40 sizes, as the Soft labels view's probe does.
    const pick = new Rng(3).permutation(40).subarray(0, 8);
    const plan = planLabels({
      trainImages: 40,
      spec: { codec: 'msTopK', k: 5, precision: 'q8', numClasses: C },
      numCrops: 24,
      sizes: Array.from(pick, (i) => sizes[i]),
    });
    expect(Math.abs(plan.bytes - set.bytes) / set.bytes).toBeLessThan(0.05);
    expect(set.rate?.cropsPerSec).toBeGreaterThan(0);
  });

  it('labels only the subset, and a paused job resumes where it stopped without relabelling', async () => {
    await setUp('files:sub');
    await newSet('sub', 'files:sub', { subset: { kind: 'perClass', n: 6 }, numCrops: 2 });
    const ctl = new AbortController();
    let reads = 0;
    const stopping: GenerationDeps = {
      ...deps,
      decode: (blob, ...rest) => {
        if (++reads === 16) ctl.abort();
        return deps.decode(blob, ...rest);
      },
    };
    const first = await runGeneration('sub', ctl.signal, undefined, undefined, stopping);
    expect(first.status).toBe('paused');
    const db = await openStudioDb();
    const before = await listDoneImageIndices(db, 'sub');
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(24);
    let readsAgain = 0;
    const again: GenerationDeps = {
      ...deps,
      decode: (blob, ...rest) => (readsAgain++, deps.decode(blob, ...rest)),
    };
    const second = await runGeneration('sub', new AbortController().signal, undefined, undefined, again);
    expect(second.status).toBe('done');
    expect(second.imagesTotal).toBe(24);
    expect(readsAgain).toBe(24 - before.length);
    const done = await listDoneImageIndices(db, 'sub');
    expect(done).toEqual([
      0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23, 24, 25, 30, 31, 32, 33, 34, 35,
    ]);
  });
});
