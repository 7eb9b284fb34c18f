/**
 * bench:scale's inputs: synthetic ImageNet layouts of small JPEGs written to OPFS by the page (train/<wnid>/
 * over N classes, one val image per class), opened later through the folder flow so indexing is timed on
 * its own; and a tiny dense 1000-class teacher made in Node and imported like a user's model folder, so
 * generation runs on a set with ImageNet's class count at a cost the loaded machine can carry.
 */
import * as tf from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';

/** Writes `images` train JPEGs (side x 3/4 side) over `classes` wnid folders; returns the OPFS folder name. */
export function writeSmallImageNet(
  page: Page,
  opts: { images: number; classes: number; side: number; tag: string },
): Promise<{ name: string; bytes: number; seconds: number }> {
  return page.evaluate(async ({ images, classes, side, tag }) => {
    const t0 = performance.now();
    const root = await navigator.storage.getDirectory();
    const name = `bench-scale-${tag}`;
    await root.removeEntry(name, { recursive: true }).catch(() => undefined);
    const top = await root.getDirectoryHandle(name, { create: true });
    const h = Math.round((side * 3) / 4);
    const canvas = new OffscreenCanvas(side, h);
    const ctx = canvas.getContext('2d')!;
    let rand = 12345;
    const rnd = () => (rand = (Math.imul(rand, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let bytes = 0;
    const write = async (dir: FileSystemDirectoryHandle, file: string, c: number) => {
      ctx.fillStyle = `hsl(${(c * 360) / classes},70%,${30 + 40 * rnd()}%)`;
      ctx.fillRect(0, 0, side, h);
      for (let s = 0; s < 6; s++) {
        ctx.fillStyle = `hsl(${360 * rnd()},60%,${20 + 60 * rnd()}%)`;
        ctx.fillRect(side * rnd(), h * rnd(), 4 + (side / 3) * rnd(), 4 + (h / 3) * rnd());
      }
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
      bytes += blob.size;
      const wr = await (await dir.getFileHandle(file, { create: true })).createWritable();
      await wr.write(blob);
      await wr.close();
    };
    for (const split of ['train', 'val'] as const) {
      const sd = await top.getDirectoryHandle(split, { create: true });
      for (let c = 0; c < classes; c++) {
        const cd = await sd.getDirectoryHandle(`n${String(1000000 + c).padStart(8, '0')}`, { create: true });
        // Train images spread evenly over the classes (the first classes take the remainder).
        const n = split === 'val' ? 1 : Math.floor(images / classes) + (c < images % classes ? 1 : 0);
        for (let i = 0; i < n; i++) await write(cd, `img_${c}_${i}.JPEG`, c);
      }
    }
    return { name, bytes, seconds: (performance.now() - t0) / 1000 };
  }, opts);
}

/** Indexes the OPFS folder through the studio's folder flow; returns the dataset id and the seconds it took. */
export function indexOpfsFolder(page: Page, name: string): Promise<{ datasetId: string; seconds: number }> {
  return page.evaluate(async (n) => {
    const root = await navigator.storage.getDirectory();
    const top = await root.getDirectoryHandle(n);
    const open = (
      window as unknown as {
        __fkdOpenDirectory: (h: FileSystemDirectoryHandle, n: string) => Promise<string>;
      }
    ).__fkdOpenDirectory;
    const t0 = performance.now();
    const datasetId = await open(top, n);
    return { datasetId, seconds: (performance.now() - t0) / 1000 };
  }, name);
}

/** A flatten + dense teacher over 16x16 RGB crops with `classes` outputs, imported as a model folder. */
export async function importDenseTeacher(page: Page, classes: number): Promise<string> {
  const m = tf.sequential({
    layers: [tf.layers.flatten({ inputShape: [16, 16, 3] }), tf.layers.dense({ units: classes })],
  });
  let artifacts: tf.io.ModelArtifacts | null = null;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  m.dispose();
  const a = artifacts as unknown as tf.io.ModelArtifacts;
  const modelJson = JSON.stringify({
    format: 'layers-model',
    modelTopology: a.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
  });
  const weights = Buffer.from(a.weightData as ArrayBuffer).toString('base64');
  return page.evaluate(
    async ({ modelJson, weights, classes }) => {
      const bin = Uint8Array.from(atob(weights), (ch) => ch.charCodeAt(0));
      const files = [new File([modelJson], 'model.json'), new File([bin], 'weights.bin')];
      const r = await window.__fkd!.studio().teacher.api.importTeacher({
        name: `bench dense ${classes}`,
        files,
        config: {
          ...{ inputSize: 16, channels: 3, channelOrder: 'rgb', normalisation: 'unit' },
          ...{ output: 'logits', numClasses: classes, classMapping: 'dataset' },
        },
      });
      return r.id;
    },
    { modelJson, weights, classes },
  );
}
