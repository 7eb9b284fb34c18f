/**
 * Fashion-MNIST IDX reader (gzip'd IDX files, as installed by Debian's `dataset-fashion-mnist`).
 * Node only (node:fs, node:zlib). Used by buildDatasets.ts and trainTeacher.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Human-readable class names; class index = position in this array (the standard label order). */
export const FASHION_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Folder names (ImageFolder layout); class index = position in this array. */
export const FASHION_CLASS_FOLDERS: readonly string[] = [
  'tshirt_top',
  'trouser',
  'pullover',
  'dress',
  'coat',
  'sandal',
  'shirt',
  'sneaker',
  'bag',
  'ankle_boot',
];

export interface FashionSplit {
  /** Number of images. */
  count: number;
  rows: number;
  cols: number;
  /** count*rows*cols grey pixels, row-major, 0 = black (background), 255 = white. */
  images: Uint8Array;
  /** count labels in 0..9. */
  labels: Uint8Array;
}

function readIdx(path: string): { dims: number[]; data: Uint8Array } {
  const buf = gunzipSync(readFileSync(path));
  const magic = buf.readUInt32BE(0);
  const type = (magic >> 8) & 0xff;
  const nDims = magic & 0xff;
  if (magic >> 16 !== 0 || type !== 0x08) throw new Error(`${path}: not an unsigned-byte IDX file`);
  const dims: number[] = [];
  for (let i = 0; i < nDims; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const offset = 4 + 4 * nDims;
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== offset + size)
    throw new Error(`${path}: expected ${offset + size} bytes, got ${buf.length}`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + offset, size) };
}

/** Reads the 60k train split ('train') or the 10k test split ('test'). */
export function loadFashionMnist(split: 'train' | 'test', dir = FASHION_MNIST_DIR): FashionSplit {
  const prefix = split === 'train' ? 'train' : 't10k';
  const img = readIdx(join(dir, `${prefix}-images-idx3-ubyte.gz`));
  const lab = readIdx(join(dir, `${prefix}-labels-idx1-ubyte.gz`));
  if (img.dims.length !== 3 || lab.dims.length !== 1 || img.dims[0] !== lab.dims[0]) {
    throw new Error(`Fashion-MNIST ${split}: inconsistent IDX dims ${img.dims} / ${lab.dims}`);
  }
  return { count: img.dims[0], rows: img.dims[1], cols: img.dims[2], images: img.data, labels: lab.data };
}
