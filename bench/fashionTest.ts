/**
 * The full Fashion-MNIST test set (10,000 images none of the bench recipes was tuned on) as a studio
 * dataset: read at bench time from Debian's dataset-fashion-mnist package (never shipped), written as
 * one WebDataset shard into the page's Origin Private File System and opened as a folder, so any
 * worker evaluates a run on it exactly as it evaluates the val split.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { ustar } from '../src/data/testing/ustar';
import { FASHION_MNIST_DIR, loadFashionMnist } from '../tools/embedded/fashionMnist';

const OPFS_DIR = 'bench-fashion-mnist-test';
/** "test" in the shard name puts every sample in the val split, the one a run is evaluated on. */
const SHARD = 'fashion-mnist-test-000000.tar';
/** Bytes per page.evaluate call while copying the shard into OPFS. */
const CHUNK = 4 << 20;

export interface TestSetRef {
  datasetId: string;
  images: number;
}

/** Why the test set cannot be read, or null when the Debian package is installed. */
export function testSetMissing(dir = FASHION_MNIST_DIR): string | null {
  const need = ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'].filter(
    (f) => !existsSync(join(dir, f)),
  );
  return need.length === 0
    ? null
    : `${need.join(', ')} not in ${dir}: install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist)`;
}

/** The 10,000 test images as grey PNG + .cls samples (class ids as the embedded set's). */
export function testShard(dir = FASHION_MNIST_DIR): { tar: Uint8Array; images: number } {
  const data = loadFashionMnist('test', dir);
  const px = data.rows * data.cols;
  const members: [string, Uint8Array | string][] = [];
  for (let i = 0; i < data.count; i++) {
    const png = new PNG({
      width: data.cols,
      height: data.rows,
      colorType: 0,
      inputColorType: 0,
      bitDepth: 8,
    });
    png.data = Buffer.from(data.images.subarray(i * px, (i + 1) * px));
    const key = `test${String(i).padStart(5, '0')}`;
    members.push(
      [`${key}.cls`, String(data.labels[i])],
      [
        `${key}.png`,
        PNG.sync.write(png, { colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false }),
      ],
    );
  }
  return { tar: ustar(members), images: data.count };
}

/** Copies the test shard into OPFS and indexes it through the open-folder path; checks its count. */
export async function openTestSet(page: Page, dir = FASHION_MNIST_DIR): Promise<TestSetRef> {
  const { tar, images } = testShard(dir);
  await page.evaluate(
    async ({ name, shard }) => {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry(name, { recursive: true }).catch(() => undefined);
      const top = await root.getDirectoryHandle(name, { create: true });
      await (await top.getFileHandle(shard, { create: true })).createWritable().then((w) => w.close());
    },
    { name: OPFS_DIR, shard: SHARD },
  );
  for (let at = 0; at < tar.length; at += CHUNK) {
    const b64 = Buffer.from(tar.subarray(at, at + CHUNK)).toString('base64');
    await page.evaluate(
      async ({ name, shard, b64, at }) => {
        const root = await navigator.storage.getDirectory();
        const fh = await (await root.getDirectoryHandle(name)).getFileHandle(shard);
        const w = await fh.createWritable({ keepExistingData: true });
        await w.write({
          type: 'write',
          position: at,
          data: Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)),
        });
        await w.close();
      },
      { name: OPFS_DIR, shard: SHARD, b64, at },
    );
  }
  const datasetId = await page.evaluate(async (name) => {
    if (!window.__fkdOpenDirectory) throw new Error('the studio page has no __fkdOpenDirectory entry point');
    const root = await navigator.storage.getDirectory();
    return window.__fkdOpenDirectory(await root.getDirectoryHandle(name), 'Fashion-MNIST test (10k)');
  }, OPFS_DIR);
  const counts = await page.evaluate(async (id) => {
    const { store } = window.__fkd!;
    const ds = await store.getDataset(await store.openStudioDb(), id);
    return ds ? { ...ds.counts, skipped: ds.skipped.length } : null;
  }, datasetId);
  if (!counts || counts.val !== images || counts.skipped !== 0)
    throw new Error(
      `test set indexed as ${JSON.stringify(counts)}, expected ${images} val images and no skips`,
    );
  return { datasetId, images };
}

/** Top-1 / top-5 of a run's final weights on the test set (exported, then evaluated as the studio does). */
export async function evaluateOnTestSet(
  page: Page,
  runId: string,
  testSet: TestSetRef,
  cfg: { inputSize: number; channels: 1 | 3; normalisation: 'imagenet' | 'unit' | 'symmetric'; arch: string },
): Promise<{ top1: number; top5: number; images: number }> {
  return page.evaluate(
    async ({ runId, datasetId, cfg }) => {
      const api = window.__fkd!.studio().trainer.api;
      const artifacts = await api.exportStudent(runId);
      const ev = await api.evaluateArtifacts(artifacts, { ...cfg, datasetId } as never);
      return { top1: ev.top1, top5: ev.top5, images: ev.images };
    },
    { runId, datasetId: testSet.datasetId, cfg },
  );
}
