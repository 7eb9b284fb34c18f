import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeLabelRecord } from '../core/labelRecord';
import { imageInputBytes } from '../data/imageInput';
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
      tf.layers.dense({ units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
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
      decode: async (input) => {
        const text = new TextDecoder().decode(await imageInputBytes(input));
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

  it('leaves out images a re-open check found gone, without reading them, and counts them', async () => {
    const db = await openStudioDb();
    const datasetId = 'files:gen-gone';
    const now = Date.now();
    await putDataset(db, {
      id: datasetId,
      name: 'picked',
      source: 'files',
      layout: 'imagefolder',
      numClasses: 3,
      classes: [0, 1, 2].map((index) => ({ index, name: `c${index}` })),
      counts: { train: 4, val: 0 },
      gone: { train: [1, 3], val: [] },
      skipped: [],
      createdAt: now,
      updatedAt: now,
    });
    const names = ['good0.png', 'gone1.png', 'good2.png', 'gone3.png'];
    await putDatasetItems(
      db,
      datasetId,
      'train',
      names.map((path, index) => ({
        index,
        path,
        classIndex: 0,
        bytes: 4,
        gone: index % 2 === 1 || undefined,
      })),
    );
    registerSessionFiles(datasetId, [file('good0.png', 'GOOD'), file('good2.png', 'GOOD')]);
    const settings = { numCrops: 2, codec: 'msTopK', k: 2, precision: 'q8', temperature: 1 } as const;
    await putLabelSet(db, {
      id: 'ls-gone',
      datasetId,
      teacherId: 't',
      name: 'gone',
      settings: { ...settings, scale: [0.35, 1], ratio: [0.75, 4 / 3], seed: 1, inputSize: 8 },
      numClasses: 3,
      imagesDone: 0,
      imagesTotal: 4,
      bytes: 0,
      status: 'pending',
      createdAt: now,
      updatedAt: now,
    });
    const read: string[] = [];
    const deps: GenerationDeps = {
      decode: async (_blob, { name }) => {
        read.push(name);
        const pixels = new Uint8ClampedArray(8 * 8 * 4).fill(9);
        return { pixels, width: 8, height: 8, sourceWidth: 8, sourceHeight: 8, format: 'png', warnings: [] };
      },
      openTeacher: async () => ({ teacher: await tinyTeacher() }),
    };
    const result = await runGeneration('ls-gone', new AbortController().signal, undefined, undefined, deps);
    expect(result).toMatchObject({ status: 'done', imagesDone: 2, imagesTotal: 2, gone: 2, skipped: [] });
    expect(read.sort()).toEqual(['good0.png', 'good2.png']);
    expect(await listDoneImageIndices(db, 'ls-gone')).toEqual([0, 2]);
    expect((await getLabelSet(db, 'ls-gone'))!.error).toBe('2 images gone from the folder left out');
  });

  it('mixes each crop with a seeded partner crop before the teacher, stores the mix, and repeats exactly', async () => {
    const db = await openStudioDb();
    const datasetId = 'files:genmix';
    const now = Date.now();
    const names = ['a0.png', 'b1.png', 'c2.png', 'bad3.png'];
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
    registerSessionFiles(
      datasetId,
      names.map((n) => file(n, n.startsWith('bad') ? 'BAD' : n)),
    );
    const settings = {
      numCrops: 6,
      codec: 'full' as const,
      k: 3,
      precision: 'f32' as const,
      temperature: 1,
      scale: [0.35, 1] as [number, number],
      ratio: [0.75, 4 / 3] as [number, number],
      seed: 3,
      inputSize: 8,
    };
    const base = { datasetId, teacherId: 't', name: 'test', numClasses: 3, imagesDone: 0, imagesTotal: 4 };
    const meta = { bytes: 0, status: 'pending' as const, createdAt: now, updatedAt: now };
    await putLabelSet(db, { id: 'mixA', ...base, ...meta, settings: { ...settings, labelMix: 'both' } });
    await putLabelSet(db, { id: 'mixB', ...base, ...meta, settings: { ...settings, labelMix: 'both' } });
    await putLabelSet(db, { id: 'plain', ...base, ...meta, settings });
    const deps: GenerationDeps = {
      decode: async (input) => {
        const text = new TextDecoder().decode(await imageInputBytes(input));
        if (text.startsWith('BAD')) return { error: 'truncated or corrupt PNG' };
        const seed = text.charCodeAt(0);
        const pixels = new Uint8ClampedArray(8 * 8 * 4).map((_, i) => (i * seed * 7 + seed) % 256);
        return { pixels, width: 8, height: 8, sourceWidth: 8, sourceHeight: 8, format: 'png', warnings: [] };
      },
      // Seeded weights: the runs differ only by mixing.
      openTeacher: async () => ({ teacher: await tinyTeacher() }),
    };
    for (const id of ['mixA', 'mixB', 'plain'])
      expect((await runGeneration(id, new AbortController().signal, undefined, undefined, deps)).status).toBe(
        'done',
      );
    const rec = async (id: string, i: number) => decodeLabelRecord((await getLabelRecord(db, id, i))!);
    let mixedCrops = 0;
    for (const i of [0, 1, 2]) {
      const [a, b, plain] = [await rec('mixA', i), await rec('mixB', i), await rec('plain', i)];
      expect(a).toEqual(b); // seeded: the same settings make the same mixes and labels
      expect(a.version).toBe(2);
      expect(plain.version).toBe(1);
      expect(Array.from(a.boxes)).toEqual(Array.from(plain.boxes)); // the same crops, then mixed
      for (const m of a.mix!.crops) {
        expect(m.partnerImage).not.toBe(i);
        if (m.partnerImage === 3)
          expect(m.kind).toBe('none'); // the partner did not decode
        else {
          expect([0, 1, 2]).toContain(m.partnerImage);
          expect(m.partnerCrop).toBeLessThan(6);
          mixedCrops++;
        }
      }
      // The teacher labelled mixed pixels: the stored distributions move where a crop was mixed.
      const moved = a.mix!.crops.some(
        (m, c) => m.kind !== 'none' && Math.abs(a.probs[3 * c] - plain.probs[3 * c]) > 1e-6,
      );
      if (a.mix!.crops.some((m) => m.kind !== 'none')) expect(moved).toBe(true);
    }
    expect(mixedCrops).toBeGreaterThan(0);
  });
});
