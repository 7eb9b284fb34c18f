/**
 * Checks the embedded default data and teacher under public/ against public/datasets/index.json
 * (built by tools/embedded/buildDatasets.ts and tools/embedded/trainTeacher.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, normalize } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { useWasm } from '../../src/engine/testSetup';
import type { DatasetIndex, ImageFolderManifest, WebDatasetManifest } from './manifest';

const PUBLIC = join(__dirname, '..', '..', 'public');
// 12 MB: the fashion-mnist pack (1.3 MB) duplicates the loose PNGs so the studio reads them in one fetch.
const MAX_PUBLIC_BYTES = 12 * 2 ** 20;

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** Minimal ustar reader: member names and contents, in archive order. */
function readTar(bytes: Buffer): { name: string; data: Buffer }[] {
  const out: { name: string; data: Buffer }[] = [];
  let off = 0;
  while (off + 512 <= bytes.length) {
    const h = bytes.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number): string => h.toString('latin1', a, a + n).replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim(), 8);
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    expect(str(257, 6)).toBe('ustar');
    out.push({ name, data: bytes.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const index = JSON.parse(readFileSync(join(PUBLIC, 'datasets', 'index.json'), 'utf8')) as DatasetIndex;
const byId = (id: string) => index.datasets.find((d) => d.id === id);

describe('embedded datasets', () => {
  it('lists the three datasets', () => {
    expect(index.datasets.map((d) => d.id)).toEqual([
      'fashion-mnist',
      'fashion-mnist-wds',
      'imagenet-photos',
    ]);
    for (const d of index.datasets) {
      expect(d.classes.map((c) => c.index)).toEqual([...Array(d.numClasses).keys()]);
    }
  });

  for (const id of ['fashion-mnist', 'imagenet-photos']) {
    it(`${id}: manifest matches the files on disk`, () => {
      const ds = byId(id) as ImageFolderManifest;
      expect(ds.layout).toBe('imagefolder');
      for (const split of ['train', 'val'] as const) {
        const entries = ds.splits[split];
        const onDisk = walk(join(PUBLIC, ds.root, split)).map((p) =>
          p.slice(join(PUBLIC, ds.root).length + 1),
        );
        expect(onDisk.sort()).toEqual(entries.map((e) => e.path).sort());
        for (const e of entries) {
          expect(e.path.split('/')[1]).toBe(ds.classes[e.classIndex].folder);
          expect(statSync(join(PUBLIC, ds.root, e.path)).size).toBe(e.bytes);
        }
      }
    });
  }

  it('fashion-mnist: 2000/500 images, 200/50 per class, 28x28', () => {
    const ds = byId('fashion-mnist') as ImageFolderManifest;
    expect(ds.splits.train).toHaveLength(2000);
    expect(ds.splits.val).toHaveLength(500);
    for (let c = 0; c < 10; c++) {
      expect(ds.splits.train.filter((e) => e.classIndex === c)).toHaveLength(200);
      expect(ds.splits.val.filter((e) => e.classIndex === c)).toHaveLength(50);
    }
    expect(ds.splits.train.every((e) => e.width === 28 && e.height === 28)).toBe(true);
  });

  it('fashion-mnist-wds: tar members match the manifest and the ImageFolder copy', () => {
    const ds = byId('fashion-mnist-wds') as WebDatasetManifest;
    const folder = byId('fashion-mnist') as ImageFolderManifest;
    for (const split of ['train', 'val'] as const) {
      const expected = new Map(
        folder.splits[split].map((e) => [`${split}_${e.path.split('/')[2].replace('.png', '')}`, e]),
      );
      let samples = 0;
      for (const shard of ds.shards[split]) {
        const bytes = readFileSync(join(PUBLIC, ds.root, shard.path));
        expect(bytes.length).toBe(shard.bytes);
        const members = readTar(bytes);
        expect(members.map((m) => m.name)).toEqual(
          shard.keys.flatMap((k) => ds.sampleExts.map((x) => `${k}.${x}`)),
        );
        expect(shard.samples).toBe(shard.keys.length);
        for (let i = 0; i < members.length; i += 2) {
          const key = members[i].name.replace(/\.cls$/, '');
          const entry = expected.get(key);
          expect(entry).toBeDefined();
          expect(members[i].data.toString('ascii')).toBe(String(entry?.classIndex));
          expect(members[i + 1].data.length).toBe(entry?.bytes);
        }
        samples += shard.samples;
      }
      expect(samples).toBe(expected.size);
    }
    expect(ds.shards.train.map((s) => s.path)).toEqual(
      [0, 1, 2, 3].map((i) => `fashion-mnist-train-00000${i}.tar`),
    );
  });

  it('public/ stays under 12 MB', () => {
    const total = walk(PUBLIC).reduce((a, p) => a + statSync(p).size, 0);
    expect(total).toBeLessThan(MAX_PUBLIC_BYTES);
  });
});

// The CNN (default) and the dense teacher: shipped files, recorded accuracy, and a check by URL.
describe.each([
  { folder: 'fashion-cnn-teacher', minTop1: 0.91, minVal: 0.88 },
  { folder: 'fashion-teacher', minTop1: 0.88, minVal: 0.85 },
])('embedded teacher $folder', ({ folder, minTop1, minVal }) => {
  const dir = join(PUBLIC, 'models', folder);
  it(`has model.json, its weight shards and teacher.json with top-1 >= ${minTop1}`, () => {
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      format: string;
      weightsManifest: {
        paths: string[];
        weights: { shape: number[]; quantization?: { dtype: string } }[];
      }[];
    };
    expect(model.format).toBe('layers-model');
    for (const g of model.weightsManifest) {
      const bytes = g.paths.reduce((a, p) => a + statSync(join(dir, p)).size, 0);
      const expected = g.weights.reduce(
        (a, w) => a + w.shape.reduce((x, y) => x * y, 1) * (w.quantization?.dtype === 'float16' ? 2 : 4),
        0,
      );
      expect(bytes).toBe(expected);
    }
    const meta = JSON.parse(readFileSync(join(dir, 'teacher.json'), 'utf8')) as {
      testTop1: number;
      numClasses: number;
      inputSize: number[];
    };
    expect(meta.testTop1).toBeGreaterThanOrEqual(minTop1);
    expect(meta.numClasses).toBe(10);
    expect(meta.inputSize).toEqual([28, 28, 1]);
  });

  it('loads by URL like the browser does and classifies the embedded val PNGs', async () => {
    // A static server over public/, so tf.loadLayersModel goes through its http IOHandler.
    const server = createServer((req, res) => {
      const rel = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
        /^\/+/,
        '',
      );
      try {
        res.end(readFileSync(join(PUBLIC, rel)));
      } catch {
        res.statusCode = 404;
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      // The backend the studio labels with on a machine without a GPU (the cpu backend's conv took
      // ~75 ms per image here).
      await useWasm();
      const { port } = server.address() as AddressInfo;
      const model = await tf.loadLayersModel(`http://127.0.0.1:${port}/models/${folder}/model.json`);
      const ds = byId('fashion-mnist') as ImageFolderManifest;
      // 20 val images per class: the check is that the shipped files load and classify.
      const perClass = new Map<number, number>();
      const val = ds.splits.val.filter((e) => {
        const n = perClass.get(e.classIndex) ?? 0;
        perClass.set(e.classIndex, n + 1);
        return n < 20;
      });
      expect(val).toHaveLength(200);
      const x = new Float32Array(val.length * 784);
      val.forEach((e, i) => {
        const png = PNG.sync.read(readFileSync(join(PUBLIC, ds.root, e.path)));
        for (let p = 0; p < 784; p++) x[i * 784 + p] = png.data[p * 4] / 255;
      });
      const pred = tf.tidy(() =>
        (model.predict(tf.tensor4d(x, [val.length, 28, 28, 1])) as tf.Tensor).argMax(1),
      );
      const labels = (await pred.data()) as Int32Array;
      pred.dispose();
      model.dispose();
      const acc = val.filter((e, i) => labels[i] === e.classIndex).length / val.length;
      expect(acc).toBeGreaterThan(minVal);
    } finally {
      server.close();
    }
  });
});

describe('embedded teacher list', () => {
  it('lists the CNN first and every listed folder (and default teacher) ships a teacher.json', () => {
    const index = JSON.parse(readFileSync(join(PUBLIC, 'datasets', 'index.json'), 'utf8')) as {
      teachers?: string[];
      datasets: { defaultTeacher?: string }[];
    };
    expect(index.teachers?.[0]).toBe('models/fashion-cnn-teacher');
    const folders = [...(index.teachers ?? []), ...index.datasets.flatMap((d) => d.defaultTeacher ?? [])];
    for (const f of folders) expect(statSync(join(PUBLIC, f, 'teacher.json')).isFile()).toBe(true);
  });
});
