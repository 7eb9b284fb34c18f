/**
 * bench:train's decode-bound data: a synthetic ImageNet-layout folder (train/<wnid>/*.JPEG, val/...) of
 * 500x375 photo-sized JPEGs (gradients, ellipses and pixel noise, quality 0.85: tens of KB each, like
 * ImageNet's), written to OPFS by the page (OffscreenCanvas.convertToBlob) and opened like a folder the
 * user picked. Seeded: the same images every run.
 */
import type { Page } from 'playwright-core';

export interface SyntheticImageNet {
  datasetId: string;
  name: string;
  train: number;
  val: number;
  numClasses: number;
  bytes: number;
}

export function writeSyntheticImageNet(
  page: Page,
  opts: { images: number; classes: number },
): Promise<SyntheticImageNet> {
  return page.evaluate(async ({ images, classes }) => {
    const root = await navigator.storage.getDirectory();
    const name = `bench-imagenet-${Date.now().toString(36)}`;
    const top = await root.getDirectoryHandle(name, { create: true });
    let rand = 12345;
    const rnd = () => (rand = (Math.imul(rand, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const canvas = new OffscreenCanvas(500, 375);
    const ctx = canvas.getContext('2d')!;
    let bytes = 0;
    const write = async (dir: FileSystemDirectoryHandle, file: string, c: number) => {
      const hue = (c * 360) / classes;
      const g = ctx.createLinearGradient(0, 0, 500, 375);
      g.addColorStop(0, `hsl(${hue},70%,${30 + 40 * rnd()}%)`);
      g.addColorStop(1, `hsl(${(hue + 60 * rnd()) % 360},60%,${30 + 40 * rnd()}%)`);
      ctx.fillStyle = g;
      ctx.fillRect(0, 0, 500, 375);
      for (let s = 0; s < 60; s++) {
        ctx.fillStyle = `hsla(${(hue + 90 * (rnd() - 0.5) + 360) % 360},${50 + 50 * rnd()}%,${20 + 60 * rnd()}%,0.7)`;
        ctx.beginPath();
        ctx.ellipse(500 * rnd(), 375 * rnd(), 5 + 60 * rnd(), 5 + 60 * rnd(), 3 * rnd(), 0, 2 * Math.PI);
        ctx.fill();
      }
      // Fine texture so the JPEG is photo-sized (~tens of KB), not a flat few KB.
      const img = ctx.getImageData(0, 0, 500, 375);
      for (let i = 0; i < img.data.length; i += 4) {
        const n = (rnd() - 0.5) * 40;
        img.data[i] += n;
        img.data[i + 1] += n;
        img.data[i + 2] += n;
      }
      ctx.putImageData(img, 0, 0);
      const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
      bytes += blob.size;
      const fh = await dir.getFileHandle(file, { create: true });
      const wr = await fh.createWritable();
      await wr.write(blob);
      await wr.close();
    };
    for (const split of ['train', 'val'] as const) {
      const sd = await top.getDirectoryHandle(split, { create: true });
      const perClass = split === 'train' ? Math.ceil(images / classes) : 2;
      for (let c = 0; c < classes; c++) {
        const cd = await sd.getDirectoryHandle(`n${String(1000000 + c).padStart(8, '0')}`, {
          create: true,
        });
        for (let i = 0; i < perClass; i++) await write(cd, `img_${c}_${i}.JPEG`, c);
      }
    }
    const open = (
      window as unknown as {
        __fkdOpenDirectory: (h: FileSystemDirectoryHandle, n: string) => Promise<string>;
      }
    ).__fkdOpenDirectory;
    const datasetId = await open(top, name);
    const db = await window.__fkd!.store.openStudioDb();
    const ds = (await window.__fkd!.store.getDataset(db, datasetId))!;
    return {
      datasetId,
      name,
      train: ds.counts.train,
      val: ds.counts.val,
      numClasses: ds.numClasses,
      bytes,
    };
  }, opts);
}
