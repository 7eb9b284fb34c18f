/**
 * bench:jpeg: what a full-size JPEG decode from bytes costs on each path, in the page, one image at a
 * time (no pool, no overlap): the studio's path (`decodeImage` from bytes: WebCodecs' ImageDecoder,
 * then libjpeg's chroma upsampling and colour conversion in JavaScript, data/jpegDecode.ts) against the
 * path it replaced (a Blob per image, createImageBitmap, a canvas read-back), which keeps ~0.14 KB per
 * image in Chromium's browser process (bench:reads). The JPEGs are bench:data's photo-like ones
 * (bench/photoJpegs.ts) at --width x --height.
 * Ratios are studio ÷ Blob path, from one run.
 *
 *   npx tsx bench/jpegDecode.ts [--images 60] [--rounds 3] [--width 500] [--height 375]
 */
import { arg, note, round, runBench, table } from './harness';
import { drawPhotoJpegs, type BenchJpegs } from './photoJpegs';

const IMAGES = arg('images', 60);
const ROUNDS = arg('rounds', 3);
const WIDTH = arg('width', 500);
const HEIGHT = arg('height', 375);

await runBench('jpeg', async ({ page }) => {
  note(`${IMAGES} JPEGs of ${WIDTH}x${HEIGHT}, ${ROUNDS} alternating rounds per path`);
  await drawPhotoJpegs(page, IMAGES, WIDTH, HEIGHT);
  const r = await page.evaluate(
    async ({ rounds }) => {
      const blobs = (window as unknown as BenchJpegs).__benchJpegs;
      const files = await Promise.all(blobs.map(async (b) => new Uint8Array(await b.arrayBuffer())));
      const decode = window.__fkd!.decodeImage;
      const canvas = new OffscreenCanvas(1, 1);
      const viaBlob = async (bytes: Uint8Array<ArrayBuffer>) => {
        const bmp = await createImageBitmap(new Blob([bytes]), {
          colorSpaceConversion: 'none',
          premultiplyAlpha: 'none',
        });
        canvas.width = bmp.width;
        canvas.height = bmp.height;
        const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
        ctx.drawImage(bmp, 0, 0);
        const px = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
        bmp.close();
        return px.length;
      };
      const viaStudio = async (bytes: Uint8Array<ArrayBuffer>) => {
        const d = await decode(bytes, { name: 'x.jpg' });
        if ('error' in d) throw new Error(d.error);
        return d.pixels.length;
      };
      const time = async (f: (b: Uint8Array<ArrayBuffer>) => Promise<number>) => {
        const t0 = performance.now();
        for (const b of files) await f(b);
        return (performance.now() - t0) / files.length;
      };
      await time(viaStudio); // warm both paths up
      await time(viaBlob);
      const ms = { studio: [] as number[], blob: [] as number[] };
      for (let i = 0; i < rounds; i++) {
        ms.studio.push(await time(viaStudio));
        ms.blob.push(await time(viaBlob));
      }
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      return {
        studioMs: mean(ms.studio),
        blobMs: mean(ms.blob),
        rounds: ms,
        bytes: mean(files.map((f) => f.length)),
      };
    },
    { rounds: ROUNDS },
  );
  console.log(
    table(
      ['path', 'ms / image', 'images/s', 'per round (ms / image)'],
      [
        [
          'bytes → ImageDecoder → libjpeg conversion (studio)',
          round(r.studioMs, 2),
          round(1000 / r.studioMs, 0),
          r.rounds.studio.map((x) => x.toFixed(2)).join(' '),
        ],
        [
          'Blob → createImageBitmap → canvas (before)',
          round(r.blobMs, 2),
          round(1000 / r.blobMs, 0),
          r.rounds.blob.map((x) => x.toFixed(2)).join(' '),
        ],
      ],
    ),
  );
  console.log(
    `mean JPEG ${Math.round(r.bytes)} bytes; studio ÷ Blob path time: ${(r.studioMs / r.blobMs).toFixed(2)}`,
  );
  return {
    images: IMAGES,
    width: WIDTH,
    height: HEIGHT,
    studioMsPerImage: round(r.studioMs, 3),
    blobMsPerImage: round(r.blobMs, 3),
    studioOverBlobTime: round(r.studioMs / r.blobMs, 3),
  };
});
