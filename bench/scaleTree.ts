/**
 * bench:scale's synthetic ImageNet layouts in the page's OPFS: train/<wnid>/ over N classes (one val
 * image per class), small JPEGs. Built once per size in a kept profile and reused by later runs (a
 * marker file says the tree is whole). A pool of distinct JPEGs is encoded once and its bytes written
 * by a dedicated worker through sync access handles, so a file costs a write, not an encode. The same
 * pool, marker and worker restarts write the WebDataset shard set (bench/scaleShards.ts).
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
  /** Writer workers replaced after going quiet (an OPFS call that never settled). */
  restarts: number;
}

export const treeName = (t: TreeSpec) => `bench-scale-${t.images}-${t.classes}c-${t.side}px`;

// Both layouts' writers run in a dedicated worker (sync access handles exist only there). This part is
// theirs in common: the fresh start, a file write that survives a replaced worker's lock, the marker
// and the messages; each layout's script defines `writeUnits(top, msg)`, which writes its units (class
// folders, shards) from `msg.from` on and posts { unit, bytes } after each. The page restarts a worker
// that goes quiet (an OPFS call that never settles).
const WRITER_COMMON = `
// A replaced worker's file may stay locked for a while: wait, then write it under another name.
const openLocked = async (dir, file) => {
  const dot = file.lastIndexOf('.');
  for (let t = 0; ; t++) {
    const name = t < 5 ? file : file.slice(0, dot) + '_' + t + file.slice(dot);
    try {
      return await (await dir.getFileHandle(name, { create: true })).createSyncAccessHandle();
    } catch (err) {
      if (!err || err.name !== 'NoModificationAllowedError' || t > 8) throw err;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
};
const putFile = async (dir, file, data) => {
  const h = await openLocked(dir, file);
  try {
    h.truncate(0);
    h.write(data, { at: 0 });
  } finally {
    h.close();
  }
};
const write = async (msg) => {
  const root = await navigator.storage.getDirectory();
  if (msg.fresh) {
    await root.removeEntry(msg.name, { recursive: true }).catch(() => undefined);
    await root.removeEntry(msg.name + '.complete').catch(() => undefined);
  }
  await writeUnits(await root.getDirectoryHandle(msg.name, { create: true }), msg);
  await root.getFileHandle(msg.name + '.complete', { create: true });
  postMessage({ done: true });
};
onmessage = (e) =>
  write(e.data).catch((err) => postMessage({ error: String(err && err.stack ? err.stack : err) }));
`;

// The folder tree: unit f < classes is train class f's folder; f >= classes is val class f - classes
// (one image).
const WRITER = `
const writeUnits = async (top, { images, classes, pool, from }) => {
  for (let f = from; f < 2 * classes; f++) {
    const val = f >= classes;
    const c = val ? f - classes : f;
    const sd = await top.getDirectoryHandle(val ? 'val' : 'train', { create: true });
    const cd = await sd.getDirectoryHandle('n' + String(1000000 + c).padStart(8, '0'), { create: true });
    const n = val ? 1 : Math.floor(images / classes) + (c < images % classes ? 1 : 0);
    let bytes = 0;
    for (let lo = 0; lo < n; lo += 8) {
      const jobs = [];
      for (let i = lo; i < Math.min(n, lo + 8); i++) {
        const data = pool[(c * 131 + i) % pool.length];
        bytes += data.byteLength;
        jobs.push(putFile(cd, 'img_' + c + '_' + i + '.JPEG', data));
      }
      await Promise.all(jobs);
    }
    postMessage({ unit: f, bytes });
  }
};`;

/** The tree for `spec`, written unless a whole one from an earlier run is there. */
export function ensureTree(page: Page, spec: TreeSpec): Promise<Tree> {
  return writeOnce(page, spec, treeName(spec), WRITER);
}

/**
 * The layout `name`, written by the worker script `source` (its `writeUnits`, run by WRITER_COMMON)
 * unless `<name>.complete` says an earlier run wrote all of it. The script's message is { name, images,
 * classes, pool, from, fresh, ...extra }; a worker that goes quiet is replaced and resumes at the next
 * unit.
 */
export function writeOnce(
  page: Page,
  spec: TreeSpec,
  name: string,
  source: string,
  extra: Record<string, unknown> = {},
): Promise<Tree> {
  return page.evaluate(
    async ({ spec, name, source, extra, quietMs }) => {
      const root = await navigator.storage.getDirectory();
      const whole = await root.getFileHandle(`${name}.complete`).then(
        () => true,
        () => false,
      );
      if (whole) return { name, seconds: 0, bytes: 0, reused: true, restarts: 0 };
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
      let bytes = 0;
      let next = 0;
      let restarts = 0;
      try {
        for (;;) {
          const worker = new Worker(url);
          const outcome = await new Promise<'done' | 'quiet'>((resolve, reject) => {
            let quiet = setTimeout(() => resolve('quiet'), quietMs);
            worker.onerror = (e) => reject(new Error(`tree writer: ${e.message}`));
            worker.onmessage = (
              e: MessageEvent<{ unit?: number; bytes?: number; done?: boolean; error?: string }>,
            ) => {
              const m = e.data;
              if (m.error) return reject(new Error(`tree writer: ${m.error}`));
              if (m.done) return resolve('done');
              next = (m.unit ?? next) + 1;
              bytes += m.bytes ?? 0;
              clearTimeout(quiet);
              quiet = setTimeout(() => resolve('quiet'), quietMs);
            };
            const msg = { ...extra, name, images: spec.images, classes: spec.classes, pool, from: next };
            worker.postMessage({ ...msg, fresh: restarts === 0 && next === 0 });
          }).finally(() => worker.terminate());
          if (outcome === 'done') break;
          if (++restarts > 50) throw new Error(`tree writer: stuck at unit ${next} after 50 restarts`);
        }
        return { name, seconds: (performance.now() - t0) / 1000, bytes, reused: false, restarts };
      } finally {
        URL.revokeObjectURL(url);
      }
    },
    { spec, name, source: WRITER_COMMON + source, extra, quietMs: 20_000 },
  );
}
