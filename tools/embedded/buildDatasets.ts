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
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CNN_TEACHER, buildFashion } from './buildFashion';
import { buildPhotos } from './buildPhotos';
import { PUBLIC, SHARED_DATA, copyFile, write } from './datasetFiles';
import type { DatasetIndex, ImageEntry, ShardEntry } from './manifest';

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
