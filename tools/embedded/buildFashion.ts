/**
 * The Fashion-MNIST embedded datasets: a stratified seeded subset as an ImageFolder tree (plus its
 * pack.bin) and the same images as WebDataset shards. The subset is pinned to mulberry32, so the
 * committed files come out byte for byte.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { compareCodePoints } from '../../src/core/codePoints';
import { mulberry32 } from '../../src/core/mulberry32';
import { PUBLIC, pad6, write } from './datasetFiles';
import {
  FASHION_CLASS_FOLDERS,
  FASHION_CLASS_NAMES,
  loadFashionMnist,
  type FashionSplit,
} from './fashionMnist';
import type { ClassEntry, ImageFolderManifest, WebDatasetManifest } from './manifest';

export const SUBSET_SEED = 20220708;
export const TRAIN_PER_CLASS = 200;
export const VAL_PER_CLASS = 50;
export const SHARD_SIZE = 500;
/** 2020-01-01T00:00:00Z as a Unix time, so the tar mtime does not depend on the time zone. */
const TAR_MTIME = '@1577836800';

/** In-place Fisher-Yates shuffle driven by `next` (uniform in [0, 1)). */
function shuffle<T>(a: T[], next: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** Seeded stratified pick: `perClass` indices of each class, in ascending index order. */
export function stratifiedSubset(labels: Uint8Array, perClass: number, seed: number): number[] {
  const next = mulberry32(seed);
  const out: number[] = [];
  for (let c = 0; c < 10; c++) {
    const idx: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) idx.push(i);
    shuffle(idx, next);
    out.push(...idx.slice(0, perClass));
  }
  return out.sort((a, b) => a - b);
}

function greyPng(data: FashionSplit, i: number): Buffer {
  const png = new PNG({ width: data.cols, height: data.rows, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const px = data.rows * data.cols;
  png.data = Buffer.from(data.images.subarray(i * px, (i + 1) * px));
  return PNG.sync.write(png, {
    colorType: 0,
    inputColorType: 0,
    bitDepth: 8,
    inputHasAlpha: false,
    deflateLevel: 9,
  });
}

function fashionClasses(): ClassEntry[] {
  return FASHION_CLASS_NAMES.map((name, index) => ({ index, folder: FASHION_CLASS_FOLDERS[index], name }));
}

export const CNN_TEACHER = 'models/fashion-cnn-teacher';
const FASHION_LICENSE = 'MIT (Fashion-MNIST, Copyright (c) 2017 Zalando SE)';

/** Concatenates the split files into `pack.bin` (see ImageFolderManifest.pack), setting offsets. */
function writePack(root: string, splits: ImageFolderManifest['splits']): ImageFolderManifest['pack'] {
  const parts: Buffer[] = [];
  let offset = 0;
  for (const e of [...splits.train, ...splits.val]) {
    const b = readFileSync(join(PUBLIC, root, e.path));
    if (b.length !== e.bytes) throw new Error(`${e.path}: ${b.length} bytes, manifest says ${e.bytes}`);
    e.offset = offset;
    parts.push(b);
    offset += b.length;
  }
  write(join(PUBLIC, root, 'pack.bin'), Buffer.concat(parts));
  return { path: 'pack.bin', bytes: offset };
}

export function buildFashion(): { folder: ImageFolderManifest; wds: WebDatasetManifest } {
  const root = 'datasets/fashion-mnist';
  const wdsRoot = 'datasets/fashion-mnist-wds';
  const tmp = mkdtempSync(join(tmpdir(), 'fkd-wds-'));
  const splits: ImageFolderManifest['splits'] = { train: [], val: [] };
  const shards: WebDatasetManifest['shards'] = { train: [], val: [] };
  const plan = [
    { split: 'train' as const, src: 'train' as const, perClass: TRAIN_PER_CLASS, seed: SUBSET_SEED },
    { split: 'val' as const, src: 'test' as const, perClass: VAL_PER_CLASS, seed: SUBSET_SEED + 1 },
  ];
  try {
    for (const p of plan) {
      const data = loadFashionMnist(p.src);
      const picked = stratifiedSubset(data.labels, p.perClass, p.seed);
      const keyed: { key: string; png: Buffer; cls: number }[] = [];
      for (const i of picked) {
        const cls = data.labels[i];
        const png = greyPng(data, i);
        const path = `${p.split}/${FASHION_CLASS_FOLDERS[cls]}/${pad6(i)}.png`;
        write(join(PUBLIC, root, path), png);
        splits[p.split].push({
          path,
          classIndex: cls,
          width: data.cols,
          height: data.rows,
          bytes: png.length,
        });
        keyed.push({ key: `${p.split}_${pad6(i)}`, png, cls });
      }
      // Deal samples to shards in a seeded shuffled order (class-mixed shards).
      shuffle(keyed, mulberry32(p.seed + 100));
      for (let s = 0; s * SHARD_SIZE < keyed.length; s++) {
        const members = keyed
          .slice(s * SHARD_SIZE, (s + 1) * SHARD_SIZE)
          .sort((a, b) => compareCodePoints(a.key, b.key));
        const dir = join(tmp, `${p.split}-${s}`);
        mkdirSync(dir);
        const names: string[] = [];
        for (const m of members) {
          writeFileSync(join(dir, `${m.key}.cls`), String(m.cls));
          writeFileSync(join(dir, `${m.key}.png`), m.png);
          names.push(`${m.key}.cls`, `${m.key}.png`);
        }
        const path = `fashion-mnist-${p.split}-${pad6(s)}.tar`;
        const out = join(PUBLIC, wdsRoot, path);
        mkdirSync(dirname(out), { recursive: true });
        execFileSync('tar', [
          '--format=ustar',
          '--sort=name',
          '--owner=0',
          '--group=0',
          '--numeric-owner',
          `--mtime=${TAR_MTIME}`,
          '--mode=0644',
          '-C',
          dir,
          '-cf',
          out,
          ...names,
        ]);
        shards[p.split].push({
          path,
          bytes: statSync(out).size,
          samples: members.length,
          keys: members.map((m) => m.key),
        });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const pack = writePack(root, splits);
  const common = {
    numClasses: 10,
    imageSize: [28, 28, 1] as [number, number, number],
    channels: 'grey' as const,
    classes: fashionClasses(),
    license: FASHION_LICENSE,
    defaultTeacher: CNN_TEACHER,
  };
  const subset =
    `stratified seeded subset (tools/embedded/buildDatasets.ts, seed ${SUBSET_SEED}): ` +
    `${TRAIN_PER_CLASS}/class from the 60k train set, ${VAL_PER_CLASS}/class from the 10k test set; ` +
    'file/key number = index in the original IDX file. Class index = position in `classes` (label order ' +
    'of Fashion-MNIST), not alphabetical folder order.';
  return {
    folder: {
      id: 'fashion-mnist',
      name: 'Fashion-MNIST 2k',
      description: 'Fashion-MNIST subset, 2,000 train / 500 val 28x28 greyscale PNGs, ImageFolder layout.',
      root,
      layout: 'imagefolder',
      ...common,
      source: `Fashion-MNIST (github.com/zalandoresearch/fashion-mnist), ${subset}`,
      splits,
      pack,
    },
    wds: {
      id: 'fashion-mnist-wds',
      name: 'Fashion-MNIST 2k (WebDataset)',
      description: 'The same 2,000 / 500 images as fashion-mnist, as WebDataset tar shards of 500 samples.',
      root: wdsRoot,
      layout: 'webdataset',
      ...common,
      source: `Fashion-MNIST (github.com/zalandoresearch/fashion-mnist), ${subset}`,
      sampleExts: ['cls', 'png'],
      shards,
    },
  };
}
