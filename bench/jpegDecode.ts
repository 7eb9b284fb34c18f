/**
 * bench:jpeg: what a full-size JPEG decode from bytes costs on each path, in the page, one image at a
 * time (no pool, no overlap): the studio's path (`decodeImage` from bytes: WebCodecs' ImageDecoder,
 * then libjpeg's chroma upsampling and colour conversion in JavaScript, data/jpegDecode.ts) against the
 * path it replaced (a Blob per image, createImageBitmap, a canvas read-back), which keeps ~0.14 KB per
 * image in Chromium's browser process (bench:reads). The JPEGs are drawn deterministically in the page
 * (gradients, shapes and noise, quality 0.9, 4:2:0 as Chromium encodes) at --width x --height.
 * Ratios are studio ÷ Blob path, from one run.
 *
 *   npx tsx bench/jpegDecode.ts [--images 60] [--rounds 3] [--width 500] [--height 375]
 */
import { arg, note, round, runBench, table } from './harness';

const IMAGES = arg('images', 60);
const ROUNDS = arg('rounds', 3);
const WIDTH = arg('width', 500);
const HEIGHT = arg('height', 375);

await runBench('jpeg', async ({ page }) => {
  note(`${IMAGES} JPEGs of ${WIDTH}x${HEIGHT}, ${ROUNDS} alternating rounds per path`);
  const r = await page.evaluate(
    async ({ images, rounds, width, height }) => {
      let seed = 11;
      const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const files: Uint8Array<ArrayBuffer>[] = [];
      for (let k = 0; k < images; k++) {
        const c = new OffscreenCanvas(width, height);
        const g = c.getContext('2d')!;
        const grad = g.createLinearGradient(0, 0, width, height);
        grad.addColorStop(0, `hsl(${360 * rnd()},50%,50%)`);
        grad.addColorStop(1, `hsl(${360 * rnd()},50%,40%)`);
        g.fillStyle = grad;
        g.fillRect(0, 0, width, height);
        for (let i = 0; i < 30; i++) {
          g.fillStyle = `hsl(${360 * rnd()},60%,${30 + 40 * rnd()}%)`;
          g.fillRect(width * rnd(), height * rnd(), 20 + 80 * rnd(), 20 + 80 * rnd());
        }
        const img = g.getImageData(0, 0, width, height);
        for (let i = 0; i < img.data.length; i += 4) {
          const n = (rnd() - 0.5) * 40;
          for (let ch = 0; ch < 3; ch++) img.data[i + ch] += n;
        }
        g.putImageData(img, 0, 0);
        const blob = await c.convertToBlob({ type: 'image/jpeg', quality: 0.9 });
        files.push(new Uint8Array(await blob.arrayBuffer()));
      }
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
    { images: IMAGES, rounds: ROUNDS, width: WIDTH, height: HEIGHT },
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
