import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLabelRecord } from '../core/labelRecord';
import { useCpu } from '../engine/testSetup';
import { loadTeacher, type Teacher } from '../models/teacher';
import {
  getLabelRecord,
  getLabelSet,
  listDoneImageIndices,
  openStudioDb,
  putDataset,
  putDatasetItems,
  putLabelSet,
} from '../store';
import { registerSessionFiles } from './datasets';
import { runGeneration, type GenerationDeps } from './generate';

beforeAll(useCpu);

function file(name: string, text: string): File {
  const f = new File([text], name);
  Object.defineProperty(f, 'webkitRelativePath', { value: `picked/${name}` });
  return f;
}

async function tinyTeacher(): Promise<Teacher> {
  const m = tf.sequential({
    layers: [
      tf.layers.flatten({ inputShape: [8, 8, 1] }),
      tf.layers.dense({ units: 3, kernelInitializer: 'glorotUniform' }),
    ],
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
    id: 't',
    name: 'tiny',
    inputSize: 8,
    channels: 1,
    channelOrder: 'rgb',
    normalisation: 'unit',
    output: 'logits',
    numClasses: 3,
    classMapping: 'dataset',
  });
}

describe('runGeneration', () => {
  it('writes a record only for images that decode; the others go to the skip report', async () => {
    const db = await openStudioDb();
    const datasetId = 'files:gen';
    const now = Date.now();
    const names = ['good0.png', 'bad1.png', 'good2.png', 'gone3.png'];
    await putDataset(db, {
      id: datasetId,
      name: 'picked',
      source: 'files',
      layout: 'imagefolder',
      numClasses: 3,
      classes: [0, 1, 2].map((index) => ({ index, name: `c${index}` })),
      counts: { train: 4, val: 0 },
      skipped: [],
      createdAt: now,
      updatedAt: now,
    });
    await putDatasetItems(
      db,
      datasetId,
      'train',
      names.map((path, index) => ({ index, path, classIndex: index % 3, bytes: 10 })),
    );
    // gone3.png was indexed but is missing now.
    registerSessionFiles(datasetId, [
      file('good0.png', 'GOOD'),
      file('bad1.png', 'BAD'),
      file('good2.png', 'GOOD'),
    ]);
    await putLabelSet(db, {
      id: 'ls',
      datasetId,
      teacherId: 't',
      name: 'test',
      settings: {
        numCrops: 4,
        codec: 'msTopK',
        k: 2,
        precision: 'q8',
        temperature: 1,
        scale: [0.35, 1],
        ratio: [0.75, 4 / 3],
        seed: 1,
        inputSize: 8,
      },
      numClasses: 3,
      imagesDone: 0,
      imagesTotal: 4,
      bytes: 0,
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
    const deps: GenerationDeps = {
      decode: async (blob) => {
        const text = await blob.text();
        if (text.startsWith('BAD')) return { error: 'truncated or corrupt JPEG' };
        const pixels = new Uint8ClampedArray(8 * 8 * 4).map((_, i) => (i * 37) % 256);
        return { pixels, width: 8, height: 8, sourceWidth: 8, sourceHeight: 8, format: 'png', warnings: [] };
      },
      openTeacher: async () => ({ teacher: await tinyTeacher() }),
    };
    const result = await runGeneration('ls', new AbortController().signal, undefined, undefined, deps);
    expect(result.status).toBe('done');
    expect(result.skipped.map((s) => s.path).sort()).toEqual(['bad1.png', 'gone3.png']);
    expect(result.skipped.find((s) => s.path === 'gone3.png')!.reason).toMatch(/not found/);
    expect(await listDoneImageIndices(db, 'ls')).toEqual([0, 2]);
    const set = (await getLabelSet(db, 'ls'))!;
    expect(set.imagesDone).toBe(2);
    expect(set.status).toBe('done');
    const rec = decodeLabelRecord((await getLabelRecord(db, 'ls', 0))!);
    expect(rec.numCrops).toBe(4);
    expect(rec.imageWidth).toBe(8);
  });
});
