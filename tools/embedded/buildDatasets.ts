/**
 * Builds the embedded default datasets under public/datasets/ (deterministic: same bytes every run,
 * given the same Fashion-MNIST files, zlib, GNU tar and ImageMagick versions).
 *
 *   npx tsx tools/embedded/buildDatasets.ts
 *
 * 1. fashion-mnist (ImageFolder): a stratified, seeded subset, 200 per class from the 60k train set
 *    (2,000 train) and 50 per class from the 10k test set (500 val), greyscale 8-bit PNGs:
 *    train/<folder>/<NNNNNN>.png, where NNNNNN is the image's index in the original IDX file.
 * 2. fashion-mnist-wds (WebDataset): the same images as tar shards of 500 samples,
 *    fashion-mnist-train-00000{0..3}.tar and fashion-mnist-val-000000.tar; a sample is
 *    `<key>.cls` (ASCII class index) + `<key>.png`, key = `train_NNNNNN` / `val_NNNNNN`.
 *    Samples are dealt to shards in a seeded shuffled order; inside a shard members are sorted
 *    by name (GNU tar, ustar, owner 0, mtime 2020-01-01T00:00:00Z, mode 0644).
 * 3. imagenet-photos (ImageFolder, ImageNet wnid folders): JPEG variants (crops/flips, q85) of
 *    the real photos in /work/shared/data/photos (longest side <= 320 px), mapped to ImageNet-1k classes.
 * 4. public/datasets/index.json (schema: tools/embedded/manifest.ts) and public/imagenet-classes.json.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import {
  FASHION_CLASS_FOLDERS,
  FASHION_CLASS_NAMES,
  loadFashionMnist,
  type FashionSplit,
} from './fashionMnist';
import type {
  ClassEntry,
  DatasetIndex,
  ImageEntry,
  ImageFolderManifest,
  ShardEntry,
  WebDatasetManifest,
} from './manifest';
import { Rng } from './prng';

export const SUBSET_SEED = 20220708;
export const TRAIN_PER_CLASS = 200;
export const VAL_PER_CLASS = 50;
export const SHARD_SIZE = 500;
const PUBLIC = 'public';
const SHARED_DATA = '/work/shared/data';
const PHOTOS = join(SHARED_DATA, 'photos');
/** 2020-01-01T00:00:00Z as a Unix time, so the tar mtime does not depend on the time zone. */
const TAR_MTIME = '@1577836800';

/** Seeded stratified pick: `perClass` indices of each class, in ascending index order. */
export function stratifiedSubset(labels: Uint8Array, perClass: number, seed: number): number[] {
  const rng = new Rng(seed);
  const out: number[] = [];
  for (let c = 0; c < 10; c++) {
    const idx: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) idx.push(i);
    rng.shuffle(idx);
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

function write(path: string, bytes: Buffer | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/** Copies a file as a plain 0644 file (the shared sources are read-only). */
function copyFile(from: string, to: string): void {
  write(to, readFileSync(from));
  chmodSync(to, 0o644);
}

const pad6 = (i: number): string => String(i).padStart(6, '0');

function fashionClasses(): ClassEntry[] {
  return FASHION_CLASS_NAMES.map((name, index) => ({ index, folder: FASHION_CLASS_FOLDERS[index], name }));
}

const CNN_TEACHER = 'models/fashion-cnn-teacher';
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

function buildFashion(): { folder: ImageFolderManifest; wds: WebDatasetManifest } {
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
      new Rng(p.seed + 100).shuffle(keyed);
      for (let s = 0; s * SHARD_SIZE < keyed.length; s++) {
        const members = keyed
          .slice(s * SHARD_SIZE, (s + 1) * SHARD_SIZE)
          .sort((a, b) => (a.key < b.key ? -1 : 1));
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

interface PhotoVariant {
  split: 'train' | 'val';
  suffix: string;
  /** ImageMagick operations applied to the source photo. */
  ops: string[];
}
interface PhotoClass {
  wnid: string;
  photo: string;
  variants: PhotoVariant[];
}

const flop = ['-flop'];
const crop = (g: string): string[] => ['-crop', g, '+repage'];
/** Three train variants and one val variant per class; the subject stays in view in each. */
const PHOTO_CLASSES: PhotoClass[] = [
  {
    wnid: 'n01614925', // bald eagle (a juvenile)
    photo: 'eagle',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('300x300+90+10') },
      { split: 'val', suffix: 'd', ops: [...crop('340x260+70+30'), ...flop] },
    ],
  },
  {
    wnid: 'n02110063', // malamute (the dog in darknet's dog.jpg)
    photo: 'dog',
    variants: [
      { split: 'train', suffix: 'a', ops: crop('150x200+30+115') },
      { split: 'train', suffix: 'b', ops: [...crop('150x200+30+115'), ...flop] },
      { split: 'train', suffix: 'c', ops: crop('190x230+10+90') },
      { split: 'val', suffix: 'd', ops: [...crop('170x210+20+105'), ...flop] },
    ],
  },
  {
    wnid: 'n02123045', // tabby (chelsea)
    photo: 'chelsea',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('300x300+75+0') },
      { split: 'val', suffix: 'd', ops: [...crop('360x260+40+20'), ...flop] },
    ],
  },
  {
    wnid: 'n02389026', // sorrel (horses)
    photo: 'horses',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('320x240+0+80') },
      { split: 'val', suffix: 'd', ops: crop('300x220+160+90') },
    ],
  },
  {
    wnid: 'n02391049', // zebra (behind the giraffe)
    photo: 'giraffe',
    variants: [
      { split: 'train', suffix: 'a', ops: crop('150x150+160+150') },
      { split: 'train', suffix: 'b', ops: [...crop('150x150+160+150'), ...flop] },
      { split: 'train', suffix: 'c', ops: crop('130x170+170+130') },
      { split: 'val', suffix: 'd', ops: [...crop('160x140+150+160'), ...flop] },
    ],
  },
  {
    wnid: 'n03773504', // missile (SpaceX rocket on the pad)
    photo: 'rocket',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('200x320+140+0') },
      { split: 'val', suffix: 'd', ops: [...crop('240x300+110+20'), ...flop] },
    ],
  },
  {
    wnid: 'n03877845', // palace (Summer Palace, sklearn china.jpg)
    photo: 'china',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('240x320+120+0') },
      { split: 'val', suffix: 'd', ops: crop('280x280+100+20') },
    ],
  },
  {
    wnid: 'n03930630', // pickup (the truck in darknet's dog.jpg)
    photo: 'dog',
    variants: [
      { split: 'train', suffix: 'e', ops: crop('170x100+240+10') },
      { split: 'train', suffix: 'f', ops: [...crop('170x100+240+10'), ...flop] },
      { split: 'train', suffix: 'g', ops: crop('200x120+225+0') },
      { split: 'val', suffix: 'h', ops: [...crop('150x90+250+15'), ...flop] },
    ],
  },
  {
    wnid: 'n07920052', // espresso (coffee)
    photo: 'coffee',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('320x300+80+0') },
      { split: 'val', suffix: 'd', ops: [...crop('260x260+110+20'), ...flop] },
    ],
  },
  {
    wnid: 'n09428293', // seashore (darknet's kite.jpg: kites over a beach; ImageNet 'kite' is a bird)
    photo: 'kite',
    variants: [
      { split: 'train', suffix: 'a', ops: [] },
      { split: 'train', suffix: 'b', ops: flop },
      { split: 'train', suffix: 'c', ops: crop('320x240+0+80') },
      { split: 'val', suffix: 'd', ops: [...crop('300x200+180+100'), ...flop] },
    ],
  },
];
/** Left out: astronaut (no ImageNet-1k class), flower (a dahlia; no class), person (no class). */

interface ImagenetClass {
  index: number;
  wnid: string;
  name: string;
  names: string;
}

function buildPhotos(): ImageFolderManifest {
  const root = 'datasets/imagenet-photos';
  const imagenet = JSON.parse(
    readFileSync(join(SHARED_DATA, 'imagenet-classes.json'), 'utf8'),
  ) as ImagenetClass[];
  const byWnid = new Map(imagenet.map((c) => [c.wnid, c]));
  // ImageFolder convention: class index = position of the folder in sorted order.
  const sorted = [...PHOTO_CLASSES].sort((a, b) => (a.wnid < b.wnid ? -1 : 1));
  const classes: ClassEntry[] = sorted.map((pc, index) => {
    const c = byWnid.get(pc.wnid);
    if (!c) throw new Error(`unknown wnid ${pc.wnid}`);
    return { index, folder: pc.wnid, name: c.name, wnid: pc.wnid, imagenetIndex: c.index };
  });
  const splits: ImageFolderManifest['splits'] = { train: [], val: [] };
  sorted.forEach((pc, classIndex) => {
    for (const v of pc.variants) {
      const path = `${v.split}/${pc.wnid}/${pc.wnid}_${pc.photo}_${v.suffix}.JPEG`;
      const out = join(PUBLIC, root, path);
      mkdirSync(dirname(out), { recursive: true });
      execFileSync('convert', [
        join(PHOTOS, `${pc.photo}.jpg`),
        ...v.ops,
        '-resize',
        '320x320>',
        '-strip',
        '-quality',
        '85',
        '-sampling-factor',
        '4:2:0',
        out,
      ]);
      const [w, h] = execFileSync('identify', ['-format', '%w %h', out], { encoding: 'utf8' })
        .split(' ')
        .map(Number);
      splits[v.split].push({ path, classIndex, width: w, height: h, bytes: statSync(out).size });
    }
  });
  copyFile(join(PHOTOS, 'LICENSES.md'), join(PUBLIC, root, 'LICENSES.md'));
  copyFile(join(PHOTOS, 'README-sklearn-images.txt'), join(PUBLIC, root, 'README-sklearn-images.txt'));
  return {
    id: 'imagenet-photos',
    name: 'ImageNet-layout photos',
    description:
      'A tiny ImageNet-style folder (wnid folders, .JPEG) of 40 crops/flips of 8 real photos in 10 ImageNet-1k classes.',
    root,
    layout: 'imagefolder',
    numClasses: classes.length,
    imageSize: null,
    channels: 'rgb',
    classes,
    license: 'Per image, see LICENSES.md in this folder (GPL-3+/MIT/WTFPL, CC0, public domain, CC-BY 2.0)',
    source:
      'Photos from Debian packages darknet, python3-skimage, python3-sklearn; variants made with ImageMagick ' +
      '(tools/embedded/buildDatasets.ts). Class index = sorted wnid order; imagenetIndex maps to ImageNet-1k.',
    splits,
  };
}

function main(): void {
  for (const d of ['fashion-mnist', 'fashion-mnist-wds', 'imagenet-photos']) {
    rmSync(join(PUBLIC, 'datasets', d), { recursive: true, force: true });
  }
  const t0 = performance.now();
  const { folder, wds } = buildFashion();
  const photos = buildPhotos();
  const index: DatasetIndex = {
    version: 1,
    datasets: [folder, wds, photos],
    // The CNN teacher first (the default: the more accurate one, and a teacher that costs more than its
    // students, as in FKD); the dense one stays as a fast alternative.
    teachers: [CNN_TEACHER, 'models/fashion-teacher'],
  };
  write(join(PUBLIC, 'datasets', 'index.json'), JSON.stringify(index) + '\n');
  copyFile(join(SHARED_DATA, 'imagenet-classes.json'), join(PUBLIC, 'imagenet-classes.json'));
  const n = (e: ImageEntry[]): number => e.length;
  const s = (e: ShardEntry[]): number => e.reduce((a, x) => a + x.bytes, 0);
  console.log(
    `fashion-mnist ${n(folder.splits.train)}/${n(folder.splits.val)} images; ` +
      `wds ${wds.shards.train.length}+${wds.shards.val.length} shards (${s(wds.shards.train) + s(wds.shards.val)} B); ` +
      `photos ${n(photos.splits.train)}/${n(photos.splits.val)}; ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

if (process.argv[1]?.endsWith('buildDatasets.ts')) main();
