/**
 * bench:scale's synthetic ImageNet layouts in the page's OPFS: train/<wnid>/ over N classes (one val
 * image per class), small JPEGs. Built once per size in a kept profile and reused by later runs (a
 * marker file says the tree is whole). A pool of distinct JPEGs is encoded once and its bytes written
 * by a dedicated worker through sync access handles, so a file costs a write, not an encode.
 */
import type { Page } from 'playwright-core';

export interface TreeSpec {
  images: number;
  classes: number;
  side: number;
  /** Distinct JPEGs the files cycle through. */
  pool?: number;
}

export interface Tree {
  /** The OPFS folder, opened later through the folder flow. */
  name: string;
  /** 0 when an earlier run's tree was reused. */
  seconds: number;
  bytes: number;
  reused: boolean;
}

export const treeName = (t: TreeSpec) => `bench-scale-${t.images}-${t.classes}c-${t.side}px`;

// Runs in a dedicated worker (sync access handles exist only there): writes the tree, then the marker.
const WRITER = `
onmessage = async (e) => {
  const { name, images, classes, pool } = e.data;
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(name, { recursive: true }).catch(() => undefined);
  await root.removeEntry(name + '.complete').catch(() => undefined);
  const top = await root.getDirectoryHandle(name, { create: true });
  let bytes = 0;
  let k = 0;
  const put = async (dir, file, data) => {
    const h = await (await dir.getFileHandle(file, { create: true })).createSyncAccessHandle();
    h.write(data, { at: 0 });
    h.close();
    bytes += data.byteLength;
  };
  for (const split of ['train', 'val']) {
    const sd = await top.getDirectoryHandle(split, { create: true });
    for (let c = 0; c < classes; c++) {
      const cd = await sd.getDirectoryHandle('n' + String(1000000 + c).padStart(8, '0'), { create: true });
      const n = split === 'val' ? 1 : Math.floor(images / classes) + (c < images % classes ? 1 : 0);
      const jobs = [];
      for (let i = 0; i < n; i++) jobs.push(put(cd, 'img_' + c + '_' + i + '.JPEG', pool[k++ % pool.length]));
      await Promise.all(jobs);
    }
  }
  await root.getFileHandle(name + '.complete', { create: true });
  postMessage({ bytes });
};`;

/** The tree for `spec`, written unless a whole one from an earlier run is there. */
export function ensureTree(page: Page, spec: TreeSpec): Promise<Tree> {
  return page.evaluate(
    async ({ spec, name, source }) => {
      const root = await navigator.storage.getDirectory();
      const whole = await root.getFileHandle(`${name}.complete`).then(
        () => true,
        () => false,
      );
      if (whole) return { name, seconds: 0, bytes: 0, reused: true };
      const t0 = performance.now();
      const h = Math.round((spec.side * 3) / 4);
      const canvas = new OffscreenCanvas(spec.side, h);
      const ctx = canvas.getContext('2d')!;
      let rand = 12345;
      const rnd = () => (rand = (Math.imul(rand, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const pool: ArrayBuffer[] = [];
      for (let p = 0; p < (spec.pool ?? 256); p++) {
        ctx.fillStyle = `hsl(${360 * rnd()},70%,${30 + 40 * rnd()}%)`;
        ctx.fillRect(0, 0, spec.side, h);
        for (let s = 0; s < 6; s++) {
          ctx.fillStyle = `hsl(${360 * rnd()},60%,${20 + 60 * rnd()}%)`;
          ctx.fillRect(spec.side * rnd(), h * rnd(), 4 + (spec.side / 3) * rnd(), 4 + (h / 3) * rnd());
        }
        const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.85 });
        pool.push(await blob.arrayBuffer());
      }
      const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
      const worker = new Worker(url);
      try {
        const bytes = await new Promise<number>((resolve, reject) => {
          worker.onmessage = (e: MessageEvent<{ bytes: number }>) => resolve(e.data.bytes);
          worker.onerror = (e) => reject(new Error(`tree writer: ${e.message}`));
          worker.postMessage({ name, images: spec.images, classes: spec.classes, pool });
        });
        return { name, seconds: (performance.now() - t0) / 1000, bytes, reused: false };
      } finally {
        worker.terminate();
        URL.revokeObjectURL(url);
      }
    },
    { spec, name: treeName(spec), source: WRITER },
  );
}
