/**
 * bench:decode-tasks: what each way of decoding an image in a worker costs the page's main thread. A
 * dedicated worker decodes the embedded default's PNGs (28x28 greyscale) and bench:data's photo-like
 * JPEGs one at a time, each way in turn, while a trace counts the tasks the page's main thread runs:
 *  - `blob`: new Blob, createImageBitmap, a canvas read (the path for what ImageDecoder cannot do);
 *  - `decoder+rgba`: WebCodecs' ImageDecoder, its frame copied out converted to RGBA by the browser;
 *  - `decoder+native`: the same frame copied in its own layout (what data/jpegDecode.ts does; for a
 *    JPEG that is its I420 planes, before the studio's own conversion to RGB, which bench:jpeg times).
 * A Blob made anywhere in the renderer posts two reference-count tasks to the main thread, and a frame
 * copy converted by the browser asks the main thread for a GPU context; each such task waits in the
 * page's queue behind whatever the page is doing, so under load they add to its delays (bench:ui).
 *
 *   npx tsx bench/decodeTasks.ts [--images 100]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession } from 'playwright-core';
import { arg, note, round, runBench, table } from './harness';
import { drawPhotoJpegs, type BenchJpegs } from './photoJpegs';

const IMAGES = arg('images', 100);
const MODES = ['blob', 'decoder+rgba', 'decoder+native'] as const;
type Mode = (typeof MODES)[number];

/** The embedded default's first `n` training PNGs, class folder by class folder, as base64. */
function embeddedPngs(n: number): string[] {
  const root = 'public/datasets/fashion-mnist/train';
  const out: string[] = [];
  for (const cls of readdirSync(root).sort())
    for (const f of readdirSync(join(root, cls)).sort()) {
      if (out.length >= n) return out;
      out.push(readFileSync(join(root, cls, f)).toString('base64'));
    }
  return out;
}

/** The worker's source: decodes every image of a message one way and answers with the time taken. */
const WORKER = `onmessage = async (e) => {
  const { files, type, mode } = e.data;
  const canvas = new OffscreenCanvas(1, 1);
  const t0 = performance.now();
  for (const bytes of files) {
    if (mode === 'blob') {
      const bmp = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      canvas.width = bmp.width;
      canvas.height = bmp.height;
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      ctx.drawImage(bmp, 0, 0);
      ctx.getImageData(0, 0, bmp.width, bmp.height);
      bmp.close();
      continue;
    }
    const d = new ImageDecoder({ data: bytes, type, colorSpaceConversion: 'none' });
    const { image } = await d.decode({ completeFramesOnly: true });
    const rgba = mode === 'decoder+rgba' ? { format: 'RGBA' } : undefined;
    await image.copyTo(new Uint8Array(image.allocationSize(rgba)), rgba);
    image.close();
    d.close();
  }
  postMessage(performance.now() - t0);
};`;

interface TraceEvent {
  name: string;
  pid: number;
  tid: number;
  args?: Record<string, unknown>;
}

/** Counts the page main thread's tasks by where they were posted from, over `run`. */
async function mainThreadTasks(cdp: CDPSession, run: () => Promise<number>) {
  const events: TraceEvent[] = [];
  const onData = (e: { value: unknown[] }) => events.push(...(e.value as TraceEvent[]));
  cdp.on('Tracing.dataCollected', onData);
  const complete = new Promise<void>((r) => cdp.once('Tracing.tracingComplete', () => r()));
  await cdp.send('Tracing.start', {
    traceConfig: { includedCategories: ['toplevel'] },
    transferMode: 'ReportEvents',
  });
  const ms = await run();
  await cdp.send('Tracing.end');
  await complete;
  cdp.off('Tracing.dataCollected', onData);
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const bySource = new Map<string, number>();
  for (const e of events)
    if (e.pid === main?.pid && e.tid === main?.tid && e.name === 'ThreadControllerImpl::RunTask') {
      const k = String(e.args?.src_func ?? '?');
      bySource.set(k, (bySource.get(k) ?? 0) + 1);
    }
  return { ms, bySource };
}

/** Sources whose tasks come from decoding (the rest, a few a second, is the page's own housekeeping). */
const DECODE_SOURCES = [
  'IncreaseChildProcessRefCount',
  'DecreaseChildProcessRefCount',
  'CreateContextProviderIfNeeded',
];

await runBench('decode-tasks', async ({ page, context }) => {
  const pngs = embeddedPngs(IMAGES);
  note(`${pngs.length} embedded PNGs and ${IMAGES} photo-like 500x375 JPEGs, decoded in one worker`);
  await drawPhotoJpegs(page, IMAGES, 500, 375);
  await page.evaluate(
    async ({ src, pngs }) => {
      const w = window as unknown as BenchJpegs & {
        __worker: Worker;
        __sets: Record<string, { type: string; files: Uint8Array[] }>;
      };
      w.__worker = new Worker(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })));
      w.__sets = {
        png: { type: 'image/png', files: pngs.map((b) => Uint8Array.from(atob(b), (c) => c.charCodeAt(0))) },
        jpeg: {
          type: 'image/jpeg',
          files: await Promise.all(w.__benchJpegs.map(async (b) => new Uint8Array(await b.arrayBuffer()))),
        },
      };
    },
    { src: WORKER, pngs },
  );
  const cdp = await context.newCDPSession(page);
  const decodeAll = (set: string, mode: Mode) =>
    page.evaluate(
      ({ set, mode }) => {
        const w = window as unknown as {
          __worker: Worker;
          __sets: Record<string, { type: string; files: Uint8Array[] }>;
        };
        const { type, files } = w.__sets[set];
        return new Promise<number>((resolve) => {
          w.__worker.onmessage = (e: MessageEvent<number>) => resolve(e.data);
          w.__worker.postMessage({ files, type, mode });
        });
      },
      { set, mode },
    );
  const rows: (string | number)[][] = [];
  const result: Record<string, number> = {};
  for (const set of ['png', 'jpeg']) {
    for (const mode of MODES) await decodeAll(set, mode); // warm-up
    for (const mode of MODES) {
      const { ms, bySource } = await mainThreadTasks(cdp, () => decodeAll(set, mode));
      const decodeTasks = DECODE_SOURCES.reduce((a, k) => a + (bySource.get(k) ?? 0), 0);
      const all = [...bySource.values()].reduce((a, b) => a + b, 0);
      rows.push([
        set,
        mode,
        round(ms / IMAGES, 3),
        round(decodeTasks / IMAGES, 2),
        all,
        DECODE_SOURCES.filter((k) => bySource.has(k))
          .map((k) => `${k} ${bySource.get(k)}`)
          .join(', ') || '-',
      ]);
      result[`${set}:${mode}:msPerImage`] = round(ms / IMAGES, 4);
      result[`${set}:${mode}:mainTasksPerImage`] = round(decodeTasks / IMAGES, 3);
    }
  }
  console.log(
    table(['images', 'way', 'ms / image', 'main-thread tasks / image', 'all main tasks', 'from'], rows),
  );
  result['png:nativeOverBlobTime'] = round(
    result['png:decoder+native:msPerImage'] / result['png:blob:msPerImage'],
    3,
  );
  result['jpeg:nativeOverBlobTime'] = round(
    result['jpeg:decoder+native:msPerImage'] / result['jpeg:blob:msPerImage'],
    3,
  );
  return { images: IMAGES, ...result };
});
